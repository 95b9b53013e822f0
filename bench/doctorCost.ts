// What the training doctor costs training: N1–N5 with the bare Trainer loop and with every rule of the doctor
// watching, in one process, interleaved in short pairs of equal step counts (A B, B A, …), each timed in CPU time.
// Both sides train as the worker's run loop does where nothing stops: in whole steps (Trainer.advanceStep), the
// doctor's observed whole (DoctorStops.advanceStep) wherever it can observe them so. The budget is 5 % of training
// time (issue 14). Run by `npm run bench` (bench/child.ts --doctor-cost, one network per fresh process; skip with
// --no-doctor).

import { DoctorStops } from '../debugger/doctorStops';
import { DEFAULT_THRESHOLDS } from '../engine/doctor/thresholds';
import { LIMITS } from '../engine/language/spec';
import { Trainer } from '../engine/runtime/trainer';
import { NETWORKS, makeData, type NetId } from './networks';
import { nnetRunner, specOf } from './nnet';
import type { Runner } from './runner';

/**
 * The Trainer loop with the doctor of a run watching (DoctorStops, as the worker's run loop has it), stepping as the
 * run loop steps with nothing to stop on: a step the doctor can observe whole is taken whole, another event by event.
 */
function doctoredRunner(id: NetId): Runner {
  const net = NETWORKS[id],
    { spec, source } = specOf(net, makeData(net), LIMITS.maxEpochs);
  const t = new Trainer(spec);
  const d = new DoctorStops(t, source);
  const step = () => {
    if (d.canTakeWhole) {
      if (!d.advanceStep(null)) throw new Error('ran out of epochs');
      return;
    }
    for (const s = t.step; t.step === s;) {
      const ev = t.advance();
      if (!ev) throw new Error('ran out of epochs');
      d.observe(ev);
    }
  };
  const advance = (k: number) => {
    for (let i = 0; i < k; i++) step();
  };
  return { samplesPerStep: net.batch, run: advance, sync() {}, loss: () => (advance(1), t.loss) };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Seconds of CPU this process spent: on a machine shared with other jobs, the wall clock of a run also counts the
 * time it waited for a core, which differs between two runs far more than the doctor costs.
 */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds that `k` steps of `r` take. */
function timed(r: Runner, k: number): number {
  const t0 = cpuSeconds();
  r.run(k);
  return cpuSeconds() - t0;
}

/** The doctor's cost on one network: samples per CPU second bare and watched, and the added time in percent. */
export interface DoctorCost {
  readonly bare: number;
  readonly doctor: number;
  /** Median over the pairs of (doctor's time ÷ bare time − 1), in percent: what the doctor adds to training time. */
  readonly costPct: number;
  /** The middle half of the pairs' costs (25th and 75th percentile), in percent: how far to trust the median. */
  readonly spreadPct: readonly [number, number];
  /** Pairs measured, and optimizer steps per side of each. */
  readonly pairs: number;
  readonly stepsPerPair: number;
}

/**
 * Measures network `id` bare and with the doctor for about `seconds` × `reps` CPU seconds per side, after `warmup`
 * seconds each. Both trainers run the same number of steps in every pair, a whole number of the doctor's sampling
 * period (the update rules measure a burst of steps every `updateSamplePeriod`), so every pair pays the same share
 * of the periodic checks; at least `reps` pairs, each ~0.1 s per side or one period, whichever is longer.
 */
export function measureDoctorCost(id: NetId, seconds: number, warmup: number, reps: number): DoctorCost {
  const net = NETWORKS[id],
    bare = nnetRunner(net, makeData(net)), // whole steps, as the run loop takes them without the doctor
    doc = doctoredRunner(id),
    period = DEFAULT_THRESHOLDS.updateSamplePeriod;
  // Warm both up by whole periods (so they stay in step), and learn how long one period takes.
  let periods = 0,
    spent = 0;
  while (spent < warmup || periods < 2) {
    spent += timed(bare, period);
    timed(doc, period);
    periods++;
  }
  const perPeriod = spent / periods,
    k = Math.max(1, Math.round(0.1 / perPeriod)),
    pairs = Math.max(reps, Math.round((seconds * reps) / (k * perPeriod))),
    steps = k * period;
  const costs: number[] = [];
  let bareTime = 0,
    docTime = 0;
  for (let p = 0; p < pairs; p++) {
    // A B, B A, …: neither side always runs first (the caches and the machine's load drift).
    let tb: number, td: number;
    if (p % 2) {
      td = timed(doc, steps);
      tb = timed(bare, steps);
    } else {
      tb = timed(bare, steps);
      td = timed(doc, steps);
    }
    bareTime += tb;
    docTime += td;
    costs.push(100 * (td / tb - 1));
  }
  const sorted = [...costs].sort((a, b) => a - b),
    at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    bare: (pairs * steps * net.batch) / bareTime,
    doctor: (pairs * steps * net.batch) / docTime,
    costPct: median(costs),
    spreadPct: [at(0.25), at(0.75)],
    pairs,
    stepsPerPair: steps,
  };
}
