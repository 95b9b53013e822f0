// The command line of `npm run bench` (bench/run.ts): its options, their defaults and checks, and the text `--help`
// prints. An option it does not know is an error, not a silent full run (a whole run takes many minutes).

import path from 'node:path';
import { NET_IDS, NETWORKS, type NetId } from './networks';
import { DEFAULT_ENGINE_IDS, ENGINE_IDS, type EngineId } from './runner';

/** What `npm run bench -- --help` prints. */
export const USAGE = `\`npm run bench\`: trains N1–N5 with this engine and its peers, each measurement in a fresh child process, engine
order rotated between repetitions, and reports the median samples/s, the ratio of nnet to each peer and the cost
of the debugger's run loop. Options:
  --seconds S    timed seconds per engine per network per repetition (default 2)
  --warmup S     warm-up seconds before timing (default 0.5)
  --reps N       repetitions, median taken (default 3)
  --nets N1,N3   networks (default all)
  --engines nnet,tfjs-wasm   engines (default: all but nnet-js). nnet-1t = nnet on one thread (no helper
                 thread for the large products), the single-worker engine nnet's ratio is taken against;
                 nnet-js = nnet without its WebAssembly SIMD kernels; pytorch = PyTorch on CPU on one thread, pytorch-mt on every core, through the BLAS
                 libblas.so.3 points at (bench/pytorch.ts; n/a without python3-torch); openblas, openblas-mt = the
                 same network in C on OpenBLAS sgemm, the machine's limit, plus its sgemm peak (bench/openblas.ts;
                 n/a without gcc and libopenblas-dev)
  --no-overhead  skip the debugger's overhead: the bare engine and the run loop in each mode (train, debug, +doctor,
                 +breakpoints, +filters), each side in its own fresh process, --reps rounds rotated, equal steps, CPU
                 time per steady step against the same round's bare engine (bench/overheadCost.ts; goal ≤ 10 %)
  --no-doctor    skip the training doctor's cost: the Train command's run loop without and with it, each run in a fresh process, pairs
                 of processes, the two of a pair at once on one CPU (taskset), each timed after a warm-up run of the same steps,
                 CPU time (bench/doctorCost.ts; goal ≤ 5 %)
  --kernels      only the dense kernel micro-benchmark (naive reference vs engine/nn/dense.ts)
  --no-view      skip the view-cost measurement: Train through a real worker thread (dist/worker.js; \`npm run
                 build\` first) with the Gradient Flow view closed vs open on the real page in headless Chromium
                 (bench/viewCost.ts), alternating, median of --reps, --seconds per run; plus one long N1 run
                 sampling the page's JS heap. Without Chromium it prints "view cost: n/a (no chromium)".
  --view-only    only the view-cost measurement (JSON to test-results/bench-view.json unless --out)
  --view-nets N1,N2    networks for it (default: --nets if given, else all five: the budget is ≤ 10 % on every network)
  --view-long-steps K  steps the long run passes at least (default 100000; 0 = no long run)
  --view-long-seconds L  seconds the long run lasts at least (default 20)
  --no-editor    skip the editor latency measurement (bench/editor.ts): edit → diagnostics computed on a
                 2,000-line .nnet file and on one that loads a 16 MB CSV, median and p95 (goal < 50 ms)
  --editor-only  only the editor latency (JSON to test-results/bench-editor.json unless --out)
  --edits N      keystrokes timed per editor case (default 100)
  --no-probe     skip the PyTorch probe's cost: bench/pytorch_probe_bench.py (4-layer MLP, width 1024, batch 64,
                 SGD, one torch thread) plainly vs under the probe attached to the debugger's probe server, fresh
                 processes interleaved, max(--seconds, 5) s each, median of --reps (bench/probeCost.ts; budget
                 ≤ 10 %; n/a without python3-torch)
  --probe-only   only the probe's cost (JSON to test-results/bench-probe.json unless --out)
  --no-net-kernels  skip our own kernels on each network's shapes: every dense layer's forward, dW and dx products
                 timed alone at the network's batch size against the bare training step, interleaved, CPU time
                 (bench/netKernels.ts; "nothing lost between products": step ≥ 80 % of the kernels' GFLOP/s)
  --no-latency   skip Step Back and Reverse Continue latency through a real worker (dist/worker.js) in a debug
                 session with its defaults (bench/debugLatency.ts; goals ≤ 100 ms and ≤ 1 s)
  --latency-nets N3,N5   networks for it (default N3,N5)
  --latency-seconds S    seconds of training before the first Step Back and before each Reverse Continue (default 2;
                 a Reverse Continue with no breakpoint searches all that, up to the history's budget)
  --memory       also the resident size of an N3 debug session at 10⁴, 2·10⁴, 5·10⁴ … steps up to
                 --memory-steps (default 1000000) or --memory-seconds (default 120), and N5's bytes per parameter
                 (after min(--memory-seconds, 20) s); goal: flat ± 5 % from 10⁴ steps on
  --out FILE     JSON results (default test-results/bench.json); the HTML report (bench/report.ts) goes beside it
                 with the extension .html, the targets of issue 18 as PASS/FAIL lines (bench/targets.ts) in both
  --help         print this and exit`;

/** Options that take a value. */
const VALUED = [
  'seconds',
  'warmup',
  'reps',
  'nets',
  'engines',
  'out',
  'edits',
  'view-nets',
  'view-long-steps',
  'view-long-seconds',
  'latency-nets',
  'latency-seconds',
  'memory-steps',
  'memory-seconds',
] as const;

/** Options that are present or not. */
const FLAGS = [
  'help',
  'kernels',
  'no-overhead',
  'no-doctor',
  'no-view',
  'view-only',
  'no-editor',
  'editor-only',
  'no-probe',
  'probe-only',
  'no-net-kernels',
  'no-latency',
  'memory',
] as const;

/** Every option's name, without its `--`. */
export const BENCH_OPTION_NAMES: readonly string[] = [...VALUED, ...FLAGS];

/** A switch of the bench's command line. */
export type BenchFlag = (typeof FLAGS)[number];

/** The bench's settings, parsed and checked. */
export interface BenchOptions {
  readonly seconds: number;
  readonly warmup: number;
  readonly reps: number;
  readonly nets: NetId[];
  readonly engines: EngineId[];
  /** Absolute path of the JSON results. */
  readonly out: string;
  readonly edits: number;
  readonly viewNets: NetId[];
  readonly viewLongSteps: number;
  readonly viewLongSeconds: number;
  readonly latencyNets: NetId[];
  readonly latencySeconds: number;
  readonly memorySteps: number;
  readonly memorySeconds: number;
  /** Whether switch `name` was given. */
  flag(name: BenchFlag): boolean;
}

/** Thrown for a command line the bench cannot run; its message says what to change. */
export class BenchUsageError extends Error {}

const netList = (text: string, option: string): NetId[] => {
  const ids = text.split(',').map((s) => s.trim().toUpperCase()) as NetId[];
  for (const n of ids)
    if (!NETWORKS[n])
      throw new BenchUsageError(
        `unknown network '${n}'${option ? ` in --${option}` : ''} (expected ${NET_IDS.join(', ')})`,
      );
  return ids;
};

/** Parses the bench's arguments (`process.argv.slice(2)`), relative paths against `root`. */
export function parseBenchOptions(argv: readonly string[], root: string): BenchOptions {
  const values = new Map<string, string>(),
    flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i],
      name = a.startsWith('--') ? a.slice(2) : null;
    if (name !== null && (VALUED as readonly string[]).includes(name)) {
      if (i + 1 >= argv.length) throw new BenchUsageError(`--${name} needs a value`);
      values.set(name, argv[++i]);
    } else if (name !== null && (FLAGS as readonly string[]).includes(name)) flags.add(name);
    else throw new BenchUsageError(`unknown option '${a}' (npm run bench -- --help lists them)`);
  }
  const opt = (name: (typeof VALUED)[number], fallback: string) => values.get(name) ?? fallback;
  const flag = (name: BenchFlag) => flags.has(name);
  const seconds = Number(opt('seconds', '2')),
    warmup = Number(opt('warmup', '0.5'));
  if (!(seconds > 0) || !(warmup >= 0)) throw new BenchUsageError('--seconds must be > 0 and --warmup ≥ 0');
  const nets = netList(opt('nets', NET_IDS.join(',')), '');
  const engines = opt('engines', DEFAULT_ENGINE_IDS.join(','))
    .split(',')
    .map((s) => s.trim()) as EngineId[];
  for (const e of engines)
    if (!ENGINE_IDS.includes(e)) throw new BenchUsageError(`unknown engine '${e}' (expected ${ENGINE_IDS.join(', ')})`);
  const out = path.resolve(
    root,
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
  return {
    seconds,
    warmup,
    reps: Math.max(1, Math.floor(Number(opt('reps', '3')))),
    nets,
    engines,
    out,
    edits: Math.max(1, Math.floor(Number(opt('edits', '100')))),
    viewNets: netList(opt('view-nets', values.has('nets') ? nets.join(',') : NET_IDS.join(',')), 'view-nets'),
    viewLongSteps: Number(opt('view-long-steps', '100000')),
    viewLongSeconds: Number(opt('view-long-seconds', '20')),
    latencyNets: netList(opt('latency-nets', 'N3,N5'), 'latency-nets'),
    latencySeconds: Number(opt('latency-seconds', '2')),
    memorySteps: Number(opt('memory-steps', '1000000')),
    memorySeconds: Number(opt('memory-seconds', '120')),
    flag,
  };
}
