// The doctor's cost in instructions (bench/doctorInstructions.ts): steps a process runs, valgrind's count, the cost
// per step from a short and a long run, and its target row. Counting itself needs valgrind: `npm run bench --
// --doctor-instructions` runs it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchJson } from './benchJson';
import { collectedInstructions, instructionCostOf, processSteps, type InstructionRun } from './doctorInstructions';
import { targetsOf } from './targets';

test('a process runs its steps and its warm-up eighth of whole epochs', () => {
  assert.equal(processSteps(40_000), 45_000); // 10,000 epochs of 4 steps + 1,250
  assert.equal(processSteps(80), 92); // 20 epochs + ⌈2.5⌉
  assert.equal(processSteps(320), 360);
});

test("valgrind's count is read from its exit lines", () => {
  const stderr = '==10821== \n==10821== Events    : Ir\n==10821== Collected : 9082698895\n==10821== \n';
  assert.equal(collectedInstructions(stderr), 9_082_698_895);
  assert.equal(collectedInstructions('node: not found'), null);
});

test('the cost per step is the long run’s count less the short one’s, over the steps between them', () => {
  const run = (side: 'bare' | 'doctor', steps: number, once: number, perStep: number): InstructionRun => ({
    side,
    steps,
    processSteps: processSteps(steps),
    instructions: once + perStep * processSteps(steps),
  });
  // What a process pays once differs by far more than its steps do: it cancels out.
  const c = instructionCostOf([
    run('doctor', 320, 9e9, 31_500_000 * 1.04),
    run('bare', 80, 8e9, 31_500_000),
    run('doctor', 80, 9e9, 31_500_000 * 1.04),
    run('bare', 320, 8e9, 31_500_000),
  ]);
  assert.ok(Math.abs(c.bare - 31_500_000) < 1e-3);
  assert.ok(Math.abs(c.costPct - 4) < 1e-9);
  assert.throws(() => instructionCostOf([run('bare', 80, 0, 1), run('bare', 320, 0, 1), run('doctor', 80, 0, 1)]));
});

test('each network’s count is a target row: ≤ 5 %, or why it was not counted', () => {
  const rows = targetsOf({
    doctorInstructions: {
      N1: { status: 'ok', bare: 6540, doctor: 6960, costPct: 6.42, runs: [] },
      N3: { status: 'ok', bare: 31_490_000, doctor: 31_870_000, costPct: 1.21, runs: [] },
      N5: { status: 'n/a', reason: 'valgrind not found (apt-get install valgrind)' },
    },
  } as unknown as BenchJson).filter((t) => t.target.includes('in instructions'));
  assert.deepEqual(
    rows.map((t) => [t.target.slice(0, 2), t.measured, t.standing]),
    [
      ['N1', '+6.4% (6540 → 6960 a step)', 'FAIL'],
      ['N3', '+1.2% (31490000 → 31870000 a step)', 'PASS'],
      ['N5', 'not measured (valgrind not found (apt-get install valgrind))', 'n/a'],
    ],
  );
});
