// gradStatsSimd.ts's kernel against fastStep.ts's measure loop, bit for bit, on ordinary and special values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradStats, gradStatsKernel, useGradStatsKernel } from './gradStatsSimd';
import { allocateKernelFloats } from './kernelMemory';
import { Prng } from './prng';

/** fastStep.ts's loop for a lanes layer, as generated. */
function loop(G: Float32Array, from: number, n: number, T: number) {
  let s = 0,
    mx = 0,
    sq = 0;
  for (let k = from; k < from + n; k++) {
    const v = Math.abs(G[k]);
    s += v;
    const v2 = v * v;
    sq += v2;
    T += v2;
    if (v > mx) mx = v;
  }
  return { s, mx, sq, T };
}

const SPECIALS = [0, -0, 1e-45, -1e-45, 1.17e-38, 3.4e38, -3.4e38, Infinity, -Infinity, NaN, 1, -1, 0.1];

test("the kernel gives the loop's s, max, Σ g² of the layer and the running Σ g², bit for bit", (t) => {
  const n = 5003;
  const G = allocateKernelFloats(n);
  if (!G) return t.skip('no shared WebAssembly memory here');
  const rnd = new Prng(11);
  for (let k = 0; k < n; k++) G[k] = (rnd.next() - 0.5) * 10 ** Math.floor(rnd.next() * 12 - 9);
  for (const [from, len, T] of [
    [0, n, 0],
    [7, 1, 0.25],
    [1, n - 2, 1e-3],
    [4000, 1003, 123.456],
  ] as const) {
    const got = gradStats(G, from, len, T);
    assert.ok(got, "the kernel runs on gradients in the kernels' memory");
    const want = loop(G, from, len, T);
    for (const key of ['s', 'mx', 'sq', 'T'] as const)
      assert.ok(Object.is(got[key], want[key]), `${key} ${from}+${len}`);
  }
  // Special values, one by one and in runs: NaN is skipped by the maximum and poisons the sums, as in the loop.
  for (let k = 0; k < SPECIALS.length; k++) G[k] = SPECIALS[k];
  for (let from = 0; from < SPECIALS.length; from++)
    for (const len of [1, 2, SPECIALS.length - from]) {
      const got = gradStats(G, from, len, 0)!,
        want = loop(G, from, len, 0);
      for (const key of ['s', 'mx', 'sq', 'T'] as const)
        assert.ok(Object.is(got[key], want[key]) || (Number.isNaN(got[key]) && Number.isNaN(want[key])), key);
    }
});

test("no kernel for gradients outside the kernels' memory, nor when switched off", () => {
  assert.equal(gradStatsKernel(new Float32Array(16)), null);
  const G = allocateKernelFloats(16);
  if (!G) return;
  useGradStatsKernel(false);
  try {
    assert.equal(gradStatsKernel(G), null);
  } finally {
    useGradStatsKernel(true);
  }
  assert.notEqual(gradStatsKernel(G), null);
});
