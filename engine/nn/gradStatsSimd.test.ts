// gradStatsSimd.ts's kernel against laneSums.ts's JavaScript twin, bit for bit, on ordinary and special values,
// every tail length and unaligned starts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradStats, gradStatsByHalves, gradStatsKernel, useGradStatsKernel } from './gradStatsSimd';
import { allocateKernelFloats } from './kernelMemory';
import { absStats, MX, S, SQ } from './laneSums';
import { Prng } from './prng';

function twin(G: Float32Array, from: number, n: number) {
  const out = new Float64Array(3);
  absStats(G, from, n, out);
  return { s: out[S], sq: out[SQ], mx: out[MX] };
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

const SPECIALS = [0, -0, 1e-45, -1e-45, 1.17e-38, 3.4e38, -3.4e38, Infinity, -Infinity, NaN, 1, -1, 0.1, 2e-40];

test("the kernel gives the twin's Σ|g|, Σ g² and max |g|, bit for bit, at every length and start", (t) => {
  const n = 5003;
  const G = allocateKernelFloats(n);
  if (!G) return t.skip('no shared WebAssembly memory here');
  const rnd = new Prng(11);
  for (let k = 0; k < n; k++) G[k] = (rnd.next() - 0.5) * 10 ** Math.floor(rnd.next() * 12 - 9);
  const cases: [number, number][] = [
    [0, n],
    [1, n - 2],
    [4000, 1003],
  ];
  for (let from = 0; from < 9; from++) for (let len = 0; len < 40; len++) cases.push([from, len]);
  for (const [from, len] of cases) {
    const got = gradStats(G, from, len);
    assert.ok(got, "the kernel runs on gradients in the kernels' memory");
    const want = twin(G, from, len);
    for (const key of ['s', 'sq', 'mx'] as const)
      assert.ok(Object.is(got[key], want[key]), `${key} ${from}+${len}: ${got[key]} against ${want[key]}`);
  }
});

test('the kernel and the twin agree on NaN, ±∞, ±0 and subnormals; the maximum skips NaN', (t) => {
  const n = 64;
  const G = allocateKernelFloats(n);
  if (!G) return t.skip('no shared WebAssembly memory here');
  const rnd = new Prng(5);
  for (let round = 0; round < 300; round++) {
    for (let k = 0; k < n; k++)
      G[k] = rnd.next() < 0.3 ? SPECIALS[Math.floor(rnd.next() * SPECIALS.length)] : rnd.next() - 0.5;
    const from = Math.floor(rnd.next() * 8),
      len = Math.floor(rnd.next() * (n - from + 1));
    const got = gradStats(G, from, len)!,
      want = twin(G, from, len);
    for (const key of ['s', 'sq', 'mx'] as const) assert.ok(same(got[key], want[key]), `${key} round ${round}`);
    assert.ok(!Number.isNaN(got.mx), 'the maximum is never NaN');
  }
  G.fill(NaN, 0, 16);
  G[11] = -3;
  assert.equal(gradStats(G, 0, 16)!.mx, 3, 'NaN skipped, |−3| kept');
  assert.ok(Number.isNaN(gradStats(G, 0, 16)!.sq), 'NaN poisons the sums');
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

test("a tensor's statistics by halves of its lanes (as two threads share it) are the whole kernel's, bit for bit", (t) => {
  const n = 4099;
  const G = allocateKernelFloats(n);
  if (!G) return t.skip('no shared WebAssembly memory here');
  const rnd = new Prng(18);
  for (let k = 0; k < n; k++) G[k] = (rnd.next() - 0.5) * 10 ** Math.floor(rnd.next() * 12 - 9);
  // Specials in either half of a block (lanes 0–3 and 4–7), the maximum in the second half, and in the tail.
  G.set(SPECIALS, 100);
  G[2005] = 3.3e38;
  const cases: [number, number][] = [
    [0, n],
    [1, n - 2],
    [96, 40],
    [2000, 16],
  ];
  for (let from = 0; from < 9; from++) for (let len = 0; len < 40; len++) cases.push([from, len]);
  for (const [from, len] of cases) {
    const got = gradStatsByHalves(G, from, len),
      want = gradStats(G, from, len);
    assert.ok(got && want, "the kernel runs on gradients in the kernels' memory");
    for (const key of ['s', 'sq', 'mx'] as const)
      assert.ok(Object.is(got[key], want[key]), `${key} ${from}+${len}: ${got[key]} against ${want[key]}`);
  }
});
