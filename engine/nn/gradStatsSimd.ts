// The generated step's per-layer |∂L/∂W| statistics (fastStep.ts's measure loop) in WebAssembly, over gradients that
// lie in the kernels' shared memory (a trainer with threads keeps them there): the same float64 operations in the
// same order as the loop, so the same bits, at ~2× its speed (N5's 2.1M weights: ~3.5 against ~6–8 ms per step,
// one thread, the sums' dependency chains left as they are: Σ g² must be formed in index order).
//
// Why the same bits: per weight, v = |float64(g)|, s ← s + v, v2 = v·v, sq ← sq + v2, T ← T + v2, mx ← v where
// v > mx: IEEE operations that WebAssembly neither fuses nor reorders (an addition's operands commuted give the same
// sum), from the loop's start values; the maximum by comparison and select, as the loop's `if`, so a NaN is skipped.

import { MAX_FLOATS } from './denseSimdModule';
import { allocateKernelFloats, inKernelMemory, kernelMemory } from './kernelMemory';
import { Body, I32, name, section, uleb, vec } from './wasmEncoder';

const F64 = 0x7c;

/** `stats(g, end, out, T)`: byte addresses [g, end) of float32 gradients; writes s, mx, sq, T as float64 at out. */
function statsBody(): Body {
  const f = new Body(4);
  const g = 0,
    end = 1,
    out = 2,
    t0 = 3;
  const [i] = f.locals(I32, 1);
  const [s, mx, sq, T, v, v2] = f.locals(F64, 6);
  f.get(t0).set(T).get(g).set(i);
  f.op(0x02, 0x40).get(g).get(end).op(0x4f /* i32.ge_u */, 0x0d /* br_if */, 0);
  f.repeat(i, 4, end, () => {
    // v = |float64(g[i])|; s += v
    f.get(i).op(0x2a /* f32.load */, 2, 0).op(0xbb /* f64.promote_f32 */, 0x99 /* f64.abs */).tee(v);
    f.get(s).op(0xa0 /* f64.add */).set(s);
    // v2 = v·v; sq += v2; T += v2
    f.get(v).get(v).op(0xa2 /* f64.mul */).tee(v2).get(sq).op(0xa0).set(sq);
    f.get(T).get(v2).op(0xa0).set(T);
    // mx = v > mx ? v : mx
    f.get(v).get(mx).get(v).get(mx).op(0x64 /* f64.gt */, 0x1b /* select */).set(mx);
  });
  f.op(0x0b); // end block
  for (const [k, l] of [s, mx, sq, T].entries())
    f.get(out)
      .get(l)
      .op(0x39 /* f64.store */, 3, ...uleb(8 * k));
  return f;
}

/** The module over the kernels' shared memory (imported as env.memory, as sgdSimd.ts's in-place module). */
function statsModule(): Uint8Array<ArrayBuffer> {
  const pages = (4 * MAX_FLOATS * 4) / 65536;
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 4, I32, I32, I32, F64, 0]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 2, 0x03, ...uleb(1), ...uleb(pages)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('stats'), 0, 0]])),
    ...section(10, vec([statsBody().encode()])),
  ]);
}

/** One layer's statistics as the measure loop leaves them. */
export interface GradStats {
  s: number;
  mx: number;
  sq: number;
  T: number;
}

/** The kernel bound to its output slots: `run(g, from, n, T)` then read s, mx, sq, T (see statsBody). */
export interface GradStatsKernel {
  /** Statistics of g[from, from + n) (g in the kernels' memory), the running Σ g² continued from T. */
  run(g: Float32Array, from: number, n: number, T: number): void;
  /** s, mx, sq and T after the last run. */
  readonly out: Float64Array;
}

interface Instance {
  readonly stats: (g: number, end: number, out: number, t: number) => void;
  readonly out: Float64Array;
  /** The block of the kernels' memory under `out`, kept so that it is never freed while the kernel writes there. */
  readonly slots: Float32Array;
}

let kernel: Instance | null | undefined;
let enabled = true;

/** For tests: off (false), gradStatsKernel answers null and the generated steps keep their loop. */
export function useGradStatsKernel(on: boolean): void {
  enabled = on;
}

/**
 * The kernel for gradients `g`, or null when they do not lie in the kernels' memory (or it cannot be made, or tests
 * turned it off): the caller then runs its loop, with the same results.
 */
export function gradStatsKernel(g: Float32Array): GradStatsKernel | null {
  if (!enabled || !inKernelMemory(g)) return null;
  if (kernel === undefined) {
    try {
      const m = kernelMemory();
      const slots = m && allocateKernelFloats(8); // 16-byte aligned: four float64
      if (!m || !slots) throw new Error('no kernels memory');
      const e = new WebAssembly.Instance(new WebAssembly.Module(statsModule()), { env: { memory: m.memory } });
      kernel = {
        stats: e.exports.stats as (g: number, end: number, out: number, t: number) => void,
        out: new Float64Array(slots.buffer, slots.byteOffset, 4),
        slots,
      };
    } catch {
      kernel = null;
    }
  }
  const k = kernel;
  if (!k) return null;
  return {
    run: (a, from, n, T) => k.stats(a.byteOffset + 4 * from, a.byteOffset + 4 * (from + n), k.out.byteOffset, T),
    out: k.out,
  };
}

/** For tests: the kernel's statistics of g[from, from + n) from T, or null where gradStatsKernel gives none. */
export function gradStats(g: Float32Array, from: number, n: number, T: number): GradStats | null {
  const k = gradStatsKernel(g);
  if (!k) return null;
  k.run(g, from, n, T);
  return { s: k.out[0], mx: k.out[1], sq: k.out[2], T: k.out[3] };
}
