// tanh over a float32 array in WebAssembly SIMD, two float64 lanes at a time, with the guarantee of fastMath.ts:
// every value stored is Math.fround(Math.tanh(x)) bit for bit; and the δ of a tanh layer (tanhDeltaArray). A tanh
// layer of N2 (32 × 16 values) took ~4.2 µs per call in tanh32Into's JavaScript loop, about half of the generated
// step's own time (issue 18).
//
// Why the results are the same bits: per value, t = 1 − 2/(e^{2x} + 1) with e^{2x} = 2^n·e^r (n = round(2x/ln 2),
// |r| ≤ ln 2/2, e^r by its Taylor series to r¹¹: relative error below 1e-14), or for |x| ≤ 0.05 the odd series of
// fastMath.ts; t is then within a relative 1.2e-13 of tanh x (the subtraction loses at most a factor 10 at
// |x| = 0.05). As in fastMath.ts, a value is stored only when t·(1 − 2^-36) and t·(1 + 2^-36) round to the same
// float32: Math.tanh (within a few float64 ulps of tanh x) lies between them, so its float32 is that one too. The
// pairs where they differ (a few in 10,000) and NaN are listed, and tanh32 computes them again. 2x is clamped to
// ±38 (tanh 19 rounds to ±1 in float32, as does tanh of every |x| above 9.02); ±0 passes through unchanged.
// tanhSimd.test.ts compares the kernel with the reference on ~20 million float32 inputs; once, every float32 was
// compared (all 2^32 bit patterns, Node 20.20): no difference.

import { ExactKernels } from './exactSimd';
import { tanh32, tanh32Into } from './fastMath';
import { deltaBody, exactValueBody, OP, type Exprs } from './simdExpr';
import { V128 } from './wasmEncoder';

/** t = tanh of the lanes of xv (see the header): 1 − 2/(e^{2x} + 1), or the odd series for |x| ≤ 0.05. */
function tanhOf(e: Exprs, xv: number, t: number): void {
  const f = e.f;
  const L = (l: number) => e.L(l),
    K = (v: number) => e.K(v);
  const [y, ey, s, big] = f.locals(V128, 4);
  // y = 2x clamped to ±38 (pmin/pmax return a NaN x as it is).
  e.set(y, () => (e.add(L(xv), L(xv))(), K(38)(), f.simd(OP.pmin), K(-38)(), f.simd(OP.pmax)));
  e.exp(y, ey);
  e.set(t, e.sub(K(1), e.div(K(2), e.add(L(ey), K(1)))));
  // |x| ≤ 0.05 (and NaN), rare in a trained layer, so behind a branch: x + x³·(−1/3 + x²·(2/15 + x²·(−17/315 +
  // x²·62/2835))), fastMath.ts's series; ±0 as it came.
  e.set(big, () => (f.get(xv).simd(OP.abs), K(0.05)(), f.simd(OP.gt)));
  f.get(big).simd(OP.i64AllTrue).op(0x45 /* i32.eqz */, 0x04, 0x40 /* if */);
  {
    e.set(s, e.mul(L(xv), L(xv)));
    const series = e.add(
      L(xv),
      e.mul(
        e.mul(L(xv), L(s)),
        e.add(K(-1 / 3), e.mul(L(s), e.add(K(2 / 15), e.mul(L(s), e.add(K(-17 / 315), e.mul(L(s), K(62 / 2835))))))),
      ),
    );
    const zero = () => (f.get(xv), K(0)(), f.simd(OP.eq));
    e.set(t, e.select(L(xv), e.select(L(t), series, L(big)), zero));
  }
  f.op(0x0b); // end if
}

const kernels = new ExactKernels({
  bodies: () => ({
    value: exactValueBody(tanhOf),
    // fround(da·(1 − a·a)), fastStep.ts's `derivative` for tanh
    delta: deltaBody((e, da, a) => e.mul(da, e.sub(e.K(1), e.mul(e.L(a), e.L(a))))),
  }),
  scalar: tanh32,
  scalarInto: tanh32Into,
  deltaInto: (d, da, a, n) => {
    for (let i = 0; i < n; i++) d[i] = Math.fround(da[i] * (1 - a[i] * a[i]));
  },
});

/**
 * Switches the SIMD tanh off (false) or back on (true, the default): the same results either way, for tests. It is
 * off too while denseSimd.ts's kernels are (useSimdKernels(false), the bench's JavaScript-only engine).
 */
export function useSimdTanh(on: boolean): void {
  kernels.use(on);
}

/**
 * out[k] = Math.fround(Math.tanh(z[k])) for k < n in the SIMD kernel; false (nothing written) when it is off,
 * missing, or its memory cannot hold the operands (the caller then loops over tanh32).
 */
export function tanhSimdInto(out: Float32Array, z: Float32Array, n: number): boolean {
  return kernels.valuesSimd(out, z, n);
}

/**
 * d[k] = Math.fround(da[k]·(1 − a[k]·a[k])) for k < n, the δ of a tanh layer as the generated step writes it
 * (fastStep.ts's `derivative`): in the SIMD kernel where it pays and runs, else in a loop.
 */
export function tanhDeltaArray(d: Float32Array, da: Float32Array, a: Float32Array, n: number): void {
  kernels.deltas(d, da, a, n);
}

/** out[k] = Math.fround(Math.tanh(z[k])) for k < n: in the SIMD kernel where it pays and runs, else by tanh32. */
export function tanh32Array(out: Float32Array, z: Float32Array, n: number): void {
  kernels.values(out, z, n);
}
