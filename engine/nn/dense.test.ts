// The dense kernels against the plain loops they replaced, on shapes that take every path: the 4×4-blocked
// JavaScript kernels with all remainders (float32 and float64) and the WebAssembly SIMD kernels (float32 layers of
// ≥ 256 multiply-adds) with padded rows and columns, offsets into the parameter buffer and += accumulation.
// Small integers make every sum exact in float32, so the two must agree bit for bit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denseBackward, denseForward, simdKernelsAvailable, useSimdKernels } from './dense';
import { Prng } from './prng';
import type { FloatArray } from './tensor';

function naiveForward(z: FloatArray, x: FloatArray, p: FloatArray, wOff: number, bOff: number, B: number, C: number, OC: number): void {
  for (let n = 0; n < B; n++) for (let o = 0; o < OC; o++) {
    let s = p[bOff + o];
    for (let i = 0; i < C; i++) s += x[n * C + i] * p[wOff + o * C + i];
    z[n * OC + o] = s;
  }
}

function naiveBackward(dx: FloatArray | null, g: FloatArray, dz: FloatArray, x: FloatArray, p: FloatArray, wOff: number, bOff: number, B: number, C: number, OC: number): void {
  for (let n = 0; n < B; n++) for (let o = 0; o < OC; o++) {
    const d = dz[n * OC + o];
    g[bOff + o] += d;
    for (let i = 0; i < C; i++) g[wOff + o * C + i] += d * x[n * C + i];
    if (dx) for (let i = 0; i < C; i++) dx[n * C + i] += d * p[wOff + o * C + i];
  }
}

const SHAPES = [[1, 1, 1], [3, 5, 2], [4, 4, 4], [5, 7, 9], [7, 3, 13], [37, 64, 29], [37, 63, 29], [32, 2, 300], [64, 785, 10], [3, 1023, 5], [9, 130, 66], [1, 257, 1], [128, 256, 128]];

for (const T of [Float32Array, Float64Array]) {
  for (const simd of [true, false]) {
    test(`dense kernels equal the plain loops exactly (${T.name}, SIMD ${simd ? 'on' : 'off'})`, () => {
      useSimdKernels(simd);
      try {
        const rng = new Prng(3);
        const int = () => Math.floor(rng.next() * 7) - 3;
        const fill = (n: number) => { const a = new T(n); for (let i = 0; i < n; i++) a[i] = int(); return a; };
        for (const [B, C, OC] of SHAPES) {
          const wOff = 3, bOff = wOff + OC * C + 2, P = bOff + OC + 1;
          const x = fill(B * C), p = fill(P), dz = fill(B * OC);
          const z1 = fill(B * OC), z2 = new T(z1);
          naiveForward(z1, x, p, wOff, bOff, B, C, OC);
          denseForward(z2, x, p, wOff, bOff, B, C, OC);
          assert.deepEqual(z2, z1, `forward ${B}×${C}→${OC}`);
          for (const withDx of [true, false]) {
            const g1 = fill(P), g2 = new T(g1), d1 = fill(B * C), d2 = new T(d1);
            naiveBackward(withDx ? d1 : null, g1, dz, x, p, wOff, bOff, B, C, OC);
            denseBackward(withDx ? d2 : null, g2, dz, x, p, wOff, bOff, B, C, OC);
            assert.deepEqual(g2, g1, `dW, db ${B}×${C}→${OC}`);
            assert.deepEqual(d2, d1, `dx ${B}×${C}→${OC}`);
          }
        }
      } finally {
        useSimdKernels(true);
      }
    });
  }
}

test('WebAssembly SIMD is available under this Node (otherwise the engine silently runs ~5× slower)', () => {
  assert.equal(simdKernelsAvailable(), true);
});
