// Clipping by global norm (triggered and not, per-layer shares) and by value (counts), on hand-checkable numbers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipByGlobalNorm, clipByValue, globalNorm } from './clip';

// Two "layers": [3, 4] (‖·‖² = 25) and [0, 12] (‖·‖² = 144); global norm √169 = 13.
const layers = [
  { start: 0, end: 2 },
  { start: 2, end: 4 },
];

test('global norm clip that triggers: coefficient max/(norm + 1e-6), norm after = max, shares of the norm', () => {
  const g = Float32Array.of(3, 4, 0, 12);
  const r = clipByGlobalNorm(g, 1, layers);
  assert.equal(r.normBefore, 13);
  const c = 1 / (13 + 1e-6);
  assert.ok(Math.abs(r.coefficient - c) < 1e-15, `coefficient ${r.coefficient}`);
  assert.ok(Math.abs(r.normAfter - 13 * c) < 1e-12 && r.normAfter < 1);
  [3, 4, 0, 12].forEach((x, i) => assert.ok(Math.abs(g[i] - x * c) < 1e-7, `g[${i}] = ${g[i]}`));
  assert.ok(Math.abs(globalNorm(g) - 1) < 1e-6);
  // shares = 25/169 and 144/169, measured before clipping, summing to 1.
  assert.ok(r.shares);
  assert.ok(
    Math.abs(r.shares[0] - 25 / 169) < 1e-15 && Math.abs(r.shares[1] - 144 / 169) < 1e-15,
    `shares ${r.shares}`,
  );
  assert.ok(Math.abs(r.shares[0] + r.shares[1] - 1) < 1e-15);
});

test('global norm clip that does not trigger leaves the gradients alone', () => {
  const g = Float32Array.of(3, 4, 0, 12);
  const r = clipByGlobalNorm(g, 20, layers);
  assert.deepEqual(
    { normBefore: r.normBefore, normAfter: r.normAfter, coefficient: r.coefficient },
    { normBefore: 13, normAfter: 13, coefficient: 1 },
  );
  assert.deepEqual(Array.from(g), [3, 4, 0, 12]);
  assert.ok(r.shares && Math.abs(r.shares[1] - 144 / 169) < 1e-15);
  // Exactly at the limit is not over it.
  assert.equal(clipByGlobalNorm(Float32Array.of(3, 4), 5).coefficient, 1);
});

test('without segments there are no shares; with them normBefore is bit-identical', () => {
  const values = [0.1, -0.7, 1e-3, 2.5, -0.33, 0.9, 4e-5];
  const plain = clipByGlobalNorm(Float32Array.from(values), Infinity);
  assert.equal(plain.shares, undefined);
  const tiled = clipByGlobalNorm(Float32Array.from(values), Infinity, [
    { start: 0, end: 3 },
    { start: 3, end: 7 },
  ]);
  const gappy = clipByGlobalNorm(Float32Array.from(values), Infinity, [
    { start: 3, end: 7 },
    { start: 0, end: 2 },
  ]);
  assert.equal(tiled.normBefore, plain.normBefore);
  assert.equal(gappy.normBefore, plain.normBefore);
  assert.ok(gappy.shares && gappy.shares[0] + gappy.shares[1] < 1, 'segments missing entry 2 share less than 1');
});

test('zero and non-finite gradients: shares 0, or NaN on the offending segment; nothing scaled', () => {
  const zero = clipByGlobalNorm(new Float32Array(4), 1, layers);
  assert.equal(zero.normBefore, 0);
  assert.deepEqual(Array.from(zero.shares ?? []), [0, 0]);
  const g = Float32Array.of(3, 4, NaN, 12);
  const r = clipByGlobalNorm(g, 1, layers);
  assert.ok(Number.isNaN(r.normBefore));
  assert.equal(r.coefficient, 1);
  assert.equal(r.shares?.[0], 0);
  assert.ok(Number.isNaN(r.shares?.[1]));
  assert.equal(g[0], 3);
});

test('segments outside the buffer throw RangeError', () => {
  assert.throws(() => clipByGlobalNorm(new Float32Array(4), 1, [{ start: 2, end: 5 }]), RangeError);
  assert.throws(() => clipByGlobalNorm(new Float32Array(4), 1, [{ start: 3, end: 2 }]), RangeError);
});

test('clip by value clamps to ±max and counts the clamped entries', () => {
  const g = Float32Array.of(0.5, -2, 3, -0.1, 1, NaN);
  const r = clipByValue(g, 1);
  assert.deepEqual(r, { clipped: 2, total: 6, maxAbsBefore: 3 });
  assert.deepEqual(Array.from(g.subarray(0, 5)), [0.5, -1, 1, Math.fround(-0.1), 1]);
  assert.ok(Number.isNaN(g[5]), 'NaN passes through, as torch.clamp');
  const none = Float32Array.of(0.5, -0.25);
  assert.deepEqual(clipByValue(none, 1), { clipped: 0, total: 2, maxAbsBefore: 0.5 });
  assert.deepEqual(Array.from(none), [0.5, -0.25]);
  assert.equal(clipByValue(Float32Array.of(-Infinity, 2), 1).clipped, 2);
  assert.throws(() => clipByValue(none, -1), RangeError);
});
