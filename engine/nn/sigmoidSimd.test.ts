// The SIMD sigmoid against the expression a float32 sigmoid layer stores, Math.fround(sigmoid(x)): equal bit for bit
// (NaN included) on ~20 million float32 inputs over every binade, both signs, the edges of its ranges (the clamp, the
// float32 subnormal results) and the special values; odd lengths and prefixes of longer arrays; and off, it leaves
// the work to sigmoid32. The δ of a sigmoid layer, fround(da·a·(1 − a)), against that expression in JavaScript.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sigmoid } from './activations';
import { useSimdKernels } from './denseSimd';
import { Prng } from './prng';
import { sigmoid32Array, sigmoidDeltaArray, sigmoidSimdInto, useSimdSigmoid } from './sigmoidSimd';

const f32 = new Float32Array(1),
  bits = new Uint32Array(f32.buffer);
const reference = (x: number) => Math.fround(sigmoid(x));

/** Every `stride`-th float32 bit pattern from +0 to +∞, each with its negative, then the extras. */
function inputs(stride: number, extras: readonly number[]): Float32Array {
  const out: number[] = [];
  for (let b = 0; b <= 0x7f800000; b += stride) {
    bits[0] = b;
    out.push(f32[0], -f32[0]);
  }
  return Float32Array.from([...out, ...extras]);
}

/** Around the clamp (120), where σ(−x) leaves float32's subnormals (~103.97) and its normals (~87.3), and 30. */
const EDGES = [30, 29.99999, 30.00001, 87.33, 87.34, 103.27, 103.28, 103.97, 103.98, 104, 119.99, 120, 120.01, 1e-45]
  .flatMap((v) => [Math.fround(v), -Math.fround(v)])
  .concat(Array.from({ length: 4000 }, (_, k) => Math.fround(-86 - k / 200)));
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0];

test('sigmoidSimdInto stores Math.fround(sigmoid(x)) for every float32 tried (~20 million, both signs, all binades)', () => {
  const x = inputs(211, [...EDGES, ...SPECIAL]);
  assert.ok(x.length > 2e7, `${x.length} inputs`);
  const out = new Float32Array(65536),
    bad: string[] = [];
  for (let at = 0; at < x.length; at += out.length) {
    const z = x.subarray(at, at + out.length);
    assert.ok(sigmoidSimdInto(out, z, z.length), 'the SIMD kernel runs here');
    for (let k = 0; k < z.length && bad.length < 5; k++) {
      const want = reference(z[k]);
      if (!Object.is(out[k], want)) bad.push(`x = ${z[k]}: ${out[k]} instead of ${want}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('every float32 in [−2, 2] at a stride of 211 (the range trained layers live in; ~10 million)', () => {
  const half = Math.floor(0x40000000 / 211) + 1;
  const x = new Float32Array(2 * half),
    xBits = new Uint32Array(x.buffer);
  for (let j = 0; j < half; j++) {
    xBits[2 * j] = j * 211 + 5;
    xBits[2 * j + 1] = (j * 211 + 5) | 0x80000000;
  }
  const out = new Float32Array(x.length);
  assert.ok(sigmoidSimdInto(out, x, x.length));
  let bad = 0;
  for (let k = 0; k < x.length; k++) if (!Object.is(out[k], reference(x[k]))) bad++;
  assert.equal(bad, 0, `${bad} of ${x.length} differ`);
});

test('odd lengths and the first n values of a longer array: those n written, nothing after them', () => {
  for (const n of [1, 2, 3, 31, 33, 511]) {
    const z = Float32Array.from({ length: n + 5 }, (_, k) => Math.fround(Math.sin(k * 7.1) * 9));
    const out = new Float32Array(n + 5).fill(42);
    sigmoid32Array(out, z, n);
    for (let k = 0; k < n; k++) assert.ok(Object.is(out[k], reference(z[k])), `n = ${n}, k = ${k}`);
    for (let k = n; k < n + 5; k++) assert.equal(out[k], 42, `n = ${n}: value ${k} untouched`);
  }
});

test('switched off (itself or with the dense SIMD kernels), sigmoidSimdInto declines and sigmoid32Array agrees', () => {
  const z = Float32Array.from({ length: 64 }, (_, k) => (k - 32) / 3);
  for (const off of [useSimdSigmoid, useSimdKernels]) {
    const out = new Float32Array(64);
    off(false);
    try {
      assert.equal(sigmoidSimdInto(out, z, 64), false);
      sigmoid32Array(out, z, 64);
    } finally {
      off(true);
    }
    for (let k = 0; k < 64; k++) assert.ok(Object.is(out[k], reference(z[k])));
  }
  assert.equal(sigmoidSimdInto(new Float32Array(64), z, 64), true);
});

test('sigmoidDeltaArray is fround(da·a·(1 − a)) bit for bit, SIMD on and off, odd lengths, nothing written past n', () => {
  const rng = new Prng(9);
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 3e38, 1, -1];
  const value = () => {
    const r = rng.next();
    if (r < 0.1) return special[Math.floor(rng.next() * special.length)];
    return (rng.next() * 2 - 1) * 10 ** Math.floor(rng.next() * 12 - 8);
  };
  for (const simd of [true, false])
    for (const n of [1, 31, 32, 33, 512, 4097]) {
      const da = Float32Array.from({ length: n + 3 }, value),
        a = Float32Array.from({ length: n + 3 }, () => (rng.next() < 0.8 ? sigmoid(value()) : value()));
      const d = new Float32Array(n + 3).fill(42);
      useSimdSigmoid(simd);
      try {
        sigmoidDeltaArray(d, da, a, n);
      } finally {
        useSimdSigmoid(true);
      }
      for (let k = 0; k < n; k++) {
        const want = Math.fround(da[k] * a[k] * (1 - a[k]));
        assert.ok(Object.is(d[k], want), `SIMD ${simd}, n = ${n}: δ(${da[k]}, ${a[k]}) = ${d[k]}, not ${want}`);
      }
      for (let k = n; k < n + 3; k++) assert.equal(d[k], 42);
    }
});
