// This engine in the benchmark: the bare Trainer loop, and the same network through the worker's run loop
// (TrainingRun: time slices, throttled progress, and in debug mode breakpoint checks per event, rewind history and
// exception filters) to measure what the debugger's instrumentation costs when nothing stops.

import v8 from 'node:v8';
import vm from 'node:vm';
import { ACTIVATIONS } from '../engine/nn/activations';
import { LOSSES } from '../engine/nn/losses';
import { parseNnet } from '../engine/language/parser';
import { LIMITS, type NetworkSpec } from '../engine/language/spec';
import { Trainer, type TrainerOptions } from '../engine/runtime/trainer';
import {
  defaultFilterThreshold,
  EXCEPTION_FILTERS,
  type ExceptionFilterId,
  type HostToWorker,
  type WorkerToHost,
} from '../debugger/protocol';
import { PROGRESS_MS } from '../debugger/runProgress';
import { TrainingRun } from '../debugger/trainingRun';
import { BATCHES, nnetSource, type Dataset, type NetDef } from './networks';
import { time, type Runner } from './runner';

/** Why this engine cannot train `net` yet, or null when it can. */
export function unsupported(net: NetDef): string | null {
  const acts: readonly string[] = ACTIVATIONS,
    losses: readonly string[] = LOSSES;
  if (net.loss === 'cross_entropy' && !(losses.includes('cross_entropy') && acts.includes('softmax')))
    return 'needs softmax CE';
  const missing = net.layers.map((l) => l.activation).find((a) => !acts.includes(a));
  if (missing) return `needs activation ${missing}`;
  if (!losses.includes(net.loss)) return `needs loss ${net.loss}`;
  return null;
}

/** The network's .nnet text parsed and checked; throws with the first error. */
export function specOf(net: NetDef, data: Dataset, epochs: number): { spec: NetworkSpec; source: string } {
  const source = nnetSource(net, data, epochs);
  const { spec, diagnostics } = parseNnet(source);
  const err = diagnostics.find((d) => d.severity === 'error');
  if (!spec || err)
    throw new Error(err ? `line ${err.range.line + 1}: ${err.message}` : 'the generated .nnet file did not parse');
  return { spec, source };
}

/**
 * The bare Trainer loop: k whole steps by `advanceStep()` (generated for all-dense networks), or with `events`
 * one event at a time by `advance()`. The debugger's run loop takes whole steps where nothing can stop inside one
 * (also with the doctor watching, which observes them whole), so its overhead and the doctor's cost are measured
 * against whole steps. `options` are the Trainer's (e.g. `{ threads: 1 }`).
 */
export function nnetRunner(net: NetDef, data: Dataset, events = false, options?: TrainerOptions): Runner {
  const t = new Trainer(specOf(net, data, LIMITS.maxEpochs).spec, options);
  const advance = events
    ? (k: number) => {
        const end = t.step + k;
        while (t.step < end) if (!t.advance()) throw new Error('ran out of epochs; use fewer --seconds');
      }
    : (k: number) => {
        for (let i = 0; i < k; i++) if (!t.advanceStep()) throw new Error('ran out of epochs; use fewer --seconds');
      };
  return {
    samplesPerStep: net.batch,
    run: advance,
    sync() {},
    loss() {
      advance(1);
      return t.loss;
    },
  };
}

/** How the run loop is driven: as the Train command does, or as a debug session does (defaults of session.ts). */
export const RUN_MODES = {
  /** The Train command's run loop (no debugger) without the doctor, which the extension's Train also runs: progress only. */
  train: { debug: false, historyBytes: 0, exceptionFilters: [] },
  /**
   * The Train command's run loop with the training doctor, as the extension's Train runs it: what debug+doctor is
   * judged against (the debugger's own share with the doctor on; the doctor's own cost has its budget in doctorCost.ts).
   */
  'train+doctor': { debug: false, historyBytes: 0, exceptionFilters: [], doctor: true },
  /**
   * Debug session with its defaults but without the doctor (which the extension's sessions run, see debug+doctor):
   * breakpoint checks, 256 MB of rewind history, no exception filter.
   */
  debug: { debug: true, historyBytes: 256 * 1024 * 1024, exceptionFilters: [] },
  /** Debug session with the training doctor watching, as the extension's sessions run (its findings at the end). */
  'debug+doctor': { debug: true, historyBytes: 256 * 1024 * 1024, exceptionFilters: [], doctor: true },
  /** Debug session with a breakpoint on every layer whose condition never holds: the cost of breakpoints that do not fire. */
  'debug+breakpoints': {
    debug: true,
    historyBytes: 256 * 1024 * 1024,
    exceptionFilters: [],
    breakpoints: [{ id: 1, nodes: Array.from({ length: 64 }, (_, i) => i), condition: 'step < 0 && norm(x) > 0' }],
  },
  /**
   * Debug session with every exception filter on, at the default thresholds except the vanishing one, its ratio and
   * its absolute floor set so low that it never fires: N4 (ten sigmoid layers) really does vanish at 1e-3 (and its
   * mean |∂L/∂W| falls below the default floor of 1e-7), and a stop is not a measurement. A
   * threshold that never fires makes each check scan every layer, the most work it can do.
   */
  'debug+filters': {
    debug: true,
    historyBytes: 256 * 1024 * 1024,
    exceptionFilters: (Object.keys(EXCEPTION_FILTERS) as ExceptionFilterId[])
      .filter((id) => EXCEPTION_FILTERS[id].by === 'stopRules') // the doctor's filters need the doctor: its own bench
      .map((id) =>
        id === 'vanishing' ? { id, threshold: 1e-30, floor: 1e-30 } : { id, threshold: defaultFilterThreshold(id) },
      ),
  },
} as const satisfies Record<
  string,
  Pick<Extract<HostToWorker, { kind: 'start' }>, 'debug' | 'historyBytes' | 'exceptionFilters'> &
    Partial<Pick<Extract<HostToWorker, { kind: 'start' }>, 'breakpoints' | 'doctor'>>
>;
export type RunMode = keyof typeof RUN_MODES;

/** The worker's start message of a debug session with its defaults on `source`, running from the first step. */
export function debugStart(source: string): Extract<HostToWorker, { kind: 'start' }> {
  return { kind: 'start', fileName: 'bench.nnet', source, stopOnEntry: false, breakpoints: [], ...RUN_MODES.debug };
}

export interface Overhead {
  /** Optimizer steps per side of each pair or round (a run mode may do fewer: see `capped`). */
  readonly steps: number;
  /** Pairs (one process) or rounds of fresh processes (`method`) measured per run mode. */
  readonly pairs: number;
  /** Samples per CPU second of the bare Trainer loop (over all its runs). */
  readonly bareSamplesPerSec: number;
  /**
   * Per run mode: samples per CPU second through TrainingRun, the median over the pairs or rounds of (CPU time per
   * step ÷ the bare loop's CPU time per step in the same pair or round − 1), in %, with the middle half
   * (`spreadPct`, 25th and 75th percentile), and the same median against the Train command's run loop
   * (`vsTrainPct`, what a user compares a debug session with) and, for a debug mode with the doctor, against the
   * Train command's with the doctor (`vsTrainDoctorPct`: the debugger's own share with the doctor on; absent from
   * runs before train+doctor was measured); `capped` when a run was stopped after its time cap; or why the mode
   * could not be measured.
   */
  readonly modes: Record<
    RunMode,
    | {
        readonly samplesPerSec: number;
        readonly overheadPct: number;
        readonly spreadPct: readonly [number, number];
        readonly vsTrainPct: number;
        readonly vsTrainDoctorPct?: number;
        readonly capped: boolean;
      }
    | { readonly reason: string }
  >;
  /**
   * Milliseconds from a Pause request to the stop, while a debug session trains at full speed (median, max of 7);
   * NaN, with the reason, when the pause child measured nothing.
   */
  readonly pauseLatencyMs: { readonly median: number; readonly max: number; readonly reason?: string };
  /**
   * How it was measured: 'fresh processes' (bench/overheadCost.ts: each side in its own process, rounds rotated, CPU
   * time per step while a run trains steadily); absent: every mode against the bare loop in one process.
   */
  readonly method?: 'fresh processes';
  /** Fresh processes: CPU µs per step of each side as it trained steadily, round by round. */
  readonly usPerStep?: Partial<Record<'bare' | RunMode, readonly number[]>>;
}

/**
 * Seconds of CPU this process spent: on a machine shared with other jobs the wall clock of a run also counts the
 * time it waited for a core, which differs between two runs by more than the budget being measured.
 */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * A full garbage collection, made before each timed side of a pair (untimed): in one process, the garbage that earlier
 * runs left (a debug session's checkpoints, the doctor's records) was otherwise collected during whichever side
 * happened to trigger the collection, mostly the run loop's (it allocates more than the bare loop), which a session's
 * own worker never pays. N4 with every filter after a doctor run: median +11.5 % (−8…+17 over 8 pairs) without it,
 * +3.6 % (1.3…4.9, one pair 14) with it. A side still pays for collecting what it allocates while it runs.
 */
export const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Pauses a full-speed debug run 7 times at irregular moments and times each request → stopped. */
function pauseLatency(source: string): Promise<{ median: number; max: number }> {
  return new Promise((resolve, reject) => {
    const samples: number[] = [];
    let asked = 0;
    const run = new TrainingRun((m: WorkerToHost) => {
      if (m.kind === 'started') setTimeout(pause, 100);
      else if (m.kind === 'stopped') {
        samples.push(performance.now() - asked);
        if (samples.length < 7) {
          run.handle({ kind: 'continue' });
          setTimeout(pause, 40 + 23 * samples.length);
          return;
        }
        run.handle({ kind: 'stop' });
        const sorted = [...samples].sort((a, b) => a - b);
        resolve({ median: sorted[3], max: sorted[6] });
      } else if (m.kind === 'finished' && samples.length < 7)
        reject(new Error('the run ended before 7 pauses; use more epochs'));
      else if (m.kind === 'error') reject(new Error(m.message));
    });
    const pause = () => {
      asked = performance.now();
      run.handle({ kind: 'pause' });
    };
    run.handle(debugStart(source));
  });
}

/**
 * Milliseconds from Pause to the stop of a debug session of `net` with its defaults, training at full speed (median
 * and max of 7), on a run of enough epochs to last well past seven pauses at `samplesPerSec` (measured by the caller,
 * or here when not given).
 */
export function pauseLatencyOf(
  net: NetDef,
  data: Dataset,
  samplesPerSec = time(nnetRunner(net, data), 0.3, 0.2).samplesPerSec,
): Promise<{ median: number; max: number }> {
  // (The language's limit on epochs is ~18 s of N1 here: still well past seven pauses.)
  const epochs = Math.min(LIMITS.maxEpochs, Math.max(1, Math.ceil((20 * samplesPerSec) / net.batch / BATCHES)));
  return pauseLatency(specOf(net, data, epochs).source);
}

/** One timed run: CPU seconds, and the optimizer steps it did. */
export interface RunTiming {
  readonly seconds: number;
  readonly steps: number;
  readonly capped: boolean;
  /**
   * Through the run loop: at each progress message, CPU seconds since 'started' and the step reached, flat
   * ([s0, step0, s1, step1, …]): the steady rate between them leaves out the run's start and end (bench/doctorCost.ts).
   */
  readonly marks?: readonly number[];
}

/**
 * Trains through TrainingRun with nothing set to stop, messages cloned as postMessage would, and times it in CPU
 * seconds from 'started' to 'finished' (the time it waits for setImmediate between slices is not the debugger's);
 * after `capSeconds` of wall time a Stop ends it early. Rejects when the run stops (an exception filter that fires)
 * or fails.
 */
export function throughRun(source: string, mode: RunMode, capSeconds: number): Promise<RunTiming> {
  return new Promise((resolve, reject) => {
    let c0 = 0,
      capped = false;
    let stoppedBy: string | null = null;
    const marks: number[] = [];
    const run = new TrainingRun((m: WorkerToHost) => {
      structuredClone(m);
      if (m.kind === 'started') c0 = cpuSeconds();
      else if (m.kind === 'progress') marks.push(cpuSeconds() - c0, m.progress.step);
      // A run that stopped is not a measurement: the Stop below ends it with 'finished', which must not resolve.
      else if (m.kind === 'finished') {
        clearTimeout(cap);
        if (stoppedBy) reject(new Error(stoppedBy));
        else resolve({ seconds: cpuSeconds() - c0, steps: m.progress.step, capped, marks });
      } else if (m.kind === 'error') {
        clearTimeout(cap);
        reject(new Error(m.message));
      } else if (m.kind === 'stopped') {
        stoppedBy = `it stops: ${m.exception ? `${m.exception.filter} filter (${m.exception.description})` : m.reason}`;
        run.handle({ kind: 'stop' });
      }
    });
    const cap = setTimeout(() => {
      capped = true;
      run.handle({ kind: 'stop' });
    }, capSeconds * 1000);
    run.handle({
      kind: 'start',
      fileName: 'bench.nnet',
      source,
      stopOnEntry: false,
      breakpoints: [],
      ...RUN_MODES[mode],
    });
  });
}

/**
 * The bare engine over the whole spec, in whole steps as the CLI trains (the run loop takes them too where nothing
 * can stop inside a step), in CPU seconds (the trainer is built before the clock starts). With the marks a run
 * through the loop gets from its progress messages (throughRun), at their cadence: the first step after PROGRESS_MS
 * of wall time since the last one, so steadyPerStep (bench/freshSides.ts) reads both sides alike. The wall clock is
 * read every `stride` steps, about every 0.25–1 ms (every 2¹⁰ of N1's ~1 µs steps, every step of N5's): what the
 * marks cost is then the mark itself (a CPU-time read), as it is in throughRun; the run loop's own clock reads are
 * its own cost.
 */
export function bare(spec: NetworkSpec): RunTiming {
  const t = new Trainer(spec);
  const marks: number[] = [];
  const c0 = cpuSeconds();
  let stride = 1,
    since = 0,
    last = performance.now(),
    due = last + PROGRESS_MS;
  while (t.advanceStep()) {
    if (++since < stride) continue;
    since = 0;
    const now = performance.now();
    if (now - last < 0.25 && stride < 1024) stride <<= 1;
    else if (now - last > 1 && stride > 1) stride >>= 1;
    last = now;
    if (now >= due) {
      marks.push(cpuSeconds() - c0, t.step);
      due = now + PROGRESS_MS;
    }
  }
  return { seconds: cpuSeconds() - c0, steps: t.step, capped: false, marks };
}

const perStep = (t: RunTiming) => t.seconds / Math.max(1, t.steps);
const sorted = (a: readonly number[]) => [...a].sort((x, y) => x - y);
const quantile = (a: readonly number[], q: number) => sorted(a)[Math.min(a.length - 1, Math.floor(q * a.length))];

/**
 * The quick, one-process measure (`bench-child --overhead`; `npm run bench` uses bench/freshSides.ts instead, each
 * side in a fresh process: sides sharing one process share V8's JIT state, which biased these pairs by ±15 % on N1
 * and N2 for the same step code). Each run mode against the bare loop in CPU-timed pairs of equal step counts, in
 * one process: `reps` pairs per mode, the modes in rotated order and each pair's two sides alternating (A B, B A, …),
 * so that machine noise, JIT state and the drift of the caches hit all alike. Each side starts after a full collection (collectGarbage), as a session's own
 * worker starts without the garbage of other runs. Every run-loop side is a fresh run of ~`seconds`, as a session is
 * (its rewind history fills from empty); one that takes longer than max(4·seconds, 5 s) of wall time is stopped there
 * and measured on the steps it did. `only`: measure just these modes (the others are missing from `modes`).
 */
export async function measureOverhead(
  net: NetDef,
  data: Dataset,
  seconds: number,
  warmup: number,
  reps: number,
  only?: readonly RunMode[],
): Promise<Overhead> {
  // Warm up the trainer and learn its speed, then size the runs to ~`seconds` each (whole epochs).
  const speed = time(nnetRunner(net, data), Math.max(0.2, warmup / 2), warmup / 2);
  const steps = Math.max(BATCHES, Math.ceil(((speed.samplesPerSec / net.batch) * seconds) / BATCHES) * BATCHES);
  const { spec, source } = specOf(net, data, steps / BATCHES);
  const cap = Math.max(4 * seconds, 5);
  const modes = only ?? (Object.keys(RUN_MODES) as RunMode[]);
  const short = specOf(net, data, Math.max(1, Math.ceil(steps / BATCHES / 8))).source;
  const failed = new Map<RunMode, string>();
  for (const m of modes) await throughRun(short, m, cap / 4).catch((e: Error) => failed.set(m, e.message)); // warm-up
  const pairs = new Map<RunMode, { bare: RunTiming; run: RunTiming }[]>(modes.map((m) => [m, []]));
  for (let r = 0; r < reps; r++) {
    for (const m of [...modes.slice(r % modes.length), ...modes.slice(0, r % modes.length)]) {
      if (failed.has(m)) continue;
      try {
        collectGarbage();
        const first = r % 2 ? null : bare(spec);
        collectGarbage();
        const run = await throughRun(source, m, cap);
        if (!first) collectGarbage();
        pairs.get(m)!.push({ bare: first ?? bare(spec), run });
      } catch (e) {
        failed.set(m, (e as Error).message);
      }
    }
  }
  const bares = [...pairs.values()].flat().map((p) => p.bare);
  const bareRate = (net.batch * bares.reduce((s, b) => s + b.steps, 0)) / bares.reduce((s, b) => s + b.seconds, 0);
  const costs = (m: RunMode) => pairs.get(m)!.map((p) => perStep(p.run) / perStep(p.bare) - 1);
  const medianCost = (m: RunMode) => (pairs.get(m)?.length ? quantile(costs(m), 0.5) : NaN);
  const trainCost = medianCost('train'),
    trainDoctorCost = medianCost('train+doctor');
  const pauseLatencyMs = await pauseLatencyOf(net, data, speed.samplesPerSec);
  return {
    steps,
    pairs: reps,
    bareSamplesPerSec: bareRate,
    pauseLatencyMs,
    modes: Object.fromEntries(
      modes.map((m) => {
        const ps = pairs.get(m)!;
        if (failed.has(m) || !ps.length) return [m, { reason: failed.get(m) ?? 'no run' }];
        const c = costs(m),
          median = quantile(c, 0.5);
        const runs = ps.map((p) => p.run);
        return [
          m,
          {
            samplesPerSec:
              (net.batch * runs.reduce((s, t) => s + t.steps, 0)) / runs.reduce((s, t) => s + t.seconds, 0),
            overheadPct: 100 * median,
            spreadPct: [100 * quantile(c, 0.25), 100 * quantile(c, 0.75)],
            vsTrainPct: 100 * ((1 + median) / (1 + trainCost) - 1),
            ...(m !== 'train+doctor' && 'doctor' in RUN_MODES[m] && RUN_MODES[m].debug
              ? { vsTrainDoctorPct: 100 * ((1 + median) / (1 + trainDoctorCost) - 1) }
              : {}),
            capped: runs.some((t) => t.capped),
          },
        ];
      }),
    ) as Overhead['modes'], // only the modes asked for, when `only` is given
  };
}
