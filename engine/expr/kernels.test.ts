// The reduction kernels give, bit for bit, what the plain one-accumulator loops give: on random data with NaN, ±0,
// ±∞ and ties, contiguous and strided, Float32, Float64 and plain arrays, every length around the unrolled blocks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernels, type Kernel } from './kernels';

/** The loops the kernels must agree with: one accumulator, entries in order. */
const reference: Record<keyof typeof kernels, Kernel> = {
  sum: (d, off, n, s) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += d[off + i * s];
    return acc;
  },
  mean: (d, off, n, s) => (n ? reference.sum(d, off, n, s) / n : NaN),
  norm: (d, off, n, s) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += d[off + i * s] * d[off + i * s];
    return Math.sqrt(acc);
  },
  std: (d, off, n, s) => {
    if (!n) return NaN;
    const m = reference.mean(d, off, n, s);
    let acc = 0;
    for (let i = 0; i < n; i++) acc += (d[off + i * s] - m) ** 2;
    return Math.sqrt(acc / n);
  },
  min: (d, off, n, s) => {
    let m = n ? Infinity : NaN;
    for (let i = 0; i < n; i++) {
      const v = d[off + i * s];
      if (v < m || v !== v) m = v;
    }
    return m;
  },
  max: (d, off, n, s) => {
    let m = n ? -Infinity : NaN;
    for (let i = 0; i < n; i++) {
      const v = d[off + i * s];
      if (v > m || v !== v) m = v;
    }
    return m;
  },
  count: (d, off, n, s) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (d[off + i * s] !== 0) c++;
    return c;
  },
  frac: (d, off, n, s) => (n ? reference.count(d, off, n, s) / n : NaN),
  any: (d, off, n, s) => {
    for (let i = 0; i < n; i++) if (d[off + i * s] !== 0) return 1;
    return 0;
  },
  all: (d, off, n, s) => {
    for (let i = 0; i < n; i++) if (d[off + i * s] === 0) return 0;
    return 1;
  },
};

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 2 ** 32;
  };
}

/** An entry drawn from a pool that makes ties, zeros of both signs, infinities and (rarely) NaN likely. */
function entry(rnd: () => number, nanRate: number): number {
  const r = rnd();
  if (r < nanRate) return NaN;
  if (r < 0.15) return rnd() < 0.5 ? 0 : -0;
  if (r < 0.2) return [Infinity, -Infinity, 1, -1][Math.floor(rnd() * 4)];
  if (r < 0.35) return rnd() < 0.5 ? 0.5 : -0.5;
  return (rnd() - 0.5) * 10;
}

test('every reduction kernel gives the bits of the one-loop reference, contiguous and strided', () => {
  const rnd = rng(11);
  const same = (a: number, b: number) => Object.is(a, b);
  let checked = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const n = Math.floor(rnd() * 23),
      s = rnd() < 0.5 ? 1 : 1 + Math.floor(rnd() * 4),
      off = Math.floor(rnd() * 3);
    const nanRate = [0, 0, 0.02, 0.3][Math.floor(rnd() * 4)],
      signs = rnd(); // all non-negative, all non-positive, or mixed: extremes at ±0 often
    const values = Array.from({ length: off + n * s + 2 }, () => {
      const v = entry(rnd, nanRate);
      return signs < 0.25 ? Math.abs(v) : signs < 0.5 ? -Math.abs(v) : v;
    });
    const kind = Math.floor(rnd() * 3);
    const d = kind === 0 ? Float32Array.from(values) : kind === 1 ? Float64Array.from(values) : values;
    for (const name of Object.keys(kernels) as (keyof typeof kernels)[]) {
      const got = kernels[name](d, off, n, s),
        want = reference[name](d, off, n, s);
      assert.ok(same(got, want), `${name} of ${JSON.stringify(Array.from(d))} (off ${off}, n ${n}, s ${s})`);
      checked++;
    }
  }
  assert.equal(checked, 30000);
});

test('max and min keep the first of equal zeros, as the one loop does', () => {
  for (const d of [
    [-0, 0],
    [0, -0],
    [-1, -0, 0, -2, -3, 0, -0, -1],
    [1, 0, -0, 2, 3, -0, 0, 1],
  ]) {
    for (const name of ['max', 'min'] as const)
      assert.ok(Object.is(kernels[name](d, 0, d.length, 1), reference[name](d, 0, d.length, 1)), `${name} ${d}`);
  }
  assert.ok(Object.is(kernels.max([-1, -0, 0, -2, -3], 0, 5, 1), -0));
  assert.ok(Object.is(kernels.min([1, 0, -0, 2, 3], 0, 5, 1), 0));
});
