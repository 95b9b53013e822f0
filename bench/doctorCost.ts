// What the training doctor costs training: each network trained as the Train command trains it (the worker's run
// loop, TrainingRun, bench/nnet.ts's `train` and `train+doctor` modes), each run in a fresh process, the two sides
// interleaved across processes (A B, B A, …), each timed in CPU time. The budget is 5 % of training time (issue 14).
// Run by `npm run bench` (bench/runCosts.ts spawns bench/child.ts --doctor-cost per side; skip with --no-doctor),
// through the machinery the debugger's overhead bench uses too (bench/freshSides.ts).
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
//
// Why each timed run follows a warm-up run of the same steps (bench/freshSides.ts measureSide `warmWhole`): runs of one
// network take the same path, so V8 has then met every path the timed run takes (only each run's generated step is
// compiled anew, on both sides). After a half-second warm-up, N1's timed runs met the doctor's first unchanged-weights
// hits, and V8 compiled again inside the timed window: N1 read 7.5 % and 6.9 % (16 pairs each, 2026-12-03), and after a
// whole warm-up, in runs one after the other with the same code, 4.4 % and 3.1 %. What a run pays in a fresh process is
// given beside the cost (fresh run: each process's warm-up run, whole).

import type { RunMode } from './nnet';
import { earlyPerStep, quantile, ratioStats, samplesPerCpuSecond, steadyPerStep, type SideRun } from './freshSides';

/** The two sides: the Train command's run loop without the doctor, and with every rule of it watching. */
export const DOCTOR_SIDES = { bare: 'train', doctor: 'train+doctor' } as const satisfies Record<string, RunMode>;
export type DoctorSide = keyof typeof DOCTOR_SIDES;

/**
 * One side's timed run in its own process, after a warm-up run of the same steps whose own timing is `fresh` (bench/
 * freshSides.ts measureSide with `warmWhole`).
 */
export type SideTiming = SideRun;

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
   * The same median over each process's warm-up run, whole: what a run of `stepsPerPair` steps pays in a fresh
   * process, V8 compiling the code it meets for the first time included (absent from runs without a whole warm-up).
   */
  readonly freshRunPct?: number;
  /**
   * The same median over each timed run's first quarter (earlyPerStep: from its start to where the steady rate is
   * taken from), its start included: on a tiny network, the steps while it still learns (absent without marks).
   */
  readonly firstQuarterPct?: number;
  /**
   * What the doctor adds once per run, in CPU ms (median over the pairs): each run's time beyond its steps at its
   * steady rate, the doctored run's less the bare one's.
   */
  readonly onceMs?: number;
  /**
   * Whether each pair's two processes ran at once, taking turns on one CPU (pinned; the CPU alternating from pair to
   * pair), rather than one after the other: the machine's slow and fast spells then fall on both alike.
   */
  readonly oneCpu?: boolean;
  /** Pairs measured (each a bare and a doctored process), and optimizer steps per side of each. */
  readonly pairs: number;
  readonly stepsPerPair: number;
  /**
   * CPU µs per step of each process as it trained steadily, pair by pair, when each side ran in fresh processes
   * through the run loop (absent from runs of the older same-process bench).
   */
  readonly usPerStep?: { readonly bare: readonly number[]; readonly doctor: readonly number[] };
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
  const perStep = (t: { readonly seconds: number; readonly steps: number }) => t.seconds / Math.max(1, t.steps),
    once = (t: SideTiming) => t.seconds - t.steps * steadyPerStep(t);
  const cost = ratioStats(pairs, 'doctor', 'bare'),
    whole = pairs.map((p) => 100 * (perStep(p.doctor) / perStep(p.bare) - 1)),
    fresh = pairs.every((p) => p.bare.fresh && p.doctor.fresh)
      ? pairs.map((p) => 100 * (perStep(p.doctor.fresh!) / perStep(p.bare.fresh!) - 1))
      : null,
    early = pairs.map((p) => 100 * (earlyPerStep(p.doctor) / earlyPerStep(p.bare) - 1));
  return {
    bare: samplesPerCpuSecond(
      batch,
      pairs.map((p) => p.bare),
    ),
    doctor: samplesPerCpuSecond(
      batch,
      pairs.map((p) => p.doctor),
    ),
    costPct: cost.median,
    spreadPct: cost.spread,
    wholeRunPct: quantile(whole, 0.5),
    ...(fresh && { freshRunPct: quantile(fresh, 0.5) }),
    ...(early.every(Number.isFinite) && { firstQuarterPct: quantile(early, 0.5) }),
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
