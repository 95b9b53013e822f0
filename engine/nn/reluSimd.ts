// relu and its δ over buffers in the kernels' shared memory (a trainer with threads keeps its batch buffers there), in
// WebAssembly SIMD, four values an instruction: the generated step's relu loops (fastStep.ts), which ran ~1 ns a value
// in JavaScript (N3: ~25k values a step, on the main thread while the helper waits). The same integer operations as
// fastStepText.ts's positiveMask, lane-wise: out = x & ~(((0x7f800000 − z) | (z − 1)) >> 31) on the float bits, with
// wrapping 32-bit subtraction, the arithmetic shift and the AND that JavaScript's int32 operators perform, so every
// value is the loop's bit for bit (z itself for 0 < z ≤ +∞, else +0; the δ: x where z > 0, else +0).

import { inKernelMemory, kernelMemory } from './kernelMemory';
import { Body, I32, name, section, sharedMemoryImport, V128, vec } from './wasmEncoder';
import { SHARED_PAGES } from './denseSimdModule';

const I32X4_SPLAT = 0x11,
  I32X4_SUB = 0xb1,
  I32X4_SHR_S = 0xac,
  V128_OR = 0x50,
  V128_ANDNOT = 0x4f;

/** `mask(out, x, z, bytes)`: byte addresses; out[k] = x[k] & positiveMask(z[k]) for k < bytes / 4 (a multiple of 4). */
function maskBody(): Body {
  const f = new Body(4);
  const out = 0,
    x = 1,
    z = 2,
    bytes = 3;
  const [i] = f.locals(I32, 1);
  const [top, one, v] = f.locals(V128, 3);
  f.i32(0x7f800000).simd(I32X4_SPLAT).set(top);
  f.i32(1).simd(I32X4_SPLAT).set(one);
  f.i32(0).set(i);
  f.op(0x02, 0x40).get(bytes).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.repeat(i, 16, bytes, () => {
    f.get(z).get(i).add().vload().set(v);
    f.get(out).get(i).add(); // the store's address
    f.get(x).get(i).add().vload();
    // x & ~(((top − v) | (v − 1)) >> 31)
    f.get(top).get(v).simd(I32X4_SUB).get(v).get(one).simd(I32X4_SUB).simd(V128_OR);
    f.i32(31).simd(I32X4_SHR_S).simd(V128_ANDNOT).vstore();
  });
  f.op(0x0b); // end block
  return f;
}

/** The module over the kernels' shared memory (imported as env.memory, as gradStatsSimd.ts's). */
function reluModule(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 4, I32, I32, I32, I32, 0]])),
    ...sharedMemoryImport(SHARED_PAGES),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('mask'), 0, 0]])),
    ...section(10, vec([maskBody().encode()])),
  ]);
}

/** `mask(out, x, z, bytes)` of the module (see maskBody). */
export type ReluMask = (out: number, x: number, z: number, bytes: number) => void;

let kernel: ReluMask | null | undefined;

/**
 * The kernel for out = x & positiveMask(z) when all three arrays lie in the kernels' memory, else null (or where it
 * cannot be made): the caller then runs the JavaScript loop, with the same results.
 */
export function reluMaskKernel(out: Float32Array, x: Float32Array, z: Float32Array): ReluMask | null {
  if (!inKernelMemory(out) || !inKernelMemory(x) || !inKernelMemory(z)) return null;
  if (kernel === undefined) {
    try {
      const m = kernelMemory();
      if (!m) throw new Error('no kernels memory');
      const e = new WebAssembly.Instance(new WebAssembly.Module(reluModule()), { env: { memory: m.memory } });
      kernel = e.exports.mask as ReluMask;
    } catch {
      kernel = null;
    }
  }
  return kernel;
}
