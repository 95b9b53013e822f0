// The debugger's latencies and memory, through the real engine worker thread (dist/worker.js) driven as the debug
// adapter drives it, with a debug session's defaults (256 MB rewind history): Step Back and Reverse Continue (with no
// breakpoint, and searching for one that never fires), each timed from the request to the `stopped` message the host
// receives (goals ≤ 100 ms and ≤ 1 s), and the process's resident size over a long debug session (goal flat ± 5 %)
// and per parameter.

import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { BreakpointSpec, HostToWorker, WorkerToHost } from '../debugger/protocol';
import { WorkerClient } from '../debugger/workerClient';
import { LIMITS } from '../engine/language/spec';
import { BATCHES, makeData, type NetDef } from './networks';
import { debugStart, RUN_MODES, specOf } from './nnet';

const WORKER_SCRIPT = path.resolve(__dirname, '..', 'dist', 'worker.js');

type Stopped = Extract<WorkerToHost, { kind: 'stopped' }>;

/** Median and maximum of some milliseconds. */
export interface Spread {
  readonly median: number;
  readonly max: number;
  readonly count: number;
  /** Every sample, in the order measured (which Step Back was the slow one). */
  readonly samples: readonly number[];
}

const spread = (a: number[]): Spread => {
  const s = [...a].sort((x, y) => x - y);
  return {
    median: s[s.length >> 1] ?? NaN,
    max: s[s.length - 1] ?? NaN,
    count: s.length,
    samples: a.map((x) => Math.round(x * 10) / 10),
  };
};

/** A debug session on one worker thread, awaited message by message. */
class Session {
  readonly worker = new WorkerClient(WORKER_SCRIPT);
  step = 0;
  parameterCount = 0;
  private waiting: ((m: Stopped) => void) | null = null;
  private failed: ((e: Error) => void) | null = null;
  /**
   * Why the session can stop no more (the run failed or finished, the worker exited), and a promise rejected with it:
   * a request sent after that, or waiting for a step count (`ended`), rejects instead of waiting forever.
   */
  private end: Error | null = null;
  readonly ended: Promise<never>;
  /** True once the run has trained all its epochs. */
  finished = false;

  constructor(private readonly onProgress?: (step: number) => void) {
    let endWith: (e: Error) => void = () => {};
    this.ended = new Promise<never>((_, reject) => (endWith = reject));
    this.ended.catch(() => {}); // read by whoever races it; unhandled otherwise
    const fail = (e: Error) => {
      if (this.end) return;
      this.end = e;
      endWith(e);
      this.failed?.(e);
    };
    this.worker.onDidReceiveMessage((m) => {
      if (m.kind === 'started') this.parameterCount = m.parameterCount;
      else if (m.kind === 'progress') {
        this.step = m.progress.step;
        this.onProgress?.(this.step);
      } else if (m.kind === 'stopped') {
        this.step = m.progress.step;
        const w = this.waiting;
        this.waiting = null;
        w?.(m);
      } else if (m.kind === 'error' || m.kind === 'finished') {
        this.finished = m.kind === 'finished';
        fail(
          new Error(
            m.kind === 'error'
              ? `${m.message} (at step ${this.step})`
              : `the run finished at step ${this.step}; use more epochs`,
          ),
        );
      }
    });
    this.worker.onDidExit((e) => fail(new Error(`worker exited at step ${this.step}: ${e.error ?? e.code}`)));
  }

  /** Sends `msg` and resolves with the next stop, and the milliseconds from sending to receiving it. */
  request(msg: HostToWorker): Promise<{ stopped: Stopped; ms: number; cpuMs: number }> {
    return new Promise((resolve, reject) => {
      if (this.end) return reject(this.end);
      const t0 = performance.now(),
        c0 = process.cpuUsage();
      this.failed = reject;
      this.waiting = (stopped) => {
        const c = process.cpuUsage(c0);
        resolve({ stopped, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 });
      };
      this.worker.post(msg);
    });
  }

  /** Starts the debug session with its defaults and lets it train. */
  start(source: string): void {
    this.worker.post(debugStart(source));
  }

  dispose(): void {
    this.failed = null;
    this.worker.dispose();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Step Back and Reverse Continue latency on one network. */
export interface RewindLatency {
  readonly parameterCount: number;
  /** Step Back from a pause at full speed, `count` times in a row (those that moved: see `stepBacksFailed`). */
  readonly stepBackMs: Spread;
  /**
   * Step Backs that stayed where they were (the history could not rewind, e.g. its oldest checkpoint could not be
   * restored), with the first one's notice: answered at once, so their milliseconds would flatter the latency.
   */
  readonly stepBacksFailed?: { readonly count: number; readonly notice: string };
  /**
   * The CPU time of this process (its threads: the worker's and the products' helper thread) over each of those Step
   * Backs: the work done, which a loaded machine stretches in wall time but does not change.
   */
  readonly stepBackCpuMs: Spread;
  /**
   * Reverse Continue with no breakpoint: nothing can stop it, so it goes straight to the oldest state kept, here the
   * start of the `trainSeconds` of training since the previous rewind (unless the history's budget fills first).
   */
  readonly reverseContinueMs: Spread;
  /** Median steps each Reverse Continue went back. */
  readonly reverseContinueSteps: number;
  /**
   * Reverse Continue searching for a breakpoint that never fires (`reverseSearchCondition` on the first layer, set
   * once paused) over all the history kept, `trainSeconds` of training as above. Its condition reads training
   * scalars only, which the history records per step: the search decides past steps without replaying them.
   * Absent from older runs.
   */
  readonly reverseSearchMs?: Spread;
  /** Median steps each of those went back. */
  readonly reverseSearchSteps?: number;
  readonly reverseSearchCondition?: string;
  /**
   * The same search for a breakpoint whose condition reads a tensor of the first layer (`reverseReplayCondition`,
   * never true): no record decides it, so it replays every step of the history. Absent from older runs.
   */
  readonly reverseReplayMs?: Spread;
  readonly reverseReplaySteps?: number;
  readonly reverseReplayCondition?: string;
  /**
   * Those searches per step replayed (each search's ms ÷ its steps), beside what a step of the session's own training
   * takes (`trainMsPerStep`): a search reading a tensor replays the history, so this ratio, not the span searched,
   * is what the engine controls. Absent from older runs.
   */
  readonly reverseReplayMsPerStep?: Spread;
  /**
   * Wall milliseconds per step of the debug session's training over the spans before those searches (the span ÷ the
   * steps it trained, pausing included). Absent from older runs.
   */
  readonly trainMsPerStep?: Spread;
  readonly trainSeconds: number;
}

/**
 * The breakpoint condition of the searching Reverse Continue: never true (a cross-entropy or MSE loss is ≥ 0), and it
 * reads the loss, which changes within a step, so it is evaluated at every event of the layer (from the step record).
 */
export const NEVER_FIRES = 'loss < 0';

/**
 * The breakpoint condition of the replaying Reverse Continue: never true (the first layer's activations are ReLU or
 * tanh outputs, ≥ −1), and it reads a tensor, which only a replay of the step computes.
 */
export const NEVER_FIRES_TENSOR = 'max(h1.a) < -1e9';

/**
 * Trains `net` in a debug session for `trainSeconds`, pauses, steps back `stepBacks` times; then `reverses` times,
 * interleaved: continue, train `trainSeconds`, pause, set a breakpoint that never fires, Reverse Continue (a search);
 * the same with a breakpoint reading a tensor (a search that replays); remove it, continue, train `trainSeconds`,
 * pause, Reverse Continue (no breakpoint).
 */
export async function measureRewindLatency(
  net: NetDef,
  trainSeconds: number,
  stepBacks = 10,
  reverses = 3,
): Promise<RewindLatency> {
  const s = new Session();
  try {
    s.start(specOf(net, makeData(net), 100_000).source);
    const back: number[] = [],
      backCpu: number[] = [],
      reverse: number[] = [],
      went: number[] = [],
      search: number[] = [],
      searched: number[] = [],
      replay: number[] = [],
      replayed: number[] = [];
    let failedBacks = 0,
      failedNotice = '';
    await sleep(trainSeconds * 1000);
    let at = (await s.request({ kind: 'pause' })).stopped.location;
    for (let i = 0; i < stepBacks; i++) {
      const r = await s.request({ kind: 'step', step: 'back' });
      const to = r.stopped.location;
      if (to.step === at.step && to.phase === at.phase && to.layer === at.layer) {
        if (!failedBacks++) failedNotice = r.stopped.notice ?? 'it stayed where it was';
      } else {
        back.push(r.ms);
        backCpu.push(r.cpuMs);
      }
      at = to;
    }
    const replayPerStep: number[] = [],
      trainPerStep: number[] = [];
    /**
     * Continue, train, pause, set `breakpoints`, Reverse Continue: its milliseconds and the steps it went back (and,
     * with `perStep`, the training's ms per step and the search's).
     */
    const reverseAfterTraining = async (
      breakpoints: BreakpointSpec[],
      ms: number[],
      steps: number[],
      perStep?: { train: number[]; search: number[] },
    ) => {
      const before = s.step,
        t0 = performance.now();
      s.worker.post({ kind: 'continue' });
      await sleep(trainSeconds * 1000);
      await s.request({ kind: 'pause' });
      perStep?.train.push((performance.now() - t0) / Math.max(1, s.step - before));
      s.worker.post({ kind: 'setBreakpoints', breakpoints });
      const from = s.step;
      ms.push((await s.request({ kind: 'reverseContinue' })).ms);
      steps.push(from - s.step);
      perStep?.search.push(ms[ms.length - 1] / Math.max(1, from - s.step));
    };
    for (let i = 0; i < reverses; i++) {
      await reverseAfterTraining([{ id: 1, nodes: [0], condition: NEVER_FIRES }], search, searched);
      await reverseAfterTraining([{ id: 1, nodes: [0], condition: NEVER_FIRES_TENSOR }], replay, replayed, {
        train: trainPerStep,
        search: replayPerStep,
      });
      await reverseAfterTraining([], reverse, went);
    }
    return {
      parameterCount: s.parameterCount,
      stepBackMs: spread(back),
      stepBackCpuMs: spread(backCpu),
      ...(failedBacks ? { stepBacksFailed: { count: failedBacks, notice: failedNotice } } : {}),
      reverseContinueMs: spread(reverse),
      reverseContinueSteps: spread(went).median,
      reverseSearchMs: spread(search),
      reverseSearchSteps: spread(searched).median,
      reverseSearchCondition: NEVER_FIRES,
      reverseReplayMs: spread(replay),
      reverseReplaySteps: spread(replayed).median,
      reverseReplayCondition: NEVER_FIRES_TENSOR,
      reverseReplayMsPerStep: spread(replayPerStep),
      trainMsPerStep: spread(trainPerStep),
      trainSeconds,
    };
  } finally {
    s.dispose();
  }
}

/** One sample of the process's memory during a debug session. */
export interface MemorySample {
  readonly step: number;
  readonly seconds: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** This isolate's committed heap (the session's own is in the worker's, inside `rssBytes`). */
  readonly heapTotalBytes: number;
}

/** Resident size of a debug session as it trains (see measureDebugMemory). */
export interface DebugMemory {
  readonly parameterCount: number;
  /** Resident size of this process before the session's worker started (after a full GC). */
  readonly baselineRssBytes: number;
  /** At 10⁴ steps (if reached) and every power of ten and its doubles and fives after, and at the end. */
  readonly samples: readonly MemorySample[];
  /** Steps reached within the time limit. */
  readonly steps: number;
  readonly seconds: number;
  /**
   * Largest deviation of the resident size from its value at the first sample (10⁴ steps), in % of it, over the
   * later samples (null: fewer than two samples from 10⁴ steps on). Goal: within ± 5 %.
   */
  readonly driftPct: number | null;
  /** (Last resident size − baseline) ÷ parameters. */
  readonly bytesPerParameter: number;
  readonly historyBytes: number;
}

/** A full GC in this process (V8's flag set at run time, the function fetched from a fresh context). */
function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/**
 * Trains `net` in a debug session until `maxSteps` or `maxSeconds`, sampling the process's resident size (this
 * process holds the worker thread, as the extension host does) at 10⁴, 2·10⁴, 5·10⁴, 10⁵ … steps and at the end.
 */
export async function measureDebugMemory(
  net: NetDef,
  maxSteps: number,
  maxSeconds: number,
  firstSample = 10_000,
): Promise<DebugMemory> {
  // Epochs for maxSteps and a tenth more: the steps are counted from progress messages, which come some steps late.
  const epochs = Math.min(LIMITS.maxEpochs, Math.ceil((1.1 * maxSteps) / BATCHES) + 100);
  const { source } = specOf(net, makeData(net), epochs);
  gc();
  const baselineRssBytes = process.memoryUsage().rss;
  const samples: MemorySample[] = [];
  const marks: number[] = [];
  for (let p = firstSample; p <= maxSteps; p *= 10) marks.push(p, 2 * p, 5 * p);
  let next = 0,
    t0 = 0;
  const sample = (step: number) => {
    // After a full GC, as the baseline: this isolate's own heap (it only relays messages) otherwise shrinks by tens
    // of MB some half minute in, when V8's memory reducer finds it idle, which is not the session's memory.
    gc();
    const m = process.memoryUsage();
    samples.push({
      step,
      seconds: (performance.now() - t0) / 1000,
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      heapTotalBytes: m.heapTotal,
    });
  };
  let reached: () => void = () => {};
  const done = new Promise<void>((r) => (reached = r));
  const s = new Session((step) => {
    while (next < marks.length && step >= marks[next]) {
      if (marks[next] <= maxSteps) sample(step);
      next++;
    }
    if (step >= maxSteps) reached();
  });
  try {
    t0 = performance.now();
    s.start(source);
    await Promise.race([done, sleep(maxSeconds * 1000), s.ended.catch(() => {})]);
    // The run may end before the pause reaches it (its epochs cover maxSteps with a margin, but progress comes late).
    await s.request({ kind: 'pause' }).catch((e: unknown) => {
      if (!s.finished) throw e;
    });
    if (!samples.length || samples[samples.length - 1].step !== s.step) sample(s.step);
    const seconds = (performance.now() - t0) / 1000;
    const late = samples.filter((x) => x.step >= firstSample).map((x) => x.rssBytes);
    const last = samples[samples.length - 1];
    return {
      parameterCount: s.parameterCount,
      baselineRssBytes,
      samples,
      steps: s.step,
      seconds,
      driftPct: late.length >= 2 ? 100 * Math.max(...late.map((r) => Math.abs(r / late[0] - 1))) : null,
      bytesPerParameter: (last.rssBytes - baselineRssBytes) / Math.max(1, s.parameterCount),
      historyBytes: RUN_MODES.debug.historyBytes,
    };
  } finally {
    s.dispose();
  }
}
