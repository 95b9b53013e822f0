// The logistic sigmoid over a float32 array in WebAssembly SIMD, two float64 lanes at a time, with the guarantee of
// fastMath.ts: every value stored is Math.fround(sigmoid(x)) (activations.ts's sigmoid) bit for bit; and the δ of a
// sigmoid layer. N4's ten sigmoid layers spent ~24 % of its step in sigmoid32Into's JavaScript loop.
//
// Why the results are the same bits: per value, with E = e^{−|x|} (simdExpr.ts's exp, relative error below 1e-14;
// |x| clamped to 120, beyond which the float32 result is 0 or 1 either way), t = 1/(1 + E) for x ≥ 0 and E/(1 + E)
// for x < 0, as activations.ts's two branches: no cancellation, so t is within ~3e-14 of σ(x). A value is stored
// only when t·(1 − 2^-36) and t·(1 + 2^-36) round to the same float32 (σ computed with Math.exp lies between them);
// the pairs where they differ, and NaN, are listed and computed again by sigmoid32. sigmoidSimd.test.ts compares
// the kernel with the reference on ~20 million float32 inputs.

import { ExactKernels } from './exactSimd';
import { sigmoid32, sigmoid32Into } from './fastMath';
import { deltaBody, exactValueBody, OP, type Exprs } from './simdExpr';
import { V128 } from './wasmEncoder';

/** t = σ of the lanes of xv (see the header). */
function sigmoidOf(e: Exprs, xv: number, t: number): void {
  const f = e.f;
  const [y, ey] = f.locals(V128, 2);
  // y = −|x| clamped to −120 (pmax returns a NaN x as it is; its lane fails the window and is computed again).
  e.set(y, () => (e.un(OP.neg, e.un(OP.abs, e.L(xv)))(), e.K(-120)(), f.simd(OP.pmax)));
  e.exp(y, ey);
  const negative = () => (f.get(xv), e.K(0)(), f.simd(OP.lt));
  e.set(t, e.div(e.select(e.L(ey), e.K(1), negative), e.add(e.K(1), e.L(ey))));
}

const kernels = new ExactKernels({
  bodies: () => ({
    value: exactValueBody(sigmoidOf),
    // fround(da·a·(1 − a)), fastStep.ts's `derivative` for sigmoid: (da·a)·(1 − a), in that order
    delta: deltaBody((e, da, a) => e.mul(e.mul(da, e.L(a)), e.sub(e.K(1), e.L(a)))),
  }),
  scalar: sigmoid32,
  scalarInto: sigmoid32Into,
  deltaInto: (d, da, a, n) => {
    for (let i = 0; i < n; i++) d[i] = Math.fround(da[i] * a[i] * (1 - a[i]));
  },
});

/**
 * Switches the SIMD sigmoid off (false) or back on (true, the default): the same results either way, for tests. It
 * is off too while denseSimd.ts's kernels are (useSimdKernels(false), the bench's JavaScript-only engine).
 */
export function useSimdSigmoid(on: boolean): void {
  kernels.use(on);
}

/**
 * out[k] = Math.fround(sigmoid(z[k])) for k < n in the SIMD kernel; false (nothing written) when it is off, missing,
 * or its memory cannot hold the operands (the caller then loops over sigmoid32).
 */
export function sigmoidSimdInto(out: Float32Array, z: Float32Array, n: number): boolean {
  return kernels.valuesSimd(out, z, n);
}

/** out[k] = Math.fround(sigmoid(z[k])) for k < n: in the SIMD kernel where it pays and runs, else by sigmoid32. */
export function sigmoid32Array(out: Float32Array, z: Float32Array, n: number): void {
  kernels.values(out, z, n);
}

/**
 * d[k] = Math.fround(da[k]·a[k]·(1 − a[k])) for k < n, the δ of a sigmoid layer as the generated step writes it
 * (fastStep.ts's `derivative`): in the SIMD kernel where it pays and runs, else in a loop.
 */
export function sigmoidDeltaArray(d: Float32Array, da: Float32Array, a: Float32Array, n: number): void {
  kernels.deltas(d, da, a, n);
}
