// The doctor bench's bookkeeping: the order of its processes, the length of its runs and the cost from their timings
// (content, not speed); and one short side of each kind run through the real run loop.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../engine/doctor/thresholds';
import { DOCTOR_SIDES, doctorCostOf, doctorSideOrder, measureDoctorSide, runSteps, steadyPerStep } from './doctorCost';
import { BATCHES } from './networks';
import { RUN_MODES } from './nnet';

test('the processes alternate A B, B A, … and the first one is bare', () => {
  assert.deepEqual(doctorSideOrder(4), [
    ['bare', 'doctor'],
    ['doctor', 'bare'],
    ['bare', 'doctor'],
    ['doctor', 'bare'],
  ]);
});

test('a run is whole epochs and whole sampling periods, at least the steps asked', () => {
  const period = DEFAULT_THRESHOLDS.updateSamplePeriod;
  for (const target of [0, 1, 16, 39, 40, 41, 1e6 + 3]) {
    const k = runSteps(target);
    assert.ok(k >= target && k > 0, `${target} → ${k}`);
    assert.equal(k % BATCHES, 0);
    assert.equal(k % period, 0);
    assert.ok(k - target < period * BATCHES, `${target} → ${k}`);
  }
});

test('the cost is the median over the pairs of time per step, with the middle half and the rates of all runs', () => {
  const run = (seconds: number, steps = 1000) => ({ seconds, steps, capped: false });
  // Per pair: +10 %, +30 %, +20 % (a doctored run stopped early at 500 steps: per step, 0.6 s ÷ 500 against 1 s ÷ 1000).
  const pairs = [
    { bare: run(1), doctor: run(1.1) },
    { bare: run(1), doctor: run(1.3) },
    { bare: run(1), doctor: run(0.6, 500) },
  ];
  const c = doctorCostOf(4, pairs);
  assert.ok(Math.abs(c.costPct - 20) < 1e-9, String(c.costPct));
  assert.ok(Math.abs(c.spreadPct[0] - 10) < 1e-9 && Math.abs(c.spreadPct[1] - 30) < 1e-9, String(c.spreadPct));
  assert.ok(Math.abs(c.bare - (4 * 3000) / 3) < 1e-9, String(c.bare));
  assert.ok(Math.abs(c.doctor - (4 * 2500) / 3) < 1e-9, String(c.doctor));
  assert.deepEqual([c.pairs, c.stepsPerPair], [3, 1000]);
  assert.deepEqual(
    c.usPerStep?.doctor.map((u) => Math.round(u)),
    [1100, 1300, 1200],
  );
  assert.throws(() => doctorCostOf(4, []));
});

test('the steady rate runs from the first progress mark at a quarter of the run to the last one', () => {
  // 1000 steps in 1.5 s, of which 0.3 s at the start and 0.2 s at the end: 1 ms a step between the marks.
  const marks = [0.35, 50, 0.5, 200, 0.55, 250, 1.1, 800, 1.3, 1000];
  assert.ok(Math.abs(steadyPerStep({ seconds: 1.5, steps: 1000, capped: false, marks }) - 1e-3) < 1e-12);
  // Marks spanning less than a quarter of the run, or none: the whole run's mean.
  assert.equal(steadyPerStep({ seconds: 1.5, steps: 1000, capped: false, marks: [1.2, 900, 1.3, 1000] }), 1.5e-3);
  assert.equal(steadyPerStep({ seconds: 1.5, steps: 1000, capped: false }), 1.5e-3);
  // The cost from the steady rates, the whole runs' beside it, and what the doctor adds once per run.
  const bare = { seconds: 1.2, steps: 1000, capped: false, marks: [0.3, 250, 1.05, 1000] }, // 1 ms a step, 0.2 s once
    doctor = { seconds: 1.5, steps: 1000, capped: false, marks: [0.4, 250, 1.225, 1000] }; // 1.1 ms, 0.4 s once
  const c = doctorCostOf(4, [{ bare, doctor }]);
  assert.ok(Math.abs(c.costPct - 10) < 1e-9, String(c.costPct));
  assert.ok(Math.abs(c.wholeRunPct! - 25) < 1e-9, String(c.wholeRunPct));
  assert.ok(Math.abs(c.onceMs! - 200) < 1e-6, String(c.onceMs));
});

test('each side trains the steps it is given through the run loop, the doctored one with the doctor', async () => {
  // The Train command's run loop, without and with the doctor: the same mode otherwise.
  const { doctor: on, ...rest } = RUN_MODES[DOCTOR_SIDES.doctor];
  assert.equal(on, true);
  assert.deepEqual(RUN_MODES[DOCTOR_SIDES.bare], rest);
  const bare = await measureDoctorSide('N1', 'bare', 0.01, 0, 40),
    doctor = await measureDoctorSide('N1', 'doctor', 0.01, 0, 40);
  for (const s of [bare, doctor]) {
    assert.equal(s.steps, 40);
    assert.equal(s.capped, false);
    assert.ok(s.seconds >= 0);
  }
});
