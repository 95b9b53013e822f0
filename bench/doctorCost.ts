// What the training doctor costs training: each network trained as the Train command trains it (the worker's run
// loop, TrainingRun, bench/nnet.ts's `train` and `train+doctor` modes), each run in a fresh process, the two sides
// interleaved across processes (A B, B A, …), each timed in CPU time. The budget is 5 % of training time (issue 14).
// Run by `npm run bench` (bench/runCosts.ts spawns bench/child.ts --doctor-cost per side; skip with --no-doctor).
//
// Why fresh processes and the run loop: this bench used to time the bare Trainer loop against a doctored loop of its
// own in one process, in short interleaved pairs. The two loops then shared V8's JIT state, inline caches and
// feedback: the doctored loop's code made the shared step code slower for the bare one too (or the reverse), so the
// pairs' difference was not what a user pays. On N1 it said 10.7 % while the Train command's own loop with and
// without the doctor, each in a fresh process, paid +19.5 % (and +21 % for that same doctored loop run alone in a
// fresh process); on N4 4 % against +13 %. A user's Train runs in a fresh worker with the doctor on or off, never
// both: so does each side here.
//
// Why the cost is taken per step as the runs train steadily (steadyPerStep), with what a run pays once beside it:
// a run also pays once, at its start (V8 compiling the doctor's code for it) and at its end (the findings), ~0.15 s
// of CPU on N4, which is 19 % of a 0.8 s run and 5 % of a 3 s one, while the doctor adds almost nothing to N4's
// steps. The goal is on training time, which a long run spends in its steps.

import { DEFAULT_THRESHOLDS } from '../engine/doctor/thresholds';
import { BATCHES, NETWORKS, makeData, type NetId } from './networks';
import { collectGarbage, nnetRunner, specOf, throughRun, type RunMode, type RunTiming } from './nnet';
import { time } from './runner';

/** The two sides: the Train command's run loop without the doctor, and with every rule of it watching. */
export const DOCTOR_SIDES = { bare: 'train', doctor: 'train+doctor' } as const satisfies Record<string, RunMode>;
export type DoctorSide = keyof typeof DOCTOR_SIDES;

/** One side's timed run in its own process: CPU seconds from 'started' to 'finished', and the steps it took. */
export type SideTiming = RunTiming;

/**
 * Steps a run of about `target` steps takes: a whole number of epochs and of the doctor's sampling periods (the update
 * rules measure a burst of steps every `updateSamplePeriod`), so that a short run (N5's ~40 steps) pays the measured
 * share of steps a long one pays, not the burst at step 0 over a fraction of a period.
 */
export function runSteps(target: number): number {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a),
    p = DEFAULT_THRESHOLDS.updateSamplePeriod,
    unit = (BATCHES * p) / gcd(BATCHES, p);
  return Math.max(1, Math.ceil(target / unit)) * unit;
}

/**
 * One side of network `id` in this (fresh) process: a warm-up run of the same side of about `warmup` seconds, a full
 * garbage collection, then one timed run of `steps` optimizer steps (runSteps), or, when `steps` is not given, of
 * about `seconds` judged from the bare trainer's speed during the warm-up (the first process of a network picks it;
 * the others are given it, so every run takes the same steps and pays the same periodic checks). A run longer than
 * max(4·seconds, 5 s) of wall time is stopped there and measured on the steps it did.
 */
export async function measureDoctorSide(
  id: NetId,
  side: DoctorSide,
  seconds: number,
  warmup: number,
  steps?: number,
): Promise<SideTiming> {
  const net = NETWORKS[id],
    data = makeData(net),
    mode = DOCTOR_SIDES[side];
  if (!steps) {
    const speed = time(nnetRunner(net, data), Math.max(0.5, warmup), warmup / 2);
    steps = runSteps((speed.samplesPerSec / net.batch) * seconds);
  }
  const epochs = Math.max(1, Math.round(steps / BATCHES)),
    cap = Math.max(4 * seconds, 5);
  // The warm-up: about `warmup` seconds of the same side (an eighth of the run at least), so the JIT has compiled
  // what this side runs before the clock starts, as the overhead bench warms each mode.
  const warmEpochs = Math.max(1, Math.ceil(epochs * Math.min(1, Math.max(1 / 8, warmup / Math.max(seconds, 1e-3)))));
  await throughRun(specOf(net, data, warmEpochs).source, mode, cap);
  collectGarbage();
  return throughRun(specOf(net, data, epochs).source, mode, cap);
}

/**
 * CPU seconds a step of run `t` takes while it trains steadily: between its first progress mark at a quarter of its
 * steps or later and its last one (bench/nnet.ts RunTiming.marks), leaving out what a run pays once at its start (V8
 * compiling the code it runs, the doctor's first measurements) and at its end (the findings). The whole run's mean
 * when its marks span less than a quarter of its steps.
 */
export function steadyPerStep(t: SideTiming): number {
  const m = t.marks ?? [];
  let first = -1;
  for (let i = 0; i + 1 < m.length; i += 2)
    if (m[i + 1] >= t.steps / 4) {
      first = i;
      break;
    }
  const last = m.length - 2;
  if (first >= 0 && m[last + 1] - m[first + 1] >= t.steps / 4)
    return (m[last] - m[first]) / (m[last + 1] - m[first + 1]);
  return t.seconds / Math.max(1, t.steps);
}

/** The doctor's cost on one network: samples per CPU second bare and watched, and the added time in percent. */
export interface DoctorCost {
  /** Samples per CPU second over the whole runs of each side. */
  readonly bare: number;
  readonly doctor: number;
  /**
   * Median over the pairs of (doctor's time per step ÷ bare time per step − 1), in percent: what the doctor adds to
   * training time. Per step as the runs train steadily (steadyPerStep), where a run's marks allow it (older runs: the
   * whole runs').
   */
  readonly costPct: number;
  /** The middle half of the pairs' costs (25th and 75th percentile), in percent: how far to trust the median. */
  readonly spreadPct: readonly [number, number];
  /**
   * The same median over the whole runs, start and end included: what a run of `stepsPerPair` steps pays, which
   * for a short run is mostly the once-per-run part (`onceMs`).
   */
  readonly wholeRunPct?: number;
  /**
   * What the doctor adds once per run, in CPU ms (median over the pairs): each run's time beyond its steps at its
   * steady rate, the doctored run's less the bare one's.
   */
  readonly onceMs?: number;
  /** Pairs measured (each a bare and a doctored process), and optimizer steps per side of each. */
  readonly pairs: number;
  readonly stepsPerPair: number;
  /**
   * CPU µs per step of each process as it trained steadily, pair by pair, when each side ran in fresh processes
   * through the run loop (absent from runs of the older same-process bench).
   */
  readonly usPerStep?: { readonly bare: readonly number[]; readonly doctor: readonly number[] };
}

/** A quantile of `xs` (the element at ⌊q·n⌋ of the sorted values, the upper median for q = ½ and even n). */
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/**
 * The cost from `pairs` of one bare and one doctored process each (whichever ran first), for a network of `batch`
 * samples per step: per pair the doctored run's CPU time per step against the bare one's, median and middle half
 * over the pairs; the rates over all the runs of a side.
 */
export function doctorCostOf(
  batch: number,
  pairs: readonly { readonly bare: SideTiming; readonly doctor: SideTiming }[],
): DoctorCost {
  if (!pairs.length) throw new Error('no pairs measured');
  const perStep = (t: SideTiming) => t.seconds / Math.max(1, t.steps),
    once = (t: SideTiming) => t.seconds - t.steps * steadyPerStep(t),
    rate = (ts: readonly SideTiming[]) =>
      (batch * ts.reduce((s, t) => s + t.steps, 0)) / ts.reduce((s, t) => s + t.seconds, 0);
  const costs = pairs.map((p) => 100 * (steadyPerStep(p.doctor) / steadyPerStep(p.bare) - 1)),
    whole = pairs.map((p) => 100 * (perStep(p.doctor) / perStep(p.bare) - 1));
  return {
    bare: rate(pairs.map((p) => p.bare)),
    doctor: rate(pairs.map((p) => p.doctor)),
    costPct: quantile(costs, 0.5),
    spreadPct: [quantile(costs, 0.25), quantile(costs, 0.75)],
    wholeRunPct: quantile(whole, 0.5),
    onceMs:
      1000 *
      quantile(
        pairs.map((p) => once(p.doctor) - once(p.bare)),
        0.5,
      ),
    pairs: pairs.length,
    stepsPerPair: pairs[0].bare.steps,
    usPerStep: {
      bare: pairs.map((p) => 1e6 * steadyPerStep(p.bare)),
      doctor: pairs.map((p) => 1e6 * steadyPerStep(p.doctor)),
    },
  };
}

/**
 * The order of `reps` pairs' processes: A B, B A, A B, … (bare first in even pairs), so neither side always runs
 * first while the machine's load drifts; the very first is bare, which picks the step count for all.
 */
export function doctorSideOrder(reps: number): DoctorSide[][] {
  return Array.from({ length: reps }, (_, p) => (p % 2 ? ['doctor', 'bare'] : ['bare', 'doctor']));
}
