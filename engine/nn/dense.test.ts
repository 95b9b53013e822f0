// The dense kernels against the plain loops they replaced, on shapes that take every path: the 4×4-blocked
// JavaScript kernels with all remainders (float32 and float64) and the WebAssembly SIMD kernels (float32 layers of
// ≥ 256 multiply-adds) with padded rows and columns, offsets into the parameter buffer and += accumulation.
// Small integers make every sum exact in float32, so the two must agree bit for bit. Then the SIMD kernels against
// their JavaScript twins (denseLanes.ts) on arbitrary float32 data, where only the same operations in the same order
// can agree bit for bit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denseBackward, denseForward } from './dense';
import { simdKernelsAvailable, useSimdKernels } from './denseSimd';
import { Prng } from './prng';
import type { FloatArray } from './tensor';

function naiveForward(
  z: FloatArray,
  x: FloatArray,
  p: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let n = 0; n < B; n++)
    for (let o = 0; o < OC; o++) {
      let s = p[bOff + o];
      for (let i = 0; i < C; i++) s += x[n * C + i] * p[wOff + o * C + i];
      z[n * OC + o] = s;
    }
}

function naiveBackward(
  dx: FloatArray | null,
  g: FloatArray,
  dz: FloatArray,
  x: FloatArray,
  p: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let n = 0; n < B; n++)
    for (let o = 0; o < OC; o++) {
      const d = dz[n * OC + o];
      g[bOff + o] += d;
      for (let i = 0; i < C; i++) g[wOff + o * C + i] += d * x[n * C + i];
      if (dx) for (let i = 0; i < C; i++) dx[n * C + i] += d * p[wOff + o * C + i];
    }
}

const SHAPES = [
  [1, 1, 1],
  [3, 5, 2],
  [4, 4, 4],
  [5, 7, 9],
  [7, 3, 13],
  [37, 64, 29],
  [37, 63, 29],
  [32, 2, 300],
  [64, 785, 10],
  [3, 1023, 5],
  [9, 130, 66],
  [1, 257, 1],
  [128, 256, 128],
];

for (const T of [Float32Array, Float64Array]) {
  for (const simd of [true, false]) {
    test(`dense kernels equal the plain loops exactly (${T.name}, SIMD ${simd ? 'on' : 'off'})`, () => {
      useSimdKernels(simd);
      try {
        const rng = new Prng(3);
        const int = () => Math.floor(rng.next() * 7) - 3;
        const fill = (n: number) => {
          const a = new T(n);
          for (let i = 0; i < n; i++) a[i] = int();
          return a;
        };
        for (const [B, C, OC] of SHAPES) {
          const wOff = 3,
            bOff = wOff + OC * C + 2,
            P = bOff + OC + 1;
          const x = fill(B * C),
            p = fill(P),
            dz = fill(B * OC);
          const z1 = fill(B * OC),
            z2 = new T(z1);
          naiveForward(z1, x, p, wOff, bOff, B, C, OC);
          denseForward(z2, x, p, wOff, bOff, B, C, OC);
          assert.deepEqual(z2, z1, `forward ${B}×${C}→${OC}`);
          for (const withDx of [true, false]) {
            const g1 = fill(P),
              g2 = new T(g1),
              d1 = fill(B * C),
              d2 = new T(d1);
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

/** Random float32 values of every kind the kernels may meet: ordinary, tiny (subnormal products), ±0, huge, ±Inf. */
function wild(rng: Prng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.next(),
      v = (rng.next() * 2 - 1) * 10 ** Math.floor(rng.next() * 8 - 4);
    a[i] =
      r < 0.04
        ? -0
        : r < 0.06
          ? 0
          : r < 0.07
            ? v * 1e-38
            : r < 0.075
              ? v * 1e36
              : r < 0.077
                ? rng.next() < 0.5
                  ? Infinity
                  : -Infinity
                : v;
  }
  return a;
}

/** Indices where two arrays differ as float32 bit patterns (NaN equals NaN: wasm does not fix NaN payloads). */
function bitDiffs(a: Float32Array, b: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

test('the SIMD kernels and their JavaScript twins give the same float32 bits on every shape, −0, subnormals and Inf', () => {
  assert.ok(simdKernelsAvailable(), 'needs WebAssembly SIMD to compare against');
  const rng = new Prng(11);
  const shapes = [
    ...SHAPES,
    [4, 64, 4],
    [5, 9, 7],
    [6, 13, 6],
    [2, 130, 3],
    [33, 17, 9],
    [8, 8, 5],
    [13, 4, 7],
    [3, 3, 29],
  ];
  try {
    for (const [B, C, OC] of shapes) {
      if (B * C * OC < 256) continue; // the small layers have one (float64-summing) path only
      const wOff = 5,
        bOff = wOff + OC * C + 1,
        P = bOff + OC + 2;
      const x = wild(rng, B * C),
        p = wild(rng, P),
        dz = wild(rng, B * OC),
        z0 = wild(rng, B * OC),
        g0 = wild(rng, P),
        d0 = wild(rng, B * C);
      const run = (simd: boolean) => {
        useSimdKernels(simd);
        const z = new Float32Array(z0),
          g = new Float32Array(g0),
          dx = new Float32Array(d0),
          g1 = new Float32Array(g0);
        denseForward(z, x, p, wOff, bOff, B, C, OC);
        denseBackward(dx, g, dz, x, p, wOff, bOff, B, C, OC);
        denseBackward(null, g1, dz, x, p, wOff, bOff, B, C, OC);
        return { z, g, dx, g1 };
      };
      const a = run(true),
        b = run(false);
      for (const k of ['z', 'g', 'dx', 'g1'] as const) {
        const d = bitDiffs(a[k], b[k]);
        assert.deepEqual(
          d.slice(0, 3).map((i) => [a[k][i], b[k][i]]),
          [],
          `${k} of ${B}×${C}→${OC}: ${d.length} entries differ`,
        );
      }
    }
  } finally {
    useSimdKernels(true);
  }
});

test('the float32 bias gradient (SIMD kernel and twin) is the per-sample float32 sum in sample order, −0 kept', () => {
  const rng = new Prng(17);
  try {
    for (const [B, C, OC] of [
      [32, 16, 16],
      [32, 2, 16],
      [33, 16, 3],
      [7, 9, 17],
      [5, 4, 33],
      [130, 2, 9],
    ]) {
      const wOff = 1,
        bOff = wOff + OC * C + 3,
        P = bOff + OC + 2;
      const x = wild(rng, B * C),
        p = wild(rng, P),
        dz = wild(rng, B * OC),
        g0 = wild(rng, P);
      // A column of −0 onto a −0 bias gradient: +0 from padding rows would turn the sum into +0.
      g0[bOff] = -0;
      for (let n = 0; n < B; n++) dz[n * OC] = -0;
      const want = new Float32Array(g0);
      for (let n = 0; n < B; n++) for (let o = 0; o < OC; o++) want[bOff + o] += dz[n * OC + o];
      for (const simd of [true, false]) {
        useSimdKernels(simd);
        const g = new Float32Array(g0);
        denseBackward(null, g, dz, x, p, wOff, bOff, B, C, OC);
        const d = bitDiffs(g.subarray(bOff, bOff + OC), want.subarray(bOff, bOff + OC));
        assert.deepEqual(d, [], `db of ${B}×${C}→${OC}, SIMD ${simd ? 'on' : 'off'}`);
      }
    }
  } finally {
    useSimdKernels(true);
  }
});

test('a fresh backward writes the bits of zeroing dW, db and dx first, whatever they held, on every path', () => {
  const rng = new Prng(23);
  try {
    for (const [B, C, OC] of [...SHAPES, [8, 64, 16], [5, 9, 7], [2, 3, 2]])
      for (const simd of [true, false])
        for (const f64 of [false, true]) {
          useSimdKernels(simd);
          const wOff = 3,
            bOff = wOff + OC * C + 2,
            P = bOff + OC + 1;
          const make = (a: Float32Array) => (f64 ? new Float64Array(a) : new Float32Array(a));
          const x = make(wild(rng, B * C)),
            p = make(wild(rng, P)),
            dz = make(wild(rng, B * OC));
          for (let n = 0; n < B; n++) dz[n * OC] = -0; // a column of −0: +0 only where zeros were added
          const g0 = make(wild(rng, P)),
            d0 = make(wild(rng, B * C + 5)); // longer than B·C: the rest is not dx's and stays
          const want = { g: make(new Float32Array(g0)), dx: make(new Float32Array(d0)) };
          want.g.fill(0, wOff, wOff + OC * C);
          want.g.fill(0, bOff, bOff + OC);
          want.dx.fill(0, 0, B * C);
          denseBackward(want.dx, want.g, dz, x, p, wOff, bOff, B, C, OC);
          const g = make(new Float32Array(g0)),
            dx = make(new Float32Array(d0));
          // Not fresh over the same values first: the kernels' memory then holds them where the fresh call must not look.
          denseBackward(make(new Float32Array(d0)), make(new Float32Array(g0)), dz, x, p, wOff, bOff, B, C, OC);
          denseBackward(dx, g, dz, x, p, wOff, bOff, B, C, OC, true);
          const where = `${B}×${C}→${OC}, SIMD ${simd ? 'on' : 'off'}, float${f64 ? 64 : 32}`;
          for (const [k, a, b] of [
            ['g', g, want.g],
            ['dx', dx, want.dx],
          ] as const) {
            const d: number[] = [];
            for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) d.push(i);
            assert.deepEqual(d.slice(0, 3), [], `${k} of ${where}: ${d.length} entries differ`);
          }
        }
  } finally {
    useSimdKernels(true);
  }
});
