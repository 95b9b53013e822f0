// The parts of `npm run bench` added for issue 18, printed as run.ts prints the rest: our kernels on each network's
// shapes against its step and its peers, the debugger's rewind latencies and memory, and the targets with the HTML
// report. Each measurement runs in a fresh child (bench/child.ts) through the `child` function run.ts passes in.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchJson, EngineResult, Maybe } from './benchJson';
import { NEVER_FIRES, NEVER_FIRES_TENSOR, type DebugMemory, type RewindLatency } from './debugLatency';
import type { NetKernels } from './netKernels';
import type { NetId } from './networks';
import { renderReport } from './report';
import { standingSummary, targetsOf } from './targets';

/** What run.ts lends: a fresh child process per measurement, its table and number format. */
export interface Printer {
  child(args: string[], showProgress?: boolean): unknown;
  table(header: string[], rows: string[][]): string;
  fmt(v: number): string;
}

const load = () => `1-min load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs`;
const percent = (a: number | null | undefined, b: number | null | undefined) =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? `${((100 * a) / b).toFixed(a / b < 0.1 ? 1 : 0)}%` : 'n/a';

/** "B×C→OC: forward/dW/dx" per layer, a run of layers of one shape as one entry (first layer apart: no dx). */
function perShape(k: NetKernels): string[] {
  const g = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));
  const out: string[] = [];
  for (let i = 0; i < k.layers.length;) {
    let j = i + 1;
    while (i > 0 && j < k.layers.length && k.layers[j].shape === k.layers[i].shape) j++;
    const run = k.layers.slice(i, j),
      mean = (f: (l: (typeof run)[number]) => number | null) => {
        const v = run.map(f);
        return v.some((x) => x === null) ? null : (v as number[]).reduce((a, b) => a + b, 0) / v.length;
      };
    out.push(
      `${run.length > 1 ? `${run.length} × ` : ''}${run[0].shape}: ${g(mean((l) => l.forward))}/${g(mean((l) => l.weightGradient))}/${g(mean((l) => l.inputGradient))}${run.length > 1 ? ' (mean)' : ''}`,
    );
    i = j;
  }
  return out;
}

/** Our kernels alone on each network's products against its step (bench/netKernels.ts), printed and returned. */
export function netKernelsSection(
  p: Printer,
  nets: readonly NetId[],
  samples: Record<string, Record<string, EngineResult>>,
  seconds: number,
): Record<string, Maybe<NetKernels>> {
  console.log(
    `\nOur kernels on each network's shapes: every dense layer's forward z = x·Wᵀ, dW = δᵀ·x (+ db) and dx = δ·W (not for the first layer, as the engine skips it) timed alone with engine/nn/dense.ts at the network's batch size, against the bare training step, interleaved in one fresh process, CPU time, ~${seconds} s per side; ${load()}. step ÷ kernels = "nothing lost between products" (goal ≥ 80%). Then nnet's step (samples/s of the table above) as a fraction of each peer's:\n`,
  );
  const out: Record<string, Maybe<NetKernels>> = {};
  const rows: string[][] = [];
  for (const n of nets) {
    const k = p.child(['--net-kernels', '--net', n, '--seconds', String(seconds)]) as Maybe<NetKernels>;
    out[n] = k;
    const s = samples[n] ?? {},
      mine = s.nnet?.samplesPerSec;
    const of = (e: string) => percent(mine, s[e]?.samplesPerSec);
    if (k.status !== 'ok') {
      rows.push([n, `n/a (${k.reason})`, '', '', '', '', '', '', '']);
      continue;
    }
    rows.push([
      n,
      perShape(k).join(', '),
      k.kernelsGflops.toFixed(2),
      `${k.stepGflops.toFixed(2)} (${k.stepWallGflops.toFixed(2)})`,
      `${(100 * k.stepOfKernels).toFixed(0)}%`,
      of('pytorch'),
      of('pytorch-mt'),
      of('openblas'),
      of('openblas-mt'),
    ]);
  }
  console.log(
    p.table(
      [
        'net',
        'GFLOP/s per layer B×C→OC: forward/dW/dx',
        'kernels only',
        'step CPU (wall)',
        'step ÷ kernels',
        '% of pytorch',
        '% of pytorch-mt',
        '% of openblas',
        '% of openblas-mt',
      ],
      rows,
    ),
  );
  return out;
}

/** Step Back and Reverse Continue latency per network (bench/debugLatency.ts), printed and returned. */
export function rewindLatencySection(
  p: Printer,
  nets: readonly NetId[],
  trainSeconds: number,
): Record<string, Maybe<RewindLatency>> {
  console.log(
    `\nRewind latency: a debug session with its defaults (256 MB history) through a real worker thread (dist/worker.js), trained ${trainSeconds} s, paused, Step Back 10 times in a row; then 3 times each, alternately: continue ${trainSeconds} s, pause, set a breakpoint that never fires ('${NEVER_FIRES}' on the first layer) and Reverse Continue, which searches all the history kept (here the ${trainSeconds} s since the previous rewind unless the history's budget is full first: a longer session searches more, up to the budget), deciding each step from its recorded training scalars; the same with a breakpoint that reads a tensor ('${NEVER_FIRES_TENSOR}'), which replays every step it searches (its ms per step replayed beside the ms per step the session trained in the span before it); and continue ${trainSeconds} s, pause, Reverse Continue with no breakpoint, which nothing can stop, so it goes to the oldest state kept without searching. Request → stopped as the host receives it; goals ≤ 100 ms and ≤ 1 s; ${load()}:\n`,
  );
  const out: Record<string, Maybe<RewindLatency>> = {};
  for (const n of nets)
    out[n] = p.child(['--rewind-latency', '--net', n, '--seconds', String(trainSeconds)]) as Maybe<RewindLatency>;
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  console.log(
    p.table(
      [
        'net',
        'parameters',
        'Step Back ms median / max',
        'Reverse Continue, no breakpoint: ms median / max',
        'steps gone back',
        'Reverse Continue, searching: ms median / max',
        'steps searched',
        'searching a tensor (replay): ms median / max',
        'steps replayed',
        'ms per step replayed / trained (medians)',
      ],
      nets.map((n) => {
        const l = out[n];
        return l.status === 'ok'
          ? [
              n,
              l.parameterCount.toLocaleString('en'),
              `${ms(l.stepBackMs.median)} / ${ms(l.stepBackMs.max)}${l.stepBacksFailed ? `, ${l.stepBacksFailed.count} did not move` : ''}`,
              `${ms(l.reverseContinueMs.median)} / ${ms(l.reverseContinueMs.max)}`,
              String(l.reverseContinueSteps),
              l.reverseSearchMs ? `${ms(l.reverseSearchMs.median)} / ${ms(l.reverseSearchMs.max)}` : 'n/a',
              String(l.reverseSearchSteps ?? ''),
              l.reverseReplayMs ? `${ms(l.reverseReplayMs.median)} / ${ms(l.reverseReplayMs.max)}` : 'n/a',
              String(l.reverseReplaySteps ?? ''),
              l.reverseReplayMsPerStep && l.trainMsPerStep
                ? `${l.reverseReplayMsPerStep.median.toFixed(2)} / ${l.trainMsPerStep.median.toFixed(2)}`
                : 'n/a',
            ]
          : [n, `n/a (${l.reason})`, '', '', '', '', '', '', '', ''];
      }),
    ),
  );
  return out;
}

/** Resident size of an N3 debug session as it trains, and N5's bytes per parameter, printed and returned. */
export function debugMemorySection(
  p: Printer,
  maxSteps: number,
  maxSeconds: number,
): Record<string, Maybe<DebugMemory>> {
  console.log(
    `\nDebug session memory: resident size of the process holding the worker thread (as the extension host does), a debug session with its defaults (256 MB history), N3 sampled at 10⁴, 2·10⁴, 5·10⁴ … steps up to ${maxSteps.toLocaleString('en')} steps or ${maxSeconds} s; N5 after ${Math.min(maxSeconds, 20)} s; ${load()}:\n`,
  );
  const run = (n: NetId, steps: number, s: number) =>
    p.child([
      '--debug-memory',
      '--net',
      n,
      '--max-steps',
      String(steps),
      '--max-seconds',
      String(s),
    ]) as Maybe<DebugMemory>;
  const out: Record<string, Maybe<DebugMemory>> = {
    N3: run('N3', maxSteps, maxSeconds),
    N5: run('N5', maxSteps, Math.min(maxSeconds, 20)),
  };
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  for (const [n, m] of Object.entries(out)) {
    if (m.status !== 'ok') {
      console.log(`${n}: n/a (${m.reason})`);
      continue;
    }
    console.log(
      `${n} (${m.parameterCount.toLocaleString('en')} parameters): ${m.steps.toLocaleString('en')} steps in ${m.seconds.toFixed(0)} s; before the session ${mb(m.baselineRssBytes)}; ${m.bytesPerParameter.toFixed(0)} bytes per parameter at the end (history budget ${mb(m.historyBytes)}); drift from 10⁴ steps ${m.driftPct === null ? 'n/a (fewer than two samples from 10⁴ steps)' : `${m.driftPct.toFixed(1)}%`}`,
    );
    if (m.samples.length)
      console.log(
        p.table(
          ['step', 'seconds', 'resident', 'JS heap used', 'JS heap committed'],
          m.samples.map((s) => [
            s.step.toLocaleString('en'),
            s.seconds.toFixed(1),
            mb(s.rssBytes),
            mb(s.heapUsedBytes),
            mb(s.heapTotalBytes),
          ]),
        ),
      );
  }
  return out;
}

/** Prints the targets, writes the JSON to `out` and the HTML report beside it. */
export function writeReport(p: Printer, report: BenchJson, out: string): void {
  const targets = targetsOf(report);
  console.log(`\nTargets of issue 18, from this run (${standingSummary(targets)}):\n`);
  console.log(
    p.table(
      ['target', 'goal', 'measured', ''],
      targets.map((t) => [t.target, t.goal, t.measured, t.standing]),
    ),
  );
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ ...report, targets }, null, 2) + '\n');
  const html = out.replace(/\.json$/, '') + '.html';
  fs.writeFileSync(html, renderReport(report));
  console.log(`\nwrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), html)}`);
}
