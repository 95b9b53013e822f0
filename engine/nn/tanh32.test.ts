// tanh32 against Math.fround(Math.tanh(x)): within TANH32_MAX_ULPS float32 ulps on ~20 million float32 inputs over
// every binade; odd bit for bit; the signed zeros, NaN and the saturated values. (tanhSimd.test.ts checks that the
// SIMD kernel computes tanh32's bits.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TANH32, TANH32_MAX_ULPS, tanh32 } from './tanh32';

const f32 = new Float32Array(1),
  bits = new Int32Array(f32.buffer);
const bitsOf = (v: number) => ((f32[0] = v), bits[0]);

test('tanh32(x) is within TANH32_MAX_ULPS of Math.fround(Math.tanh(x)) (~20 million float32, both signs)', () => {
  let worst = 0,
    at = 0,
    n = 0,
    exact = 0;
  for (let b = 0; b <= 0x7f800000; b += 211) {
    bits[0] = b;
    const x = f32[0];
    for (const v of [x, -x]) {
      const ulps = Math.abs(bitsOf(tanh32(v)) - bitsOf(Math.fround(Math.tanh(v))));
      n++;
      if (ulps === 0) exact++;
      if (ulps > worst) [worst, at] = [ulps, v];
    }
  }
  assert.ok(n > 2e7, `${n} inputs`);
  assert.ok(worst <= TANH32_MAX_ULPS, `${worst} ulps at x = ${at}`);
  assert.ok(exact > 0.9 * n, `${exact} of ${n} exact`);
});

test('tanh32 is odd, bit for bit', () => {
  for (let b = 0; b <= 0x7f800000; b += 4099) {
    bits[0] = b;
    const x = f32[0];
    assert.ok(Object.is(tanh32(-x), -tanh32(x)), `x = ${x}`);
  }
});

test('signed zeros, NaN, ±∞ and the clamp', () => {
  assert.ok(Object.is(tanh32(0), 0) && Object.is(tanh32(-0), -0));
  assert.ok(Number.isNaN(tanh32(NaN)));
  for (const x of [Infinity, 3.4e38, 9, TANH32.clamp, Math.fround(TANH32.clamp * 1.0000001)]) {
    assert.equal(tanh32(x), 1);
    assert.equal(tanh32(-x), -1);
  }
  const tiny = Math.fround(TANH32.tiny * 0.999999);
  assert.equal(tanh32(tiny), tiny);
});
