// The SIMD tanh against what a float32 tanh layer stores, tanh32.ts's tanh32(x): equal bit for bit (−0 and NaN
// included) on ~20 million float32 inputs over every binade, both signs, the edges of its ranges and the special
// values; odd lengths and prefixes of longer arrays; and off, it leaves the work to tanh32. The δ of a
// tanh layer, fround(da·(1 − a·a)), against that expression in JavaScript on random, tiny, huge and special values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSimdKernels } from './denseSimd';
import { Prng } from './prng';
import { tanh32 } from './tanh32';
import { tanh32Array, tanhDeltaArray, tanhSimdInto, useSimdTanh } from './tanhSimd';

const f32 = new Float32Array(1),
  bits = new Uint32Array(f32.buffer);

/** Every `stride`-th float32 bit pattern from +0 to +∞, each with its negative, then the extras. */
function inputs(stride: number, extras: readonly number[]): Float32Array {
  const out: number[] = [];
  for (let b = 0; b <= 0x7f800000; b += stride) {
    bits[0] = b;
    out.push(f32[0], -f32[0]);
  }
  return Float32Array.from([...out, ...extras]);
}

const EDGES = [0.0004, 0.00039999, 0.00040001, 7.9053111, 7.905311, 7.905312, 1e-45, 1e-38, 88, 1e30, 3.4e38].flatMap(
  (v) => [Math.fround(v), -Math.fround(v)],
);
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0];

test('tanhSimdInto stores tanh32(x) for every float32 tried (~20 million, both signs, all binades)', () => {
  const x = inputs(211, [...EDGES, ...SPECIAL]);
  assert.ok(x.length > 2e7, `${x.length} inputs`);
  const out = new Float32Array(65536),
    bad: string[] = [];
  for (let at = 0; at < x.length; at += out.length) {
    const z = x.subarray(at, at + out.length);
    assert.ok(tanhSimdInto(out, z, z.length), 'the SIMD kernel runs here');
    for (let k = 0; k < z.length && bad.length < 5; k++) {
      const want = tanh32(z[k]);
      if (!Object.is(out[k], want)) bad.push(`x = ${z[k]}: ${out[k]} instead of ${want}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('odd lengths and the first n values of a longer array: those n written, nothing after them', () => {
  for (const n of [1, 2, 3, 31, 33, 34, 35, 511]) {
    const z = Float32Array.from({ length: n + 5 }, (_, k) => Math.fround(Math.sin(k * 7.1) * 4));
    const out = new Float32Array(n + 5).fill(42);
    tanh32Array(out, z, n);
    for (let k = 0; k < n; k++) assert.ok(Object.is(out[k], tanh32(z[k])), `n = ${n}, k = ${k}`);
    for (let k = n; k < n + 5; k++) assert.equal(out[k], 42, `n = ${n}: value ${k} untouched`);
  }
});

test('switched off (itself or with the dense SIMD kernels), tanhSimdInto declines and tanh32Array gives the same', () => {
  const z = Float32Array.from({ length: 64 }, (_, k) => (k - 32) / 5);
  for (const off of [useSimdTanh, useSimdKernels]) {
    const out = new Float32Array(64);
    off(false);
    try {
      assert.equal(tanhSimdInto(out, z, 64), false);
      tanh32Array(out, z, 64);
    } finally {
      off(true);
    }
    for (let k = 0; k < 64; k++) assert.ok(Object.is(out[k], tanh32(z[k])));
  }
  assert.equal(tanhSimdInto(new Float32Array(64), z, 64), true);
});

test('tanhDeltaArray is fround(da·(1 − a·a)) bit for bit, SIMD on and off, odd lengths, nothing written past n', () => {
  const rng = new Prng(5);
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3e38, 1, -1];
  const value = () => {
    const r = rng.next();
    if (r < 0.1) return special[Math.floor(rng.next() * special.length)];
    return (rng.next() * 2 - 1) * 10 ** Math.floor(rng.next() * 12 - 8);
  };
  for (const simd of [true, false])
    for (const n of [1, 31, 32, 33, 512, 4097]) {
      const da = Float32Array.from({ length: n + 3 }, value),
        a = Float32Array.from({ length: n + 3 }, () => (rng.next() < 0.8 ? Math.tanh(value()) : value()));
      const d = new Float32Array(n + 3).fill(42);
      useSimdTanh(simd);
      try {
        tanhDeltaArray(d, da, a, n);
      } finally {
        useSimdTanh(true);
      }
      for (let k = 0; k < n; k++) {
        const want = Math.fround(da[k] * (1 - a[k] * a[k]));
        assert.ok(Object.is(d[k], want), `SIMD ${simd}, n = ${n}: δ(${da[k]}, ${a[k]}) = ${d[k]}, not ${want}`);
      }
      for (let k = n; k < n + 3; k++) assert.equal(d[k], 42);
    }
});
