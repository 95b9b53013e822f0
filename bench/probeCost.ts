// What nnet's PyTorch probe costs a run that never stops (issue 17: at most 10 %): bench/pytorch_probe_bench.py — a
// 4-layer MLP of width 1024, batch 64, SGD, on one torch thread — trained for a fixed time plainly and under
// `python -m nnet_probe`, attached to the debugger's real probe server (debugger/pytorch/probeServer.ts), which
// arms progress every 100 ms and update ratios every second with nothing blocking, and drops what it reads.
// Fresh processes, interleaved A B B A …; run by `npm run bench` (bench/child.ts --probe-cost; skip with --no-probe).

import { spawn } from 'node:child_process';
import path from 'node:path';
import { silentLogger } from '../debugger/log';
import { ProbeServer } from '../debugger/pytorch/probeServer';
import { findTorchPython } from './pytorch';

/** The repository (the child runs bundled in dist/ or as source in bench/: both sit one level below it). */
const ROOT = path.resolve(__dirname, '..');
const SCRIPT = path.join(ROOT, 'bench', 'pytorch_probe_bench.py');
const PROBE_DIR = path.join(ROOT, 'probe');

/** The arm a debug session with no breakpoints and no exception filters sends, with progress at 10 Hz. */
const ARM = {
  kind: 'arm',
  modules: [],
  every: false,
  nanCheck: false,
  stepEnd: false,
  progressMs: 100,
  updateRatioMs: 1000,
} as const;

/** One timed run, as the script reports it. */
interface Run {
  readonly samplesPerSec: number;
  readonly cpuStepsPerSec: number;
  readonly steps: number;
}

/** The probe's cost: medians of each side, their ratio, and how many progress messages a probed run sent. */
export interface ProbeCost {
  readonly plainSamplesPerSec: number;
  readonly probedSamplesPerSec: number;
  /** probed ÷ plain samples/s (wall clock); the slowdown is 1 − ratio (budget ≤ 10 %). */
  readonly ratio: number;
  /** Median of each repetition's probed ÷ plain (the pair ran back to back, so they shared the machine's load). */
  readonly pairedRatio: number;
  /** The same ratio in steps per CPU second of the training process, less sensitive to a shared machine's load. */
  readonly cpuRatio: number;
  readonly slowdownPct: number;
  /** Median progress messages the server received per probed run (proof the probe reported while timed). */
  readonly progressPerRun: number;
  readonly runs: { readonly plain: readonly Run[]; readonly probed: readonly Run[] };
  readonly python: string;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs `args` with `python` and resolves with its BENCH_RESULT, or rejects with its last stderr line. */
function runScript(python: string, args: readonly string[], env: Record<string, string>, timeoutMs: number) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(python, args, {
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => reject(e));
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) return reject(new Error(`exit ${code}: ${err.trim().split('\n').pop() ?? ''}`));
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as Run);
    });
  });
}

/** Measures plain against probed runs, `reps` of each, `seconds` timed after `warmup` in each. */
export async function measureProbeCost(
  seconds: number,
  warmup: number,
  reps: number,
  log: (line: string) => void = () => undefined,
): Promise<({ status: 'ok' } & ProbeCost) | { status: 'n/a'; reason: string }> {
  const found = findTorchPython();
  if ('reason' in found) return { status: 'n/a', reason: found.reason };
  const { python } = found;
  const args = [SCRIPT, '--seconds', String(seconds), '--warmup', String(warmup), '--threads', '1'];
  const timeoutMs = (seconds + warmup) * 1000 + 120_000;
  const plain: Run[] = [],
    probed: Run[] = [],
    progress: number[] = [];

  const runPlain = async () => plain.push(await runScript(python, args, {}, timeoutMs));
  const runProbed = async () => {
    const server = await ProbeServer.listen(silentLogger);
    let reports = 0;
    server.onDidConnect((conn) => {
      conn.send(ARM);
      conn.onDidReport((r) => {
        if (r.kind === 'progress') reports++;
      });
    });
    try {
      probed.push(
        await runScript(python, ['-m', 'nnet_probe', ...args], { PYTHONPATH: PROBE_DIR, ...server.env }, timeoutMs),
      );
      progress.push(reports);
    } finally {
      server.dispose();
    }
  };
  try {
    for (let r = 0; r < reps; r++) {
      const [first, second] = r % 2 ? [runProbed, runPlain] : [runPlain, runProbed];
      await first();
      await second();
      log(
        `  rep ${r + 1}/${reps}: plain ${plain.at(-1)?.samplesPerSec.toFixed(0)} samples/s, probed ${probed.at(-1)?.samplesPerSec.toFixed(0)} (${progress.at(-1)} progress messages)`,
      );
    }
  } catch (e) {
    return { status: 'n/a', reason: e instanceof Error ? e.message : String(e) };
  }
  const p = median(plain.map((x) => x.samplesPerSec)),
    q = median(probed.map((x) => x.samplesPerSec));
  const cpuRatio = median(probed.map((x) => x.cpuStepsPerSec)) / median(plain.map((x) => x.cpuStepsPerSec));
  return {
    status: 'ok',
    plainSamplesPerSec: p,
    probedSamplesPerSec: q,
    ratio: q / p,
    pairedRatio: median(plain.map((x, i) => probed[i].samplesPerSec / x.samplesPerSec)),
    cpuRatio,
    slowdownPct: 100 * (1 - q / p),
    progressPerRun: median(progress),
    runs: { plain, probed },
    python,
  };
}
