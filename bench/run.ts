// `npm run bench`: trains N1–N5 with this engine and its peers, each measurement in a fresh child process, engine
// order rotated between repetitions, and reports the median samples/s, the ratio of nnet to each peer and the cost
// of the debugger's run loop. Options:
//   --seconds S    timed seconds per engine per network per repetition (default 2)
//   --warmup S     warm-up seconds before timing (default 0.5)
//   --reps N       repetitions, median taken (default 3)
//   --nets N1,N3   networks (default all)
//   --engines nnet,tfjs-wasm   engines (default: all but nnet-js). nnet-1t = nnet on one thread (no helper
//                  thread for the large products), the single-worker engine nnet's ratio is taken against;
//                  nnet-js = nnet without its WebAssembly SIMD kernels; pytorch = PyTorch on CPU on one thread, pytorch-mt on every core, through the BLAS
//                  libblas.so.3 points at (bench/pytorch.ts; n/a without python3-torch); openblas, openblas-mt = the
//                  same network in C on OpenBLAS sgemm, the machine's limit, plus its sgemm peak (bench/openblas.ts;
//                  n/a without gcc and libopenblas-dev)
//   --no-overhead  skip the run-loop overhead measurement
//   --no-doctor    skip the training doctor's cost: the bare trainer against the trainer with every rule watching,
//                  interleaved in CPU-timed pairs in one fresh process per network (bench/doctorCost.ts; goal ≤ 5 %)
//   --kernels      only the dense kernel micro-benchmark (naive reference vs engine/nn/dense.ts)
//   --no-view      skip the view-cost measurement: Train through a real worker thread (dist/worker.js; `npm run
//                  build` first) with the Gradient Flow view closed vs open on the real page in headless Chromium
//                  (bench/viewCost.ts), alternating, median of --reps, --seconds per run; plus one long N1 run
//                  sampling the page's JS heap. Without Chromium it prints "view cost: n/a (no chromium)".
//   --view-only    only the view-cost measurement (JSON to test-results/bench-view.json unless --out)
//   --view-nets N1,N2    networks for it (default: --nets if given, else all five: the budget is ≤ 10 % on every network)
//   --view-long-steps K  steps the long run passes at least (default 100000; 0 = no long run)
//   --view-long-seconds L  seconds the long run lasts at least (default 20)
//   --no-editor    skip the editor latency measurement (bench/editor.ts): edit → diagnostics computed on a
//                  2,000-line .nnet file and on one that loads a 16 MB CSV, median and p95 (goal < 50 ms)
//   --editor-only  only the editor latency (JSON to test-results/bench-editor.json unless --out)
//   --edits N      keystrokes timed per editor case (default 100)
//   --no-probe     skip the PyTorch probe's cost: bench/pytorch_probe_bench.py (4-layer MLP, width 1024, batch 64,
//                  SGD, one torch thread) plainly vs under the probe attached to the debugger's probe server, fresh
//                  processes interleaved, max(--seconds, 5) s each, median of --reps (bench/probeCost.ts; budget
//                  ≤ 10 %; n/a without python3-torch)
//   --probe-only   only the probe's cost (JSON to test-results/bench-probe.json unless --out)
//   --no-net-kernels  skip our own kernels on each network's shapes: every dense layer's forward, dW and dx products
//                  timed alone at the network's batch size against the bare training step, interleaved, CPU time
//                  (bench/netKernels.ts; "nothing lost between products": step ≥ 80 % of the kernels' GFLOP/s)
//   --no-latency   skip Step Back and Reverse Continue latency through a real worker (dist/worker.js) in a debug
//                  session with its defaults (bench/debugLatency.ts; goals ≤ 100 ms and ≤ 1 s)
//   --latency-nets N3,N5   networks for it (default N3,N5)
//   --latency-seconds S    seconds of training before the first Step Back and before each Reverse Continue (default 2;
//                  a Reverse Continue with no breakpoint searches all that, up to the history's budget)
//   --memory       also the resident size of an N3 debug session at 10⁴, 2·10⁴, 5·10⁴ … steps up to
//                  --memory-steps (default 1000000) or --memory-seconds (default 120), and N5's bytes per parameter
//                  (after min(--memory-seconds, 20) s); goal: flat ± 5 % from 10⁴ steps on
//   --out FILE     JSON results (default test-results/bench.json); the HTML report (bench/report.ts) goes beside it
//                  with the extension .html, the targets of issue 18 as PASS/FAIL lines (bench/targets.ts) in both

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { simdKernelsAvailable } from '../engine/nn/denseSimd';
import { checkKernels, runKernelBench } from './kernels';
import { openBlasPeak } from './openblas';
import { NET_IDS, NETWORKS, weightCount, type NetId } from './networks';
import { DEFAULT_ENGINE_IDS, ENGINE_IDS, type EngineId, type Measurement } from './runner';
import { RUN_MODES, type Overhead, type RunMode } from './nnet';
import type { EditorLatency } from './editor';
import type { ViewCost } from './viewCost';
import type { DoctorCost } from './doctorCost';
import type { ProbeCost } from './probeCost';
import type { NetKernels } from './netKernels';
import type { BenchJson, Maybe } from './benchJson';
import { debugMemorySection, netKernelsSection, rewindLatencySection, writeReport, type Printer } from './runExtras';

const ROOT = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const flag = (name: string) => argv.includes(`--${name}`);

const seconds = Number(opt('seconds', '2'));
const warmup = Number(opt('warmup', '0.5'));
const reps = Math.max(1, Math.floor(Number(opt('reps', '3'))));
const nets = opt('nets', NET_IDS.join(','))
  .split(',')
  .map((s) => s.trim().toUpperCase()) as NetId[];
const engines = opt('engines', DEFAULT_ENGINE_IDS.join(','))
  .split(',')
  .map((s) => s.trim()) as EngineId[];
const out = path.resolve(
  ROOT,
  opt(
    'out',
    flag('view-only')
      ? 'test-results/bench-view.json'
      : flag('editor-only')
        ? 'test-results/bench-editor.json'
        : flag('probe-only')
          ? 'test-results/bench-probe.json'
          : 'test-results/bench.json',
  ),
);
const edits = Math.max(1, Math.floor(Number(opt('edits', '100'))));
const viewNets = opt('view-nets', argv.includes('--nets') ? nets.join(',') : NET_IDS.join(','))
  .split(',')
  .map((s) => s.trim().toUpperCase()) as NetId[];
const latencyNets = opt('latency-nets', 'N3,N5')
  .split(',')
  .map((s) => s.trim().toUpperCase()) as NetId[];
const latencySeconds = Number(opt('latency-seconds', '2'));
const memorySteps = Number(opt('memory-steps', '1000000')),
  memorySeconds = Number(opt('memory-seconds', '120'));
const viewLongSteps = Number(opt('view-long-steps', '100000')),
  viewLongSeconds = Number(opt('view-long-seconds', '20'));
for (const n of viewNets)
  if (!NETWORKS[n]) throw new Error(`unknown network '${n}' in --view-nets (expected ${NET_IDS.join(', ')})`);
for (const n of latencyNets)
  if (!NETWORKS[n]) throw new Error(`unknown network '${n}' in --latency-nets (expected ${NET_IDS.join(', ')})`);
for (const n of nets) if (!NETWORKS[n]) throw new Error(`unknown network '${n}' (expected ${NET_IDS.join(', ')})`);
for (const e of engines)
  if (!ENGINE_IDS.includes(e)) throw new Error(`unknown engine '${e}' (expected ${ENGINE_IDS.join(', ')})`);
if (!(seconds > 0) || !(warmup >= 0)) throw new Error('--seconds must be > 0 and --warmup ≥ 0');

type Overheadish = ({ status: 'ok' } & Overhead) | { status: 'n/a'; reason: string };
type DoctorCostish = ({ status: 'ok' } & DoctorCost) | { status: 'n/a'; reason: string };
type ProbeCostish = ({ status: 'ok' } & ProbeCost) | { status: 'n/a'; reason: string };

/**
 * The measuring child as esbuild bundles it, like the shipped extension and worker: our code in one module scope,
 * dependencies (the peers, playwright-core) left to node_modules. Run from TypeScript under tsx instead, every use
 * of an imported binding goes through a CommonJS getter, which the shipped bundle does not pay (it made the
 * debugger's per-event checks look ~10 points dearer on N1). Lives in dist/ so `..` from it is the repository.
 */
const CHILD = path.join(ROOT, 'dist', 'bench-child.js');
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'child.ts')],
  outfile: CHILD,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  external: ['vscode'],
  logLevel: 'warning',
});

function child(args: string[], showProgress = false): unknown {
  // A child given its own time (`--max-seconds`: the memory section's long run) gets that and 10 minutes more.
  const own = Number(args[args.indexOf('--max-seconds') + 1]);
  const r = spawnSync(process.execPath, [CHILD, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: Math.max(30 * 60_000, args.includes('--max-seconds') && own > 0 ? (own + 600) * 1000 : 0),
    stdio: ['ignore', 'pipe', showProgress ? 'inherit' : 'pipe'],
  });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line)
    return {
      status: 'n/a',
      reason: `child failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`,
    };
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

const fmt = (v: number) =>
  !Number.isFinite(v)
    ? 'n/a'
    : v >= 1e6
      ? `${(v / 1e6).toFixed(2)}M`
      : v >= 1e4
        ? `${(v / 1e3).toFixed(1)}k`
        : v >= 1e3
          ? `${(v / 1e3).toFixed(2)}k`
          : v >= 100
            ? v.toFixed(0)
            : v.toFixed(1);
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[s.length >> 1] : NaN;
};

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  return [
    line(header),
    '|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

/** What bench/runExtras.ts borrows from this file. */
const printer: Printer = { child, table, fmt };

/** The CPU's vector instruction sets (Linux /proc/cpuinfo), which bound what any engine's kernels can do. */
function vectorFeatures(): string {
  try {
    const flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].split(/\s+/) ?? [];
    const wanted = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_tile'];
    return wanted.filter((f) => flags.includes(f)).join(' ') || 'unknown';
  } catch {
    return 'unknown';
  }
}
const machine = `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length} (${vectorFeatures()}), Node ${process.version}`;

/** The view-cost measurement in a fresh process (bench/viewCost.ts), printed as a table. */
function viewCost(): ViewCost {
  console.log(
    `\nView cost: Train through a real worker thread (dist/worker.js), each worker message handled by the extension's TrainingDisplay and Gradient Flow provider; closed = the view is not open (the provider only keeps its model), open = every update also delivered to the real Gradient Flow page in headless Chromium, which draws it. Alternating, ${seconds} s per run, median of ${reps}; slowdown = closed ÷ open − 1 (goal ≤ 10%). 1-min load average before: ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs:\n`,
  );
  const v = child(
    [
      '--view-cost',
      '--nets',
      viewNets.join(','),
      '--seconds',
      String(seconds),
      '--warmup',
      String(warmup),
      '--reps',
      String(reps),
      '--long-steps',
      String(viewLongSteps),
      '--long-seconds',
      String(viewLongSeconds),
    ],
    true,
  ) as ViewCost;
  if (v.status !== 'ok') {
    console.log(`view cost: n/a (${v.reason})`);
    return v;
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MB`;
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
  console.log(
    table(
      [
        'net',
        'closed samples/s',
        'open samples/s',
        'slowdown (paired)',
        'messages to page',
        'page busy (script)',
        'Chromium CPU closed/open',
        'host CPU closed/open',
        'page heap after',
        'loss chart points',
      ],
      viewNets.map((n) => {
        const r = v.nets[n];
        if (!r || 'reason' in r)
          return [n, `n/a (${r?.reason ?? 'no result'})`, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
        const ms = (c: { closed: number | null; open: number | null } | undefined) =>
          c && c.closed !== null && c.open !== null ? `${c.closed.toFixed(0)}/${c.open.toFixed(0)} ms/s` : 'n/a';
        return [
          n,
          fmt(r.closedSamplesPerSec),
          fmt(r.openSamplesPerSec),
          `${pct(r.slowdownPct)} (${pct(r.slowdownPairedPct)})`,
          `${r.messagesReceived}/${r.messagesPosted}`,
          `${r.pageBusyMsPerSec.toFixed(0)} (${r.pageScriptMsPerSec.toFixed(0)}) ms/s`,
          ms(r.chromiumCpuMsPerSec),
          ms(r.hostCpuMsPerSec),
          mb(r.pageHeapBytes),
          String(r.lossChartPoints),
        ];
      }),
    ),
  );
  console.log(
    "slowdown of the medians (in brackets: median of each repetition's adjacent closed/open pair); messages to page = received by the page / posted by the host over the timed open runs; page busy = page main-thread task time (of which script) per second of training; Chromium CPU = all its processes' CPU time per second of training, host CPU = the bench process's main thread (the extension's host code, and the delivery to the page); heap after a forced GC",
  );
  for (const n of viewNets) {
    const r = v.nets[n];
    if (r && !('reason' in r) && r.pageErrors.length)
      console.log(`${n}: page errors: ${r.pageErrors.slice(0, 3).join(' | ')}`);
  }
  const l = v.long;
  if (l && 'reason' in l) console.log(`\nlong run: n/a (${l.reason})`);
  else if (l) {
    console.log(
      `\nLong run, view open: ${l.net} for ${l.steps.toLocaleString('en')} steps in ${l.seconds.toFixed(1)} s, ${l.messagesReceived}/${l.messagesPosted} messages received/posted (received includes the provider's replay on the page's ready), loss chart holds ${l.lossChartPoints} points at the end. Page JS heap after a forced GC, at the first progress message and on passing each power of ten steps:\n`,
    );
    console.log(
      table(
        ['step', 'messages so far', 'page heap'],
        l.heap.map((h) => [h.step.toLocaleString('en'), String(h.messagesReceived), mb(h.heapBytes)]),
      ),
    );
    if (l.pageErrors.length) console.log(`page errors: ${l.pageErrors.slice(0, 3).join(' | ')}`);
  }
  return v;
}

/** The editor latency in a fresh process (bench/editor.ts), printed as a table. */
function editorLatency(): EditorLatency {
  console.log(
    `\nEditor latency: edit → diagnostics computed, what the extension host runs on each keystroke after its 150 ms debounce (the per-version parse cache, the asynchronous CSV cache's stamp check, parse and check; not the conversion to vscode.Diagnostic), ${edits} keystrokes typed into a comment at the end of the file, each a new document version; goal < 50 ms. "uncached" is the path before the cache (parse with the synchronous CSV reader on every edit):\n`,
  );
  const r = child(['--editor', '--edits', String(edits)], true) as EditorLatency;
  if (r.status !== 'ok') {
    console.log(`editor latency: n/a (${r.reason})`);
    return r;
  }
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    table(
      [
        'file',
        'lines',
        'CSV',
        'samples',
        'open (cold)',
        'open: longest stall',
        'edit median',
        'edit p95',
        'edit max',
        'longest stall',
        'same version',
        'CSV reads',
        'uncached median',
      ],
      r.cases.map((c) => [
        c.name,
        String(c.lines),
        c.csvBytes ? `${(c.csvBytes / 1048576).toFixed(1)} MB` : '—',
        String(c.samples),
        ms(c.openMs),
        ms(c.openLongestStallMs),
        ms(c.editMedianMs),
        ms(c.editP95Ms),
        ms(c.editMaxMs),
        ms(c.longestStallMs),
        ms(c.sameVersionMedianMs),
        String(c.csvReadsDuringEdits),
        ms(c.uncachedMedianMs),
      ]),
    ),
  );
  console.log(
    'open = first parse with the CSV read and its rows loaded in steps; longest stall = longest the event loop was held during the timed edits; same version = a second feature (hover, CodeLens) asking for the version just computed; CSV reads = reads from disk during the timed edits',
  );
  const slow = r.cases.filter((c) => c.editMedianMs >= 50 || c.editP95Ms >= 50);
  console.log(
    slow.length
      ? `over the 50 ms goal: ${slow.map((c) => c.name).join(', ')}`
      : 'all under the 50 ms goal (median and p95)',
  );
  return r;
}

/** The PyTorch probe's cost in a fresh process (bench/probeCost.ts), printed as a table. */
function probeCost(): ProbeCostish {
  const probeSeconds = Math.max(seconds, 5);
  console.log(
    `\nPyTorch probe cost: bench/pytorch_probe_bench.py (4-layer MLP of width 1024, batch 64, SGD, one torch thread) trained ${probeSeconds} s after ${warmup} s of warm-up, plainly and under python -m nnet_probe attached to the debugger's probe server (progress every 100 ms, update ratios every second, nothing blocking), fresh processes, interleaved, median of ${reps}; slowdown = 1 − probed ÷ plain (budget ≤ 10%). 1-min load average before: ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs:\n`,
  );
  const p = child(
    ['--probe-cost', '--seconds', String(probeSeconds), '--warmup', String(warmup), '--reps', String(reps)],
    true,
  ) as ProbeCostish;
  if (p.status !== 'ok') {
    console.log(`probe cost: n/a (${p.reason})`);
    return p;
  }
  console.log(
    table(
      ['', 'plain samples/s', 'probed samples/s', 'probed ÷ plain', 'paired', 'per CPU second', 'progress msgs/run'],
      [
        [
          'MLP 4×1024',
          fmt(p.plainSamplesPerSec),
          fmt(p.probedSamplesPerSec),
          `${p.ratio.toFixed(3)} (${p.slowdownPct >= 0 ? '−' : '+'}${Math.abs(p.slowdownPct).toFixed(1)}%)`,
          p.pairedRatio.toFixed(3),
          p.cpuRatio.toFixed(3),
          String(p.progressPerRun),
        ],
      ],
    ),
  );
  return p;
}

function main(): void {
  if (flag('kernels')) {
    runKernelBench(seconds);
    return;
  }
  if (flag('editor-only')) {
    console.log(`nnet bench (editor latency only): ${machine}`);
    const e = editorLatency();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify({ date: new Date().toISOString(), machine, settings: { edits }, editorLatency: e }, null, 2) +
        '\n',
    );
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    return;
  }
  if (flag('probe-only')) {
    console.log(`nnet bench (PyTorch probe cost only): ${machine}`);
    const p = probeCost();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify(
        { date: new Date().toISOString(), machine, settings: { seconds, warmup, reps }, probeCost: p },
        null,
        2,
      ) + '\n',
    );
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    return;
  }
  if (flag('view-only')) {
    console.log(`nnet bench (view cost only): ${machine}`);
    const v = viewCost();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine,
          settings: { seconds, warmup, reps, viewNets, viewLongSteps, viewLongSeconds },
          viewCost: v,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
    return;
  }
  console.log(
    `nnet bench: ${machine}; ${seconds} s timed + ${warmup} s warm-up per engine, network and repetition; median of ${reps}; each in a fresh process, engine order rotated`,
  );
  const check = checkKernels();
  console.log(
    `dense kernels agree with the naive loops on ${check.cases} shapes (max rel. difference float32 ${check.f32.toExponential(1)}, float64 ${check.f64.toExponential(1)}); WebAssembly SIMD kernels ${simdKernelsAvailable() ? 'on' : 'unavailable'}`,
  );
  if (check.f32 > 1e-5 || check.f64 > 1e-10) {
    console.error('the dense kernels disagree with the naive loops: numbers below are not trustworthy');
    process.exitCode = 1;
  }
  const peak = engines.some((e) => e.startsWith('openblas')) ? openBlasPeak() : null;
  if (peak)
    console.log(
      typeof peak === 'string'
        ? `OpenBLAS: ${peak}`
        : `OpenBLAS sgemm peak (${peak.n}×${peak.n}×${peak.n}): ${Object.entries(peak.gflops)
            .map(([t, g]) => `${g === null ? 'n/a' : g.toFixed(1)} GFLOP/s on ${t} thread${t === '1' ? '' : 's'}`)
            .join(', ')}`,
    );
  const runs: Record<string, Record<string, Measurement[]>> = {};
  for (const n of nets) {
    runs[n] = {};
    for (const e of engines) runs[n][e] = [];
  }
  for (let rep = 0; rep < reps; rep++) {
    nets.forEach((n, ni) => {
      const k = (rep + ni) % engines.length;
      for (const e of [...engines.slice(k), ...engines.slice(0, k)]) {
        const m = child([
          '--engine',
          e,
          '--net',
          n,
          '--seconds',
          String(seconds),
          '--warmup',
          String(warmup),
        ]) as Measurement;
        runs[n][e].push(m);
        process.stderr.write(
          `  [${rep + 1}/${reps}] ${n} ${e.padEnd(10)} ${m.status === 'ok' ? `${fmt(m.samplesPerSec)} samples/s (${m.steps} steps, loss ${m.lossBefore.toPrecision(3)} → ${m.lossAfter.toPrecision(3)}${m.note ? `; ${m.note}` : ''})` : m.reason}\n`,
        );
      }
    });
  }

  const result: Record<
    string,
    Record<
      string,
      { samplesPerSec: number | null; runs: number[]; reason?: string; lossBefore?: number; lossAfter?: number }
    >
  > = {};
  for (const n of nets) {
    result[n] = {};
    for (const e of engines) {
      const ok = runs[n][e].filter((m): m is Extract<Measurement, { status: 'ok' }> => m.status === 'ok');
      const bad = runs[n][e].find((m): m is Extract<Measurement, { status: 'n/a' }> => m.status === 'n/a');
      result[n][e] = ok.length
        ? {
            samplesPerSec: median(ok.map((m) => m.samplesPerSec)),
            runs: ok.map((m) => m.samplesPerSec),
            lossBefore: ok[0].lossBefore,
            lossAfter: ok[ok.length - 1].lossAfter,
          }
        : { samplesPerSec: null, runs: [], reason: bad?.reason ?? 'no result' };
    }
  }

  const cell = (n: NetId, e: EngineId) => {
    const r = result[n][e];
    return r.samplesPerSec !== null ? fmt(r.samplesPerSec) : `n/a (${r.reason})`;
  };
  console.log(`\nSamples per second (higher is better), median of ${reps}:\n`);
  console.log(
    table(
      [
        'engine',
        ...nets.map(
          (n) => `${n} (${fmt(weightCount(NETWORKS[n])).replace(/\.0+(?=[kM]?$)/, '')} w, batch ${NETWORKS[n].batch})`,
        ),
      ],
      engines.map((e) => [e, ...nets.map((n) => cell(n, e))]),
    ),
  );
  // A dense step is three products of the weights' size per sample (forward, ∂L/∂W, ∂L/∂x), 2 flops per multiply-add;
  // the first layer's ∂L/∂x is not needed but every engine here computes it or not alike, so count it for all.
  const gflops = (n: NetId, e: EngineId) => {
    const r = result[n][e];
    return r.samplesPerSec === null ? 'n/a' : ((r.samplesPerSec * 6 * weightCount(NETWORKS[n])) / 1e9).toFixed(2);
  };
  console.log('\nGFLOP/s of the training step (6 × weights × samples/s; arithmetic only, not dispatch):\n');
  console.log(
    table(
      ['engine', ...nets],
      engines.map((e) => [e, ...nets.map((n) => gflops(n, e))]),
    ),
  );

  const ratios: Record<string, Record<string, number | null>> = {};
  if (engines.includes('nnet')) {
    const peers = engines.filter((e) => e !== 'nnet' && e !== 'nnet-js');
    for (const n of nets) {
      ratios[n] = {};
      for (const p of peers) {
        const a = result[n].nnet.samplesPerSec,
          b = result[n][p].samplesPerSec;
        ratios[n][p] = a !== null && b !== null ? a / b : null;
      }
    }
    if (peers.length) {
      console.log('\nnnet ÷ peer (>1 means nnet is faster):\n');
      console.log(
        table(
          ['vs', ...nets],
          peers.map((p) => [
            p,
            ...nets.map((n) => {
              const r = ratios[n][p];
              return r !== null
                ? `${r.toFixed(2)}×`
                : result[n].nnet.samplesPerSec === null
                  ? `n/a (${result[n].nnet.reason})`
                  : 'n/a';
            }),
          ]),
        ),
      );
    }
  }

  const kernels: Record<string, Maybe<NetKernels>> = {};
  if (engines.includes('nnet') && !flag('no-net-kernels'))
    Object.assign(kernels, netKernelsSection(printer, nets, result, seconds));

  const overhead: Record<string, Overheadish> = {};
  if (engines.includes('nnet') && !flag('no-overhead')) {
    console.log(
      `\nDebugger instrumentation: the same steps through the worker's run loop (TrainingRun, nothing stops) vs the bare engine in whole steps (Trainer.advanceStep, as the run loop takes them where nothing can stop inside a step; and, for debug modes, vs the Train command's run loop), in one process, in CPU-timed pairs of equal step counts (A B, B A, modes rotated), median of ${reps} pairs per mode; samples/s per CPU second; goal ≤ 10% in every mode. train = the Train command's run loop without the doctor; debug = a debug session with its defaults but without the doctor (breakpoint checks, 256 MB rewind history); +doctor = with the training doctor watching, as the extension's Train and debug sessions run (whole steps, each observed whole by the doctor between its clip and its update); +breakpoints = a conditional breakpoint on every layer that never fires; +filters = every exception filter on (vanishing at a threshold that never fires); pause = ms from Pause to the stop (median/max of 7):\n`,
    );
    const rows: string[][] = [];
    const pct = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
    for (const n of nets) {
      const o = child([
        '--overhead',
        '--net',
        n,
        '--seconds',
        String(seconds),
        '--warmup',
        String(warmup),
        '--reps',
        String(reps),
      ]) as Overheadish;
      overhead[n] = o;
      rows.push(
        o.status === 'ok'
          ? [
              n,
              fmt(o.bareSamplesPerSec),
              ...(Object.keys(RUN_MODES) as RunMode[]).map((m) => {
                const r = o.modes[m];
                if ('reason' in r) return `n/a (${r.reason})`;
                const vsTrain =
                  m === 'train' || typeof r.vsTrainPct !== 'number' || Number.isNaN(r.vsTrainPct)
                    ? ''
                    : ` / ${pct(r.vsTrainPct)}`;
                return `${fmt(r.samplesPerSec)} (${pct(r.overheadPct)}${vsTrain})${r.capped ? ' †' : ''}`;
              }),
              `${o.pauseLatencyMs.median.toFixed(1)} / ${o.pauseLatencyMs.max.toFixed(1)}`,
            ]
          : [n, `n/a (${o.reason})`, ...Object.keys(RUN_MODES).map(() => 'n/a'), 'n/a'],
      );
    }
    console.log(
      table(
        [
          'net',
          'bare samples/s',
          ...Object.keys(RUN_MODES).map((m) => (m === 'train' ? 'train (vs bare)' : `${m} (vs bare / vs train)`)),
          'pause ms',
        ],
        rows,
      ),
    );
    if (
      Object.values(overhead).some(
        (o) => o.status === 'ok' && Object.values(o.modes).some((r) => 'capped' in r && r.capped),
      )
    ) {
      console.log(`† stopped after its time cap of max(4 × ${seconds} s, 5 s) and measured on the steps it did`);
    }
  }

  const doctor: Record<string, DoctorCostish> = {};
  if (engines.includes('nnet') && !flag('no-doctor')) {
    console.log(
      `\nTraining doctor cost: the bare trainer against the trainer with every doctor rule watching, both in whole steps as the run loop takes them (the doctor observing each whole), in one process, interleaved in pairs of equal step counts (whole sampling periods), ~${seconds * reps} CPU s per side; cost = the time the doctor adds to training, median over the pairs (middle half of the pairs in brackets; goal ≤ 5%):\n`,
    );
    for (const n of nets) {
      doctor[n] = child([
        '--doctor-cost',
        '--net',
        n,
        '--seconds',
        String(seconds),
        '--warmup',
        String(warmup),
        '--reps',
        String(reps),
      ]) as DoctorCostish;
    }
    console.log(
      table(
        ['', 'bare samples/CPU s', 'with the doctor', 'cost', 'middle half', 'pairs × steps'],
        nets.map((n) => {
          const d = doctor[n];
          return d.status === 'ok'
            ? [
                n,
                fmt(d.bare),
                fmt(d.doctor),
                `${d.costPct.toFixed(1)}%`,
                `[${d.spreadPct[0].toFixed(1)}, ${d.spreadPct[1].toFixed(1)}]%`,
                `${d.pairs} × ${d.stepsPerPair}`,
              ]
            : [n, 'n/a', 'n/a', d.reason, '', ''];
        }),
      ),
    );
  }

  const view: ViewCost | null = flag('no-view') ? null : viewCost();
  const editor: EditorLatency | null = flag('no-editor') ? null : editorLatency();
  const probe: ProbeCostish | null = flag('no-probe') ? null : probeCost();
  const rewinds = flag('no-latency') ? null : rewindLatencySection(printer, latencyNets, latencySeconds);
  const memory = flag('memory') ? debugMemorySection(printer, memorySteps, memorySeconds) : null;

  const report: BenchJson = {
    date: new Date().toISOString(),
    machine,
    settings: {
      seconds,
      warmup,
      reps,
      nets,
      engines,
      ...(view ? { viewNets, viewLongSteps, viewLongSeconds } : {}),
      ...(editor ? { edits } : {}),
      ...(rewinds ? { latencyNets } : {}),
      ...(memory ? { memorySteps, memorySeconds } : {}),
    },
    networks: Object.fromEntries(
      nets.map((n) => [n, { shape: NETWORKS[n].shape, batch: NETWORKS[n].batch, weights: weightCount(NETWORKS[n]) }]),
    ),
    kernelCheck: check,
    simd: simdKernelsAvailable(),
    openBlasPeak: peak,
    samplesPerSec: result,
    ratioNnetToPeer: ratios,
    instrumentationOverhead: overhead,
    doctorCost: doctor,
    viewCost: view,
    editorLatency: editor,
    probeCost: probe,
    netKernels: kernels,
    rewindLatency: rewinds,
    debugMemory: memory,
  };
  writeReport(printer, report, out);
}

main();
