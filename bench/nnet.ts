// This engine in the benchmark: the bare Trainer loop, and the same network through the worker's run loop
// (TrainingRun: time slices, throttled progress, and in debug mode breakpoint checks per event, rewind history and
// exception filters) to measure what the debugger's instrumentation costs when nothing stops.

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

/** The bare Trainer loop: `advance()` until k more optimizer steps are done. */
export function nnetRunner(net: NetDef, data: Dataset, options?: TrainerOptions): Runner {
  const t = new Trainer(specOf(net, data, LIMITS.maxEpochs).spec, options);
  const advance = (k: number) => {
    const end = t.step + k;
    while (t.step < end) if (!t.advance()) throw new Error('ran out of epochs; use fewer --seconds');
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
  /** Train (no debugger): progress only. */
  train: { debug: false, historyBytes: 0, exceptionFilters: [] },
  /** Debug session with its defaults: breakpoint checks per event, 256 MB of rewind history, no exception filter. */
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
   * Debug session with every exception filter on, at the default thresholds except the vanishing one, set so low
   * that it never fires: N4 (ten sigmoid layers) really does vanish at 1e-3, and a stop is not a measurement. A
   * threshold that never fires makes each check scan every layer, the most work it can do.
   */
  'debug+filters': {
    debug: true,
    historyBytes: 256 * 1024 * 1024,
    exceptionFilters: (Object.keys(EXCEPTION_FILTERS) as ExceptionFilterId[])
      .filter((id) => EXCEPTION_FILTERS[id].by === 'stopRules') // the doctor's filters need the doctor: its own bench
      .map((id) => ({ id, threshold: id === 'vanishing' ? 1e-30 : defaultFilterThreshold(id) })),
  },
} as const satisfies Record<
  string,
  Pick<Extract<HostToWorker, { kind: 'start' }>, 'debug' | 'historyBytes' | 'exceptionFilters'> &
    Partial<Pick<Extract<HostToWorker, { kind: 'start' }>, 'breakpoints' | 'doctor'>>
>;
export type RunMode = keyof typeof RUN_MODES;

export interface Overhead {
  /** Optimizer steps per repetition (a run mode may do fewer: see `capped`). */
  readonly steps: number;
  /** Samples/s of the bare Trainer loop (median of the repetitions). */
  readonly bareSamplesPerSec: number;
  /**
   * Per run mode: samples/s through TrainingRun and the median over repetitions of (time per step / bare time per
   * step − 1), in %, and the same against the Train command's run loop (`vsTrainPct`, what a user compares a debug
   * session with); `capped` when a run was stopped after its time cap; or why the mode could not be measured.
   */
  readonly modes: Record<
    RunMode,
    | {
        readonly samplesPerSec: number;
        readonly overheadPct: number;
        readonly vsTrainPct: number;
        readonly capped: boolean;
      }
    | { readonly reason: string }
  >;
  /** Milliseconds from a Pause request to the stop, while a debug session trains at full speed (median, max of 7). */
  readonly pauseLatencyMs: { readonly median: number; readonly max: number };
}

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
    run.handle({
      kind: 'start',
      fileName: 'bench.nnet',
      source,
      stopOnEntry: false,
      breakpoints: [],
      ...RUN_MODES.debug,
    });
  });
}

interface RunTiming {
  readonly seconds: number;
  readonly steps: number;
  readonly capped: boolean;
}

/**
 * Trains through TrainingRun with nothing set to stop, messages cloned as postMessage would; after `capSeconds`
 * a Stop ends it early. Rejects when the run stops (an exception filter that fires) or fails.
 */
function throughRun(source: string, mode: RunMode, capSeconds: number): Promise<RunTiming> {
  return new Promise((resolve, reject) => {
    let t0 = 0,
      capped = false;
    let stoppedBy: string | null = null;
    const run = new TrainingRun((m: WorkerToHost) => {
      structuredClone(m);
      if (m.kind === 'started') t0 = performance.now();
      // A run that stopped is not a measurement: the Stop below ends it with 'finished', which must not resolve.
      else if (m.kind === 'finished') {
        clearTimeout(cap);
        if (stoppedBy) reject(new Error(stoppedBy));
        else resolve({ seconds: (performance.now() - t0) / 1000, steps: m.progress.step, capped });
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

function bare(spec: NetworkSpec): RunTiming {
  const t = new Trainer(spec);
  const t0 = performance.now();
  while (t.advance());
  return { seconds: (performance.now() - t0) / 1000, steps: t.step, capped: false };
}

/**
 * The same steps trained by the bare loop and through the worker's run loop in each mode, in rotated order,
 * `reps` times in this one process, so that machine noise and JIT state hit all alike. A run-loop mode that takes
 * longer than max(4·seconds, 5 s) is stopped there and measured on the steps it did.
 */
export async function measureOverhead(
  net: NetDef,
  data: Dataset,
  seconds: number,
  warmup: number,
  reps: number,
): Promise<Overhead> {
  // Warm up the trainer and learn its speed, then size the runs to ~`seconds` each (whole epochs).
  const speed = time(nnetRunner(net, data), Math.max(0.2, warmup / 2), warmup / 2);
  const steps = Math.max(BATCHES, Math.ceil(((speed.samplesPerSec / net.batch) * seconds) / BATCHES) * BATCHES);
  const { spec, source } = specOf(net, data, steps / BATCHES);
  const cap = Math.max(4 * seconds, 5);
  const modes = Object.keys(RUN_MODES) as RunMode[];
  const short = specOf(net, data, Math.max(1, Math.ceil(steps / BATCHES / 8))).source;
  const failed = new Map<RunMode, string>();
  for (const m of modes) await throughRun(short, m, cap / 4).catch((e: Error) => failed.set(m, e.message)); // warm-up
  const times: Record<'bare' | RunMode, RunTiming[]> = {
    bare: [],
    train: [],
    debug: [],
    'debug+doctor': [],
    'debug+breakpoints': [],
    'debug+filters': [],
  };
  const order: ('bare' | RunMode)[] = ['bare', ...modes];
  for (let r = 0; r < reps; r++) {
    for (const k of [...order.slice(r % order.length), ...order.slice(0, r % order.length)]) {
      if (k === 'bare') {
        times.bare.push(bare(spec));
        continue;
      }
      if (failed.has(k)) continue;
      try {
        times[k].push(await throughRun(source, k, cap));
      } catch (e) {
        failed.set(k, (e as Error).message);
      }
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const perStep = (t: RunTiming) => t.seconds / Math.max(1, t.steps);
  const bareRate = net.batch / med(times.bare.map(perStep));
  // Enough epochs that training lasts well past seven pauses.
  const pauseLatencyMs = await pauseLatency(
    specOf(net, data, Math.max(1, Math.ceil((20 * speed.samplesPerSec) / net.batch / BATCHES))).source,
  );
  return {
    steps,
    bareSamplesPerSec: bareRate,
    pauseLatencyMs,
    modes: Object.fromEntries(
      modes.map((m) => [
        m,
        failed.has(m) || !times[m].length
          ? { reason: failed.get(m) ?? 'no run' }
          : {
              samplesPerSec: net.batch / med(times[m].map(perStep)),
              overheadPct: 100 * med(times[m].map((t, r) => perStep(t) / perStep(times.bare[r]) - 1)),
              vsTrainPct:
                times.train.length === times[m].length
                  ? 100 * med(times[m].map((t, r) => perStep(t) / perStep(times.train[r]) - 1))
                  : NaN,
              capped: times[m].some((t) => t.capped),
            },
      ]),
    ) as Overhead['modes'],
  };
}
