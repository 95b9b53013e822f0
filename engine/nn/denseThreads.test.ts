// The split kernels (a helper thread takes the later rows or columns of each product) against the single-threaded
// SIMD kernels and their JavaScript twins, bit for bit on arbitrary float32 data, with every product split (threshold
// 0) on shapes with padded rows and columns; mid-sized products split only while the helper is awake; and the helper
// thread's lifetime: gone once its last user lets go. Gradient statistics shared a whole tensor per thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denseBackward, denseForward } from './dense';
import { useSimdKernels } from './denseSimd';
import {
  acquireDenseThreads,
  CLAIM_SLOTS,
  denseHelperAwake,
  claimChunk,
  claimWord,
  denseHelpersRunning,
  denseHelperChunks,
  denseSplitCount,
  PARALLEL_AWAKE_MIN_MACS,
  PARALLEL_MIN_MACS,
  setHelperSpin,
  setHelperTakesFirst,
  setParallelSgdThreshold,
  setParallelStatsThreshold,
  setParallelThreshold,
  sgdSplitCount,
  startDenseHelper,
  statsByHalvesCount,
  statsSplitCount,
} from './denseThreads';
import { gradStatsKernel } from './gradStatsSimd';
import { allocateKernelFloats } from './kernelMemory';
import { absStats } from './laneSums';
import { createOptimizer } from './optimizers';
import { Prng } from './prng';

const SHAPES = [
  [8, 8, 8],
  [9, 13, 30],
  [37, 63, 29],
  [64, 784, 128],
  [64, 128, 10],
  [5, 257, 3],
  [128, 1024, 64],
  [12, 4, 40],
];

/** Ordinary values with a few tiny, huge and signed zeros, so that rounding and −0 would show a changed order. */
function data(rng: Prng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    a[i] = r < 0.02 ? -0 : r < 0.04 ? 1e-30 * (rng.next() - 0.5) : (rng.next() * 2 - 1) * 10 ** (rng.next() * 4 - 2);
  }
  return a;
}

/** z, dW (with db) and dx of one shape, from the same seeded data every time. */
function products(B: number, C: number, OC: number): Float32Array[] {
  const rng = new Prng(B * 1000 + C + OC);
  const wOff = 1,
    bOff = wOff + OC * C,
    P = bOff + OC + 2;
  const x = data(rng, B * C),
    p = data(rng, P),
    dz = data(rng, B * OC),
    z = data(rng, B * OC),
    g = data(rng, P),
    dx = data(rng, B * C);
  denseForward(z, x, p, wOff, bOff, B, C, OC);
  denseBackward(dx, g, dz, x, p, wOff, bOff, B, C, OC);
  return [z, g, dx];
}

async function gone(): Promise<void> {
  for (let i = 0; i < 200 && denseHelpersRunning() > 0; i++) await new Promise((r) => setTimeout(r, 10));
}

const differing = (a: Float32Array, b: Float32Array) => a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);

test('split products equal the single-threaded SIMD kernels and their JavaScript twins bit for bit', async () => {
  const one = SHAPES.map(([B, C, OC]) => products(B, C, OC));
  useSimdKernels(false);
  const js = SHAPES.map(([B, C, OC]) => products(B, C, OC));
  useSimdKernels(true);
  const release = acquireDenseThreads();
  setParallelThreshold(0);
  try {
    assert.ok(startDenseHelper(10000), 'the helper thread starts');
    const before = denseSplitCount();
    const two = SHAPES.map(([B, C, OC]) => products(B, C, OC));
    assert.ok(denseSplitCount() - before >= SHAPES.length * 2, 'products were split');
    SHAPES.forEach((s, i) =>
      ['z', 'dW', 'dx'].forEach((what, j) => {
        assert.equal(differing(two[i][j], one[i][j]), 0, `${what} ${s.join('×')}: split vs one thread`);
        assert.equal(differing(two[i][j], js[i][j]), 0, `${what} ${s.join('×')}: split vs JavaScript twins`);
      }),
    );
  } finally {
    setParallelThreshold(undefined);
    release();
  }
  await gone();
  assert.equal(denseHelpersRunning(), 0);
});

test('mid-sized products are split while the helper is awake, and stay on this thread while it sleeps', async () => {
  // 64×128→64: 2^19 multiply-adds, between PARALLEL_AWAKE_MIN_MACS and PARALLEL_MIN_MACS; 64×784→128 above both.
  const mid = layer(64, 128, 64),
    big = layer(64, 784, 128);
  assert.ok(PARALLEL_AWAKE_MIN_MACS <= mid.macs && mid.macs < PARALLEL_MIN_MACS && big.macs >= PARALLEL_MIN_MACS);
  const one = mid.run();
  const same = (got: Float32Array[], when: string) =>
    got.forEach((a, j) => assert.equal(differing(a, one[j]), 0, `${['z', 'dW', 'dx'][j]} ${when} vs one thread`));
  const release = acquireDenseThreads();
  // Whether the helper is awake is made certain rather than timed: it spins without end, then sleeps at once.
  setHelperSpin(2 ** 31 - 1);
  try {
    assert.ok(startDenseHelper(10000), 'the helper thread starts');
    big.run();
    assert.ok(denseHelperAwake(), 'spinning for the next job');
    let before = denseSplitCount();
    same(mid.run(), 'awake');
    assert.equal(denseSplitCount() - before, 3, 'its forward, dW and dx were split');
    setHelperSpin(0);
    for (let i = 0; i < 1000 && denseHelperAwake(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!denseHelperAwake(), 'asleep');
    before = denseSplitCount();
    same(mid.run(), 'asleep');
    assert.equal(denseSplitCount(), before, 'nothing split');
    big.run();
    assert.equal(denseSplitCount() - before, 3, 'large products wake it');
  } finally {
    setHelperSpin(undefined);
    release();
  }
  await gone();
});

/**
 * A layer's operands in the kernels' memory, as a trainer with threads keeps them (used in place), and its products:
 * copies of z, then of dW with db and of dx from a fresh backward pass.
 */
function layer(B: number, C: number, OC: number) {
  const rng = new Prng(B + C + OC);
  const make = (n: number, values: boolean) => {
    const a = allocateKernelFloats(n)!;
    if (values) a.set(data(rng, n));
    return a;
  };
  const x = make(B * C, true),
    p = make(OC * C + OC, true),
    dz = make(B * OC, true),
    z = make(B * OC, false),
    g = make(OC * C + OC, false),
    dx = make(B * C, false);
  return {
    macs: B * C * OC,
    run() {
      denseForward(z, x, p, 0, OC * C, B, C, OC);
      denseBackward(dx, g, dz, x, p, 0, OC * C, B, C, OC, true);
      return [z, g, dx].map((a) => a.slice());
    },
  };
}

/** Params, grads and the applied step after three SGD steps over `n` parameters, in shared memory or not. */
function sgdSteps(n: number, shared: boolean): Float32Array[] {
  const rng = new Prng(n);
  const array = (values: Float32Array) => {
    if (!shared) return values;
    const a = new Float32Array(new SharedArrayBuffer(values.length * 4));
    a.set(values);
    return a;
  };
  const params = array(data(rng, n)),
    grads = array(data(rng, n));
  const sgd = createOptimizer({ kind: 'sgd', lr: 0.37, weightDecay: 1e-3 }, n, shared);
  for (const lr of [0.37, 1e-3, 3]) {
    sgd.step(params, grads, lr);
    grads.reverse(); // new gradients, the same values (some −0, tiny, huge)
  }
  return [params, grads, sgd.saveState().buffers[0]];
}

test('SGD updates split over two threads equal the one-thread loop bit for bit', async () => {
  const sizes = [1, 7, 1024, 5003, 40001];
  const one = sizes.map((n) => sgdSteps(n, false));
  const release = acquireDenseThreads();
  setParallelSgdThreshold(0);
  // However busy the machine, the helper takes part in every update (a helper woken late could find none left).
  setHelperTakesFirst(true);
  try {
    assert.ok(startDenseHelper(10000), 'the helper thread starts');
    const before = sgdSplitCount(),
      helped = denseHelperChunks();
    const two = sizes.map((n) => sgdSteps(n, true));
    assert.equal(sgdSplitCount() - before, 3 * sizes.length, 'every update was split');
    assert.ok(denseHelperChunks() > helped, 'the helper thread computed some chunks');
    sizes.forEach((n, i) =>
      ['params', 'grads', 'applied step'].forEach((what, j) =>
        assert.equal(differing(two[i][j], one[i][j]), 0, `${what} of ${n}: split vs one thread`),
      ),
    );
    // Arrays the helper cannot reach (not shared): the update stays on this thread.
    const split = sgdSplitCount();
    sgdSteps(5003, false);
    assert.equal(sgdSplitCount(), split);
  } finally {
    setHelperTakesFirst(false);
    setParallelSgdThreshold(undefined);
    release();
  }
  await gone();
});

test('gradient statistics shared a tensor per thread equal each tensor alone and the twin bit for bit', async () => {
  // Lengths with and without a tail of < 8, starts off the blocks of eight; NaN, ±∞ and −0 among the values.
  const n = Int32Array.from([40001, 7, 8, 1000, 4099, 1, 16, 3]),
    from = new Int32Array(n.length);
  for (let j = 1; j < n.length; j++) from[j] = from[j - 1] + n[j - 1] + (j % 3);
  const g = allocateKernelFloats(from[n.length - 1] + n[n.length - 1]);
  assert.ok(g, 'the kernels memory');
  g.set(data(new Prng(18), g.length));
  [g[from[3] + 5], g[from[4] + 2], g[from[4] + 9]] = [NaN, -Infinity, Infinity]; // the others' sums stay finite
  const k = gradStatsKernel(g);
  assert.ok(k, 'the statistics kernel');
  const alone = new Float64Array(3 * n.length),
    twin = new Float64Array(3 * n.length);
  n.forEach((len, j) => {
    k.run(g, from[j], len, alone.subarray(3 * j));
    absStats(g, from[j], len, twin.subarray(3 * j));
  });
  const bits = (a: Float64Array) => [...new BigUint64Array(a.buffer, a.byteOffset, a.length)];
  assert.deepEqual(bits(alone), bits(twin), 'kernel and twin');
  const release = acquireDenseThreads();
  setParallelStatsThreshold(0);
  setHelperTakesFirst(true); // the helper takes part however busy the machine is
  try {
    assert.ok(startDenseHelper(10000), 'the helper thread starts');
    const before = statsSplitCount(),
      helped = denseHelperChunks(),
      out = new Float64Array(3 * n.length);
    k.runAll(g, from, n, out);
    assert.equal(statsSplitCount() - before, 1, 'shared with the helper');
    assert.ok(denseHelperChunks() > helped, 'the helper thread computed some tensors');
    assert.deepEqual(bits(out), bits(alone), 'shared vs one tensor at a time');
    // Below the bound (tensors besides the largest: 8 floats), on this thread alone, the same numbers.
    setParallelStatsThreshold(undefined);
    const few = new Float64Array(6);
    k.runAll(g, from.subarray(1, 3), n.subarray(1, 3), few);
    assert.equal(statsSplitCount() - before, 1, 'not shared');
    assert.deepEqual(bits(few), bits(alone.subarray(3, 9)));
  } finally {
    setHelperTakesFirst(false);
    setParallelStatsThreshold(undefined);
    release();
  }
  await gone();
});

test('a tensor far larger than the others, shared by halves of its lanes, equals each tensor alone bit for bit', async () => {
  // The large one first and last (its halves' chunks go first either way), off the blocks of eight, with a tail;
  // ±∞ in each half of a block (lanes 0–3 and 4–7), the maximum in lanes 4–7, a NaN in a small tensor only.
  const n = Int32Array.from([20011, 7, 1000, 16, 3]),
    from = new Int32Array(n.length);
  for (let j = 1; j < n.length; j++) from[j] = from[j - 1] + n[j - 1] + (j % 3) + 1;
  const g = allocateKernelFloats(from[n.length - 1] + n[n.length - 1] + 20011 + 8);
  assert.ok(g, 'the kernels memory');
  g.set(data(new Prng(19), g.length));
  [g[from[0] + 3], g[from[0] + 14]] = [Infinity, -Infinity];
  g[from[2] + 5] = NaN;
  const big = g.length - 20011 - 5;
  g[big + 805] = 3e38;
  const k = gradStatsKernel(g);
  assert.ok(k, 'the statistics kernel');
  const bits = (a: Float64Array) => [...new BigUint64Array(a.buffer, a.byteOffset, a.length)];
  const alone = (f: Int32Array, m: Int32Array) => {
    const out = new Float64Array(3 * f.length);
    m.forEach((len, j) => k.run(g, f[j], len, out.subarray(3 * j)));
    return out;
  };
  const release = acquireDenseThreads();
  setParallelStatsThreshold(undefined, 0);
  setHelperTakesFirst(true); // the helper takes part however busy the machine is
  setHelperSpin(2 ** 31 - 1); // awake for certain (halves are shared only then), until told otherwise below
  try {
    assert.ok(startDenseHelper(10000), 'the helper thread starts');
    assert.ok(denseHelperAwake(), 'spinning for the next job');
    for (const [f, m] of [
      [from, n],
      [Int32Array.from([from[1], from[2], big]), Int32Array.from([n[1], n[2], 20011])],
      [Int32Array.of(big), Int32Array.of(20011)],
    ]) {
      const before = statsSplitCount(),
        halves = statsByHalvesCount(),
        helped = denseHelperChunks(),
        out = new Float64Array(3 * f.length);
      k.runAll(g, f, m, out);
      assert.equal(statsSplitCount() - before, 1, 'shared with the helper');
      assert.equal(statsByHalvesCount() - halves, 1, 'the large tensor by halves');
      assert.ok(denseHelperChunks() > helped, 'the helper thread computed a half');
      assert.deepEqual(bits(out), bits(alone(f, m)), 'by halves vs one tensor at a time');
    }
    // Asleep: not woken for halves; this thread computes the same numbers alone.
    setHelperSpin(0);
    for (let i = 0; i < 1000 && denseHelperAwake(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!denseHelperAwake(), 'asleep');
    const [before, out] = [statsSplitCount(), new Float64Array(3 * n.length)];
    k.runAll(g, from, n, out);
    assert.equal(statsSplitCount(), before, 'not shared');
    assert.deepEqual(bits(out), bits(alone(from, n)), 'asleep vs one tensor at a time');
  } finally {
    setHelperTakesFirst(false);
    setHelperSpin(undefined);
    setParallelStatsThreshold(undefined);
    release();
  }
  await gone();
});

test('the helper thread stops when its last user releases it, not before', async () => {
  const a = acquireDenseThreads(),
    b = acquireDenseThreads();
  assert.ok(startDenseHelper(10000));
  assert.equal(denseHelpersRunning(), 1);
  a();
  a(); // a second release of the same user changes nothing
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(denseHelpersRunning(), 1, 'still used by b');
  b();
  await gone();
  assert.equal(denseHelpersRunning(), 0);
});

test('without users the helper never starts, and products run on one thread', () => {
  const before = denseSplitCount();
  setParallelThreshold(0);
  try {
    assert.equal(startDenseHelper(100), false);
    products(64, 784, 128);
    assert.equal(denseSplitCount(), before);
    assert.equal(denseHelpersRunning(), 0);
  } finally {
    setParallelThreshold(undefined);
  }
});

test('a helper holding an earlier job claims nothing of it once its chunks are gone, whatever CHUNKS says now', () => {
  const c = new Int32Array(CLAIM_SLOTS.length);
  // Job 5: four chunks, claimed in order, then none.
  c[CLAIM_SLOTS.chunks] = 4;
  c[CLAIM_SLOTS.claim] = claimWord(5, 4, 0);
  assert.deepEqual(
    [0, 1, 2, 3, 4].map(() => claimChunk(c, 5)),
    [0, 1, 2, 3, -1],
  );
  // This thread has begun writing job 6, of eight chunks, and has not yet published its claim word: a helper that
  // woke late with job 5's tag must not take a fifth chunk of job 5 (with job 6's half-written arguments).
  c[CLAIM_SLOTS.chunks] = 8;
  assert.equal(claimChunk(c, 5), -1);
  c[CLAIM_SLOTS.claim] = claimWord(6, 8, 0);
  assert.equal(claimChunk(c, 5), -1);
  assert.deepEqual(
    Array.from({ length: 9 }, () => claimChunk(c, 6)),
    [0, 1, 2, 3, 4, 5, 6, 7, -1],
  );
  // Tags wrap at 23 bits: the word keeps the tag's low bits.
  c[CLAIM_SLOTS.claim] = claimWord((1 << 23) + 7, 2, 0);
  assert.equal(claimChunk(c, 7), 0);
});
