// relu and its δ over float32 buffers by bits (maskPositive) against the comparison they replace, bit for bit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activationBackward, activationForward } from './activations';

/** z values where a comparison and a mask could part: zeros and NaNs of both signs, subnormals, ±∞, and randoms. */
function awkward(n: number): Float32Array {
  const z = new Float32Array(n),
    bits = new Int32Array(z.buffer);
  const specials = [0, -0, 1e-45, -1e-45, 1.1754942e-38, -1.1754942e-38, Infinity, -Infinity, NaN, 3.4028235e38];
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    z[i] = i < specials.length ? specials[i] : ((seed >>> 8) / (1 << 23) - 1) * 3;
  }
  bits[specials.length] = 0xffc00000 | 0; // a NaN with its sign bit set
  bits[specials.length + 1] = 0x7f800001; // a signalling-pattern NaN
  return z;
}

const same = (a: Float32Array, b: Float32Array) =>
  assert.deepEqual(new Int32Array(a.buffer, a.byteOffset, a.length), new Int32Array(b.buffer, b.byteOffset, b.length));

for (const n of [16, 300, 4099]) {
  test(`relu of ${n} float32 values: the bits of z > 0 ? z : 0, and δ = z > 0 ? ∂L/∂a : 0`, () => {
    const z = awkward(n),
      da = awkward(n).reverse();
    const a = new Float32Array(n),
      dz = new Float32Array(n).fill(7); // assigned, not accumulated: what it held must not show
    activationForward('relu', a, z, 1, n);
    activationBackward('relu', dz, da, z, a, 1, n);
    const wantA = z.map((v) => (v > 0 ? v : 0)),
      wantDz = z.map((v, i) => (v > 0 ? da[i] : 0));
    same(a, wantA);
    same(dz, wantDz);
    // Views into larger buffers (an offset) take the same path.
    const big = new Float32Array(n + 5),
      zAt = new Float32Array(n + 5);
    zAt.set(z, 5);
    activationForward('relu', big.subarray(5), zAt.subarray(5), 1, n);
    same(big.subarray(5), wantA);
  });
}
