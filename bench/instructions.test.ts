// Unit tests of bench/instructions.ts's parsing and arithmetic, and of the step loops it counts (bench/stepLoop.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collected, perStep } from './instructions';
import { stepLoop } from './stepLoop';

test('collected reads the total callgrind reports, and NaN where it reported none', () => {
  const stderr =
    '==123== Events    : Ir\n==123== Collected : 3439674687\n==123==\n==123== I   refs:      3,439,674,687\n';
  assert.equal(collected(stderr), 3439674687);
  assert.ok(Number.isNaN(collected('valgrind: command not found')));
});

test('perStep is the difference over the steps between the two runs', () => {
  assert.equal(perStep(100, 1_000_000, 400, 1_900_000), 3000);
  assert.ok(Number.isNaN(perStep(400, 1, 400, 2)));
});

test('each side trains the steps asked, the doctor side through its quiet runs and measured steps', () => {
  // 100 steps cross N1's sampling periods (40) and epochs (4 steps): quiet runs, measured bursts and epoch ends.
  assert.deepEqual(stepLoop('N1', 'bare', 100), { steps: 100, quiet: 0 });
  const n1 = stepLoop('N1', 'doctor', 100);
  assert.equal(n1.steps, 100);
  // Bursts of 3 measured steps at steps 0, 40 and 80 are not quiet; most of the others are.
  assert.ok(n1.quiet >= 50 && n1.quiet <= 91, `quiet ${n1.quiet}`);
  assert.equal(stepLoop('N2', 'doctor', 10).steps, 10);
});
