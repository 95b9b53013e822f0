// The doctor bench's cost from its processes' timings (content, not speed); and one short side of each kind run through
// the real run loop. The order of the processes and the length of the runs: bench/freshSides.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCTOR_SIDES, doctorCostOf } from './doctorCost';
import { doctorCostTable } from './runCosts';
import { measureSide } from './freshSides';
import { RUN_MODES } from './nnet';

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

test("the cost is taken from the steady rates, with the whole runs' and what the doctor adds once per run", () => {
  // The cost from the steady rates, the whole runs' beside it, and what the doctor adds once per run.
  const bare = { seconds: 1.2, steps: 1000, capped: false, marks: [0.3, 250, 1.05, 1000] }, // 1 ms a step, 0.2 s once
    doctor = { seconds: 1.5, steps: 1000, capped: false, marks: [0.4, 250, 1.225, 1000] }; // 1.1 ms, 0.4 s once
  const c = doctorCostOf(4, [{ bare, doctor }]);
  assert.ok(Math.abs(c.costPct - 10) < 1e-9, String(c.costPct));
  assert.ok(Math.abs(c.wholeRunPct! - 25) < 1e-9, String(c.wholeRunPct));
  assert.ok(Math.abs(c.onceMs! - 200) < 1e-6, String(c.onceMs));
  // The first quarter: 0.3 s and 0.4 s for 250 steps.
  assert.ok(Math.abs(c.firstQuarterPct! - 100 / 3) < 1e-9, String(c.firstQuarterPct));
  assert.equal(c.freshRunPct, undefined); // (no warm-up run's timing given)
});

test("what a fresh run pays is the median over the pairs of their warm-up runs', whole", () => {
  const run = (seconds: number, fresh: number) => ({
    seconds,
    steps: 1000,
    capped: false,
    fresh: { seconds: fresh, steps: 1000 },
  });
  // Warm-up runs: +50 %, +10 %, +20 %; timed runs: +5 % each.
  const pairs = [
    { bare: run(1, 1.2), doctor: run(1.05, 1.8) },
    { bare: run(1, 1.5), doctor: run(1.05, 1.65) },
    { bare: run(1, 1.0), doctor: run(1.05, 1.2) },
  ];
  const c = doctorCostOf(4, pairs);
  assert.ok(Math.abs(c.freshRunPct! - 20) < 1e-9, String(c.freshRunPct));
  assert.ok(Math.abs(c.costPct - 5) < 1e-9, String(c.costPct));
  // A pair without its warm-up runs' timing: no fresh-run cost at all, rather than one over some of the pairs.
  assert.equal(
    doctorCostOf(4, [...pairs, { bare: run(1, 1), doctor: { seconds: 1, steps: 1000, capped: false } }]).freshRunPct,
    undefined,
  );
});

test('each side trains the steps it is given through the run loop, the doctored one with the doctor', async () => {
  // The Train command's run loop, without and with the doctor: the same mode otherwise.
  const { doctor: on, ...rest } = RUN_MODES[DOCTOR_SIDES.doctor];
  assert.equal(on, true);
  assert.deepEqual(RUN_MODES[DOCTOR_SIDES.bare], rest);
  // As bench/child.ts --doctor-cost measures each: after a warm-up run of the same steps, whose timing comes too.
  const bare = await measureSide('N1', DOCTOR_SIDES.bare, 0.01, 0, 40, 1, true),
    doctor = await measureSide('N1', DOCTOR_SIDES.doctor, 0.01, 0, 40, 1, true);
  for (const s of [bare, doctor]) {
    assert.equal(s.steps, 40);
    assert.equal(s.capped, false);
    assert.ok(s.seconds >= 0);
    assert.equal(s.fresh?.steps, 40);
    assert.ok(s.fresh.seconds >= 0);
  }
  // Without a whole warm-up (the overhead bench's sides), no warm-up timing.
  assert.equal((await measureSide('N1', DOCTOR_SIDES.bare, 0.01, 0, 40)).fresh, undefined);
});

test('the printed table has a column per number, each under its name, and says why a network was not measured', () => {
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const c = doctorCostOf(4, [
    {
      bare: {
        seconds: 1.2,
        steps: 1000,
        capped: false,
        marks: [0.3, 250, 1.05, 1000],
        fresh: { seconds: 1.5, steps: 1000 },
      },
      doctor: {
        seconds: 1.5,
        steps: 1000,
        capped: false,
        marks: [0.4, 250, 1.225, 1000],
        fresh: { seconds: 2.1, steps: 1000 },
      },
    },
  ]);
  const lines = doctorCostTable(['N1', 'N9'], {
    N1: { status: 'ok', ...c },
    N9: { status: 'n/a', reason: 'no such network' },
  }).split('\n');
  const header = cells(lines[0]);
  for (const line of lines.slice(1)) assert.equal(cells(line).length, header.length, line);
  const row = Object.fromEntries(header.map((h, i) => [h, cells(lines[2])[i]]));
  assert.deepEqual(
    [row.cost, row['first quarter'], row['fresh run'], row['whole run'], row.once, row['pairs × steps']],
    ['10.0%', '33.3%', '40.0%', '25.0%', '200 ms', '1 × 1000'],
  );
  assert.equal(cells(lines[3])[3], 'no such network');
});
