// What the benches that compare ways of training share (the debugger's overhead, bench/overheadCost.ts; the doctor's
// cost, bench/doctorCost.ts): one side trained in this fresh process, the order of the rounds of processes, the time
// per step while a run trains steadily, and the per-round ratios' median and middle half.
//
// Why a fresh process per side: sides sharing one process share V8's JIT state, inline caches and feedback, so one
// side's code makes the shared step code faster or slower for the other. The overhead bench used to time every mode
// against the bare Trainer in one process: it read N1's `train` +16.8 % and N2's −16.4 % against bare in one run, for
// the same step code. A user's Train or debug session runs in a fresh worker, in one mode: so does each side here.

import { BATCHES, NETWORKS, makeData, type NetId } from './networks';
import { DEFAULT_THRESHOLDS } from '../engine/doctor/thresholds';
import { bare, collectGarbage, nnetRunner, RUN_MODES, specOf, throughRun, type RunMode, type RunTiming } from './nnet';
import { time } from './runner';

/** A way of training: the bare engine (Trainer.advanceStep in a plain loop), or the worker's run loop in a mode. */
export type Side = 'bare' | RunMode;
/** The overhead bench's sides: the bare engine first (its first process picks the step count), then every mode. */
export const OVERHEAD_SIDES: readonly Side[] = ['bare', ...(Object.keys(RUN_MODES) as RunMode[])];

/**
 * Steps a run of about `target` steps takes: a whole number of epochs and of the doctor's sampling periods (the update
 * rules measure a step every `updateSamplePeriod`), so that a short run (N5's ~40 steps) pays the measured share of
 * steps a long one pays, not the measured step 0 over a fraction of a period.
 */
export function runSteps(target: number): number {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a),
    p = DEFAULT_THRESHOLDS.updateSamplePeriod,
    unit = (BATCHES * p) / gcd(BATCHES, p);
  return Math.max(1, Math.ceil(target / unit)) * unit;
}

/**
 * The optimizer steps (runSteps) of about `seconds` of network `id`, judged from the bare trainer's speed in this
 * process over max(½, `warmup`) seconds: what the first process of a network picks for every run of it.
 */
export function pickSteps(id: NetId, seconds: number, warmup: number): number {
  const net = NETWORKS[id],
    speed = time(nnetRunner(net, makeData(net)), Math.max(0.5, warmup), warmup / 2);
  return runSteps((speed.samplesPerSec / net.batch) * seconds);
}

/** A side's timed run, and with a whole warm-up (measureSide `warmWhole`) that warm-up run's own timing. */
export type SideRun = RunTiming & { readonly fresh?: { readonly seconds: number; readonly steps: number } };

/**
 * One side of network `id` in this (fresh) process: a warm-up run of the same side, a full garbage collection, then
 * one timed run of `steps` optimizer steps (runSteps), or, when `steps` is not given, of about `seconds` judged from
 * the bare trainer's speed (the first process of a network picks it; the others are given it, so every run takes the
 * same steps and pays the same periodic checks). A run-loop side longer than max(4·seconds, 5 s) of wall time (times
 * `sharing`, the processes that take turns on its CPU) is stopped there and measured on the steps it did.
 *
 * The warm-up is about `warmup` seconds of the side (an eighth of the run at least), or with `warmWhole` the very
 * run timed after it, whose timing is then returned too (`fresh`: what the run costs in a fresh process, V8's
 * compiling included). Runs of one network with the same seed take the same path, so a whole warm-up has run every
 * code path the timed run takes, each at the same step: no path of the timed run is new to V8 then (each run's
 * trainer still generates its step anew, which V8 compiles again in it, on either side alike). A shorter one
 * leaves what first happens late in a run to the timed one: N1's weights stop changing 1.16M steps in (unchanged-
 * weights' first hit), after the half-second warm-up's 0.96M, and V8 then drops the code that had not met a hit and
 * compiles it again, and compiles the doctor's code that runs once per batch of steps late, ~30 ms inside N1's timed
 * window: once-per-run costs, which the steady rate would count as per-step ones.
 */
export async function measureSide(
  id: NetId,
  side: Side,
  seconds: number,
  warmup: number,
  steps?: number,
  sharing = 1,
  warmWhole = false,
): Promise<SideRun> {
  const net = NETWORKS[id],
    data = makeData(net);
  steps ||= pickSteps(id, seconds, warmup);
  const epochs = Math.max(1, Math.round(steps / BATCHES)),
    cap = sharing * Math.max(4 * seconds, 5);
  const warmEpochs = warmWhole
    ? epochs
    : Math.max(1, Math.ceil(epochs * Math.min(1, Math.max(1 / 8, warmup / Math.max(seconds, 1e-3)))));
  const once = (k: number) =>
    side === 'bare'
      ? Promise.resolve(bare(specOf(net, data, k).spec))
      : throughRun(specOf(net, data, k).source, side, cap);
  const warm = await once(warmEpochs);
  collectGarbage();
  const timed = await once(epochs);
  return warmWhole ? { ...timed, fresh: { seconds: warm.seconds, steps: warm.steps } } : timed;
}

/** Where in run `t`'s marks (bench/nnet.ts RunTiming.marks) its first one at a quarter of its steps or later is; -1. */
function quarterMark(t: RunTiming): number {
  const m = t.marks ?? [];
  for (let i = 0; i + 1 < m.length; i += 2) if (m[i + 1] >= t.steps / 4) return i;
  return -1;
}

/**
 * CPU seconds a step of run `t` takes while it trains steadily: between its first progress mark at a quarter of its
 * steps or later and its last one (bench/nnet.ts RunTiming.marks), leaving out what a run pays once at its start (V8
 * compiling the code it runs, the doctor's first measurements) and at its end (the findings). The whole run's mean
 * when its marks span less than a quarter of its steps.
 */
export function steadyPerStep(t: RunTiming): number {
  const m = t.marks ?? [],
    first = quarterMark(t),
    last = m.length - 2;
  if (first >= 0 && m[last + 1] - m[first + 1] >= t.steps / 4)
    return (m[last] - m[first]) / (m[last + 1] - m[first + 1]);
  return t.seconds / Math.max(1, t.steps);
}

/**
 * CPU seconds a step of run `t` takes before it trains steadily: from its start to the mark steadyPerStep starts at,
 * its start included (on a tiny network, mostly the steps while it still learns); NaN without such a mark.
 */
export function earlyPerStep(t: RunTiming): number {
  const m = t.marks ?? [],
    first = quarterMark(t);
  return first >= 0 && m[first + 1] > 0 ? m[first] / m[first + 1] : NaN;
}

/** A quantile of `xs` (the element at ⌊q·n⌋ of the sorted values, the upper median for q = ½ and even n). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/**
 * The order of the processes of `reps` rounds: every side once per round, the order rotated by one from round to
 * round (two sides: A B, B A, A B, …), so no side always runs first or last while the machine's load drifts; the
 * very first is `sides[0]`, which picks the step count for all.
 */
export function roundOrder<S>(sides: readonly S[], reps: number): S[][] {
  return Array.from({ length: reps }, (_, r) => {
    const k = r % sides.length;
    return [...sides.slice(k), ...sides.slice(0, k)];
  });
}

/** Rounds of fresh processes: each round's timing per side, and why a side stopped being measured. */
export interface Rounds<S extends string> {
  readonly rounds: readonly Partial<Record<S, SideRun>>[];
  /** Optimizer steps every run was given (picked by the first process). */
  readonly steps: number;
  /** Sides that failed, with the reason: they are left out of every round from then on. */
  readonly failed: Partial<Record<S, string>>;
}

/**
 * Runs `reps` rounds of `sides` (roundOrder) through `run`, which times one side in a fresh process given the step
 * count, or undefined for the first process, which picks it. When `sides[0]` (what the others are judged against)
 * cannot be measured, the whole is not: its reason is returned.
 */
export function runRounds<S extends string>(
  sides: readonly S[],
  reps: number,
  run: (side: S, steps: number | undefined) => SideRun | { reason: string },
): Rounds<S> | { reason: string } {
  const rounds: Partial<Record<S, SideRun>>[] = [],
    failed: Partial<Record<S, string>> = {};
  let steps = 0;
  for (const order of roundOrder(sides, reps)) {
    const round: Partial<Record<S, SideRun>> = {};
    for (const side of order) {
      if (failed[side] !== undefined) continue;
      const r = run(side, steps || undefined);
      if ('reason' in r) {
        if (side === sides[0]) return { reason: r.reason };
        failed[side] = r.reason;
        continue;
      }
      steps ||= r.steps;
      round[side] = r;
    }
    rounds.push(round);
  }
  for (const s of Object.keys(failed) as S[]) for (const round of rounds) delete round[s];
  return { rounds, steps, failed };
}

/**
 * Per round where both ran, side `a`'s CPU time per step as it trained steadily against side `b`'s in the same
 * round, minus 1, in percent; their median and middle half (25th and 75th percentile). NaN when no round has both.
 */
export function ratioStats<S extends string>(
  rounds: readonly Partial<Record<S, RunTiming>>[],
  a: S,
  b: S,
): { readonly median: number; readonly spread: readonly [number, number]; readonly perRound: readonly number[] } {
  const perRound = rounds.flatMap((r) => {
    const x = r[a],
      y = r[b];
    return x && y ? [100 * (steadyPerStep(x) / steadyPerStep(y) - 1)] : [];
  });
  if (!perRound.length) return { median: NaN, spread: [NaN, NaN], perRound };
  return { median: quantile(perRound, 0.5), spread: [quantile(perRound, 0.25), quantile(perRound, 0.75)], perRound };
}

/** Samples per CPU second over whole runs `ts` of a network of `batch` samples per step. */
export function samplesPerCpuSecond(batch: number, ts: readonly RunTiming[]): number {
  return (batch * ts.reduce((s, t) => s + t.steps, 0)) / ts.reduce((s, t) => s + t.seconds, 0);
}
