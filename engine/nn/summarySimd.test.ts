// The summary of a large float32 tensor with the SIMD kernel on and off: the same bits for mean, min, max, ‖·‖,
// mean |·| and max |·| over random tensors of many lengths (tails of 0–7, more than one chunk), signed zeros placed
// to tell which zero came first, a constant tensor, and tensors with NaN or ±∞ (which the kernel hands back).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prng } from './prng';
import { sumSquares } from './laneSums';
import { allocateKernelFloats } from './kernelMemory';
import { laneSumsSimd, mathExtremesSimd, readsInPlace, sumSquaresSimd, useSummarySimd } from './summarySimd';
import { summarize, type TensorSummary } from './tensor';

/** summarize(data) with the kernel on or off. */
function both(data: Float32Array): [TensorSummary, TensorSummary] {
  const on = summarize(data);
  useSummarySimd(false);
  try {
    return [on, summarize(data)];
  } finally {
    useSummarySimd(true);
  }
}

function assertSame(data: Float32Array, what: string): void {
  const [on, off] = both(data);
  for (const k of Object.keys(off) as (keyof TensorSummary)[])
    assert.ok(Object.is(on[k], off[k]), `${what}: ${k} ${on[k]} with the kernel, ${off[k]} without`);
}

test('the kernel runs on a large tensor and covers its whole blocks of eight', () => {
  const data = new Float32Array(4099).fill(1);
  const lanes = new Float64Array(24),
    minMax = new Float64Array(2);
  assert.equal(laneSumsSimd(data, lanes, minMax), 4096);
  assert.deepEqual([...lanes.subarray(0, 8)], new Array(8).fill(512));
  assert.deepEqual([...minMax], [1, 1]);
  assert.equal(laneSumsSimd(new Float32Array(100), lanes, minMax), 0, 'too small: the loop does it');
});

test('random tensors of many lengths and scales: the same summary bit for bit, kernel on and off', () => {
  const rng = new Prng(3);
  for (const n of [2048, 2049, 2055, 4096 + 5, 65536, 65536 + 7, 65536 * 2 + 3, 300_001]) {
    for (const scale of [1e-30, 1e-3, 1, 1e30]) {
      const data = Float32Array.from({ length: n }, () => (rng.next() * 2 - 0.7) * scale);
      assertSame(data, `n = ${n}, scale ${scale}`);
    }
  }
});

test('a zero minimum or maximum keeps the sign of the first zero, wherever its lane', () => {
  for (const [first, later] of [
    [-0, 0],
    [0, -0],
  ])
    for (const at of [0, 1, 7, 9, 3000]) {
      const pos = Float32Array.from({ length: 4096 }, (_, i) => 1 + (i % 5));
      pos[at] = first;
      pos[at + 8 + (at % 3)] = later;
      pos[4095] = later;
      assertSame(pos, `non-negative, first zero ${Object.is(first, -0) ? '−0' : '+0'} at ${at}`);
      const neg = pos.map((v) => -v);
      neg[at] = first;
      neg[at + 8 + (at % 3)] = later;
      assertSame(neg, `non-positive, first zero ${Object.is(first, -0) ? '−0' : '+0'} at ${at}`);
      const [on] = both(pos);
      assert.ok(Object.is(on.min, first), `min is the first zero as it is (${on.min})`);
    }
  assertSame(new Float32Array(5000), 'all +0');
  assertSame(new Float32Array(5000).fill(-0), 'all −0');
  assertSame(new Float32Array(5000).fill(3.5), 'constant');
});

test('NaN or ±∞ anywhere: the same summary (the general loop counts them), kernel on and off', () => {
  for (const bad of [NaN, Infinity, -Infinity])
    for (const at of [0, 5, 2047, 4100]) {
      const data = Float32Array.from({ length: 4103 }, (_, i) => Math.sin(i));
      data[at] = bad;
      assertSame(data, `${bad} at ${at}`);
      assert.equal(summarize(data).nonFinite, 1);
    }
});

test("sumSquaresSimd is laneSums.ts's sumSquares bit for bit, NaN and ±∞ included", () => {
  const rng = new Prng(11);
  for (const n of [2048, 2051, 65536 + 13, 200_003])
    for (const bad of [null, NaN, Infinity, -Infinity]) {
      // magnitudes over eight decades, so that where each square is added shows in the rounding
      const data = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 8 - 4));
      if (bad !== null) data[Math.floor(rng.next() * n)] = bad;
      const got = sumSquaresSimd(data);
      assert.ok(got !== null, 'the kernel runs');
      assert.ok(Object.is(got, sumSquares(data, 0, n)), `n = ${n}, ${bad}: ${got} vs ${sumSquares(data, 0, n)}`);
    }
  // Lane 0 holds 256 · 2^48 = 2^56, whose ulp is 16, the other lanes nothing; the tail's six squares of 9 go to lanes
  // 1–6 and the tree makes 2^56 + 64 of them; added to lane 0 instead, each would round up to 16 (2^56 + 96).
  const lanes = Float32Array.from({ length: 2055 }, (_, i) => (i >= 2049 ? 3 : i % 8 === 0 && i < 2048 ? 2 ** 24 : 0));
  assert.ok(Object.is(sumSquaresSimd(lanes), sumSquares(lanes, 0, lanes.length)), 'the tail, each in its lane');
  assert.equal(sumSquaresSimd(new Float32Array(64)), null, 'too small: sumSquares does it');
});

test('mathExtremesSimd: the extremes of the whole blocks, an extreme or a NaN at any position, a zero extreme a zero', () => {
  const n = 2 * 65536 + 24; // more than one chunk
  const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.9),
    out = new Float64Array(2);
  for (const p of [0, 1, 7, 8, 9, 65535, 65536, 65543, n - 9, n - 1]) {
    const q = (p + 12345) % n;
    data[p] = 5;
    data[q] = -5;
    assert.ok(mathExtremesSimd(data, n, out));
    assert.deepEqual([...out], [5, -5], `5 at ${p}, −5 at ${q}`);
    data[q] = NaN;
    mathExtremesSimd(data, n, out);
    assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]), `NaN at ${q}`);
    data[p] = Math.sin(p) * 0.9;
    data[q] = Math.sin(q) * 0.9;
  }
  // A zero extreme's sign is the caller's to take (extremesInto: the first zero's, historyExtremes.test.ts).
  const zeros = new Float32Array(4096);
  zeros[100] = -0;
  zeros[7] = -1;
  mathExtremesSimd(zeros, zeros.length, out);
  assert.deepEqual([...out], [0, -1], 'max a zero, min −1');
  mathExtremesSimd(zeros.fill(-0), zeros.length, out);
  assert.ok(out[0] === 0 && out[1] === 0, 'only −0: both zero');
  zeros[4000] = -Infinity;
  zeros[9] = Infinity;
  mathExtremesSimd(zeros, zeros.length, out);
  assert.deepEqual([...out], [Infinity, -Infinity], '±∞');
});

test("mathExtremesSimd reads a tensor in the kernels' shared memory in place: the same extremes, each at its own address", () => {
  const n = 2 * 65536 + 24,
    out = new Float64Array(2),
    copied = new Float64Array(2);
  // Three tensors side by side in the shared memory (the middle one at a nonzero address), each with its own extremes.
  const tensors = [1, 2, 3].map((k) => {
    const a = allocateKernelFloats(n);
    if (!a) return null;
    for (let i = 0; i < n; i++) a[i] = Math.sin(i + k) * 0.9;
    return a;
  });
  if (!tensors[1]) return; // no shared memory here: nothing is read in place
  const [before, data, after] = tensors as Float32Array[];
  assert.ok(readsInPlace(data) && data.byteOffset > 0, 'read in place, at an address past the start');
  assert.ok(!readsInPlace(new Float32Array(n)), 'a tensor of its own is copied');
  before.fill(7);
  after.fill(-7);
  for (const p of [0, 1, 7, 8, 9, 65535, 65536, 65543, n - 9, n - 1]) {
    const q = (p + 12345) % n;
    data[p] = 5;
    data[q] = -5;
    assert.ok(mathExtremesSimd(data, n, out));
    assert.deepEqual([...out], [5, -5], `5 at ${p}, −5 at ${q}`);
    assert.ok(mathExtremesSimd(data.slice(), n, copied));
    assert.deepEqual([...copied], [...out], 'as the copy gives');
    data[q] = NaN;
    mathExtremesSimd(data, n, out);
    assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]), `NaN at ${q}`);
    data[p] = Math.sin(p + 2) * 0.9;
    data[q] = Math.sin(q + 2) * 0.9;
  }
  // Only the blocks asked for: an extreme just past them is not read.
  data[n - 8] = 9;
  mathExtremesSimd(data, n - 8, out);
  assert.ok(out[0] < 1, `the block past the end is left out (max ${out[0]})`);
});
