// reluSimd.ts's kernel, called as the generated step calls it (fastStep.ts: byte addresses, the whole blocks of four,
// the loop after them), against that loop's expression (fastStepText.ts's positiveMask), bit for bit, on every
// special float and every tail length.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { positiveMask } from './fastStepText';
import { allocateKernelFloats } from './kernelMemory';
import { Prng } from './prng';
import { reluMaskKernel } from './reluSimd';

/** The loop's expression, as the generated step evaluates it. */
const mask = new Function('x', 'v', `return x & ${positiveMask('v')};`) as (x: number, v: number) => number;

/** Bit patterns around every boundary of the mask: ±0, denormals, the largest finite, ±∞, NaNs of both signs. */
const SPECIAL_BITS = [
  0, 1, 2, 0x007fffff, 0x00800000, 0x3f800000, 0x7f7fffff, 0x7f800000, 0x7f800001, 0x7fc00000, 0x7fffffff, 0x80000000,
  0x80000001, 0xbf800000, 0xff7fffff, 0xff800000, 0xff800001, 0xffc00000, 0xffffffff,
];

test("the kernel gives the loop's relu and δ, bit for bit, on special values and every length", (t) => {
  const n = 1031;
  const [out, x, z] = [allocateKernelFloats(n), allocateKernelFloats(n), allocateKernelFloats(n)];
  const kernel = out && x && z ? reluMaskKernel(out, x, z) : null;
  if (!out || !x || !z || !kernel) return t.skip('no shared WebAssembly memory here');
  const [xi, zi, oi] = [x, z, out].map((a) => new Int32Array(a.buffer, a.byteOffset, n));
  const rng = new Prng(31);
  for (let k = 0; k < n; k++) {
    zi[k] = k < 4 * SPECIAL_BITS.length ? SPECIAL_BITS[k >> 2] : (rng.next() * 2 ** 32) | 0;
    xi[k] = (rng.next() * 2 ** 32) | 0;
  }
  // Each special in every lane of a block of four too.
  for (let k = 0; k < SPECIAL_BITS.length; k++) zi[100 + 5 * k] = SPECIAL_BITS[k];
  for (const len of [0, 1, 2, 3, 4, 5, 7, 8, 9, 100, n]) {
    const pairs: [Float32Array, Float32Array, string][] = [
      [z, z, 'relu'],
      [x, z, 'δ'],
    ];
    for (const [a, b, what] of pairs) {
      oi.fill(0x5a5a5a5a);
      // The kernel takes the whole blocks of four; the step's loop (the expression `mask`) the rest.
      const whole = len & ~3;
      kernel(out.byteOffset, a.byteOffset, b.byteOffset, 4 * whole);
      const ai = new Int32Array(a.buffer, a.byteOffset, n);
      for (let k = 0; k < whole; k++)
        assert.equal(oi[k], mask(ai[k], zi[k]), `${what} ${k} of ${len}: z bits ${zi[k]}`);
      for (let k = whole; k < n; k++) assert.equal(oi[k], 0x5a5a5a5a, `${what}: nothing written past ${whole}`);
    }
  }
});

test('arrays outside the kernels memory get no kernel (the loops run)', () => {
  const a = new Float32Array(8);
  assert.equal(reluMaskKernel(a, a, a), null);
});
