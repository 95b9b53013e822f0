// The kernels' shared memory and its allocator: aligned, zeroed, disjoint blocks, given back when their arrays are
// collected; and the dense products with operands allocated there (used in place) against the same products on
// ordinary arrays (copied), bit for bit, on one thread and split over two; SGD's update in place likewise, on one
// thread and on two.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { denseBackward, denseForward } from './dense';
import { denseInPlaceCount } from './denseSimd';
import {
  acquireDenseThreads,
  denseHelperChunks,
  denseHelpersRunning,
  denseSplitCount,
  setHelperTakesFirst,
  setParallelSgdThreshold,
  setParallelThreshold,
  sgdSplitCount,
  startDenseHelper,
} from './denseThreads';
import { allocateKernelFloats, inKernelMemory, kernelMemory, kernelMemoryTop, useKernelMemory } from './kernelMemory';
import { createOptimizer } from './optimizers';
import { Prng } from './prng';
import { sgdInPlaceCount } from './sgdSimd';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('blocks are 16-byte aligned, zeroed, disjoint, and given back once their arrays are collected', async () => {
  assert.ok(kernelMemory(), 'this runtime shares WebAssembly memory');
  const start = kernelMemoryTop();
  const blocks = [1, 5, 1024, 3, 70000].map((n) => allocateKernelFloats(n)!);
  blocks.forEach((a, i) => {
    assert.ok(inKernelMemory(a) && a.byteOffset % 16 === 0 && a.every((v) => v === 0), `block ${i}`);
    a.fill(i + 1);
  });
  blocks.forEach((a, i) =>
    assert.ok(
      a.every((v) => v === i + 1),
      `block ${i} kept its values: no overlap`,
    ),
  );
  assert.ok(kernelMemoryTop() >= start + 1 + 5 + 1024 + 3 + 70000);
  assert.ok(!inKernelMemory(new Float32Array(4)) && !inKernelMemory(blocks[0].subarray(0)));
  useKernelMemory(false);
  assert.equal(allocateKernelFloats(8), null, 'off: the caller allocates its own');
  useKernelMemory(true);
  blocks.length = 0; // the arrays' last references
  for (let i = 0; i < 50 && kernelMemoryTop() > start; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(kernelMemoryTop(), start, 'every block freed, and the free blocks merged back into the top');
  const again = allocateKernelFloats(2000)!;
  assert.ok(
    again.every((v) => v === 0),
    'a reused block starts from zeros',
  );
});

/** Ordinary values with a few tiny, huge and signed zeros. */
function fill(a: Float32Array, rng: Prng): Float32Array {
  for (let i = 0; i < a.length; i++) {
    const r = rng.next();
    a[i] = r < 0.02 ? -0 : r < 0.04 ? 1e-30 * (rng.next() - 0.5) : (rng.next() * 2 - 1) * 10 ** (rng.next() * 4 - 2);
  }
  return a;
}

/** z, dW and db, dx of one shape (fresh or accumulated), the arrays made by `make`, from the same seeded data. */
function products(B: number, C: number, OC: number, fresh: boolean, make: (n: number) => Float32Array) {
  const rng = new Prng(B * 1000 + C + OC);
  // Parameters at offset 4: W and b 16-byte aligned where C and OC are multiples of 4.
  const wOff = 4,
    bOff = wOff + OC * C,
    P = bOff + OC + 4;
  const [x, p, dz, z, g, dx] = [B * C, P, B * OC, B * OC, P, B * C].map((n) => fill(make(n), rng));
  denseForward(z, x, p, wOff, bOff, B, C, OC);
  denseBackward(dx, g, dz, x, p, wOff, bOff, B, C, OC, fresh);
  denseBackward(null, g, dz, x, p, wOff, bOff, B, C, OC);
  return [z, g, dx].map((a) => a.slice());
}

const SHAPES = [
  [64, 784, 128],
  [64, 128, 64],
  [64, 64, 10],
  [128, 1024, 64],
  [61, 784, 128],
  [8, 12, 20],
  [9, 13, 30],
];
const differing = (a: Float32Array, b: Float32Array) => a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);

test('products on operands in the kernels’ memory equal those on ordinary arrays, one thread and split', async () => {
  const plain = (n: number) => new Float32Array(n),
    inMemory = (n: number) => allocateKernelFloats(n)!;
  const expected = SHAPES.flatMap(([B, C, OC]) => [false, true].map((fresh) => products(B, C, OC, fresh, plain)));
  const check = (label: string) => {
    const before = denseInPlaceCount();
    let i = 0;
    for (const [B, C, OC] of SHAPES)
      for (const fresh of [false, true]) {
        const got = products(B, C, OC, fresh, inMemory);
        ['z', 'dW', 'dx'].forEach((what, j) =>
          assert.equal(differing(got[j], expected[i][j]), 0, `${label}: ${what} of ${B}×${C}→${OC}, fresh ${fresh}`),
        );
        i++;
      }
    assert.ok(denseInPlaceCount() > before, `${label}: operands were used in place`);
  };
  check('one thread');
  const release = acquireDenseThreads();
  setParallelThreshold(0);
  try {
    assert.ok(startDenseHelper(10000), 'the helper thread starts');
    const splits = denseSplitCount();
    check('split');
    assert.ok(denseSplitCount() > splits, 'products were split');
  } finally {
    setParallelThreshold(undefined);
    release();
  }
  for (let i = 0; i < 200 && denseHelpersRunning() > 0; i++) await new Promise((r) => setTimeout(r, 10));
});

test('SGD on buffers in the kernels’ memory updates them in place, the same bits as on ordinary arrays', async () => {
  const release = acquireDenseThreads();
  try {
    sgdInPlace(false);
    // On both threads: each runs sgdSimd's kernel over its chunks of pairs (odd lengths: the last pair's partner).
    setParallelSgdThreshold(0);
    setHelperTakesFirst(true); // however busy the machine, the helper takes part in every update
    assert.ok(startDenseHelper(10000), 'the helper thread starts');
    const helped = denseHelperChunks();
    sgdInPlace(true);
    assert.ok(denseHelperChunks() > helped, 'the helper thread computed some chunks');
  } finally {
    setHelperTakesFirst(false);
    setParallelSgdThreshold(undefined);
    release();
  }
  for (let i = 0; i < 200 && denseHelpersRunning() > 0; i++) await new Promise((r) => setTimeout(r, 10));
});

/** Three SGD updates in the kernels' memory against ordinary arrays; `split`: each update shared with the helper. */
function sgdInPlace(split: boolean): void {
  for (const n of [1024, 1025, 5003, 40001]) {
    const run = (make: (n: number) => Float32Array, shared: boolean) => {
      const rng = new Prng(n);
      const params = fill(make(n), rng),
        grads = fill(make(n), rng);
      const sgd = createOptimizer({ kind: 'sgd', lr: 0.37, weightDecay: 1e-3 }, n, shared);
      for (const lr of [0.37, 1e-3, 3]) {
        sgd.step(params, grads, lr);
        grads.reverse();
      }
      return [params, grads, sgd.saveState().buffers[0]].map((a) => a.slice());
    };
    const plain = run((k) => new Float32Array(k), false);
    const before = sgdInPlaceCount(),
      splits = sgdSplitCount();
    const inPlace = run((k) => allocateKernelFloats(k)!, true);
    assert.equal(sgdInPlaceCount() - before, 3, `${n}: every update in place`);
    assert.equal(sgdSplitCount() - splits, split ? 3 : 0, `${n}: updates split: ${split}`);
    ['params', 'grads', 'applied step'].forEach((what, j) =>
      assert.equal(differing(inPlace[j], plain[j]), 0, `${what} of ${n}: in place vs ordinary arrays, split ${split}`),
    );
  }
}
