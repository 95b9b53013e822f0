// The logistic sigmoid as a float32 layer stores it, Math.fround(sigmoid(x)), with a shorter chain of operations than
// the libm call behind Math.exp (~25–40 % less time per value measured in a loop, more inside a generated step where
// several run side by side): the generated training steps (fastStep.ts) call it for every activation of a sigmoid
// layer. (tanh of a float32 layer is tanh32.ts's, float32 arithmetic that every path computes alike.)
//
// Why the results are the same bits: sigmoid32 computes its value t in float64 with a relative error below 1e-13 (a
// table of 2^(j/256) and a degree-4 polynomial for e^r), then checks that every number within a relative 2^-36 of t
// rounds to the same float32. Math.exp is within a few float64 ulps (~1e-15) of the true value, far inside that
// window, so the float32 the reference rounds to is the one t rounds to. When the window straddles a rounding
// boundary (a few calls in 10,000) or x is outside the fitted range (NaN, ±∞, large |x|), the function returns the
// reference expression itself. fastMath.test.ts compares both on ~20 million float32 inputs; once, every float32 of
// the fast range was compared (|x| ≤ 30, both signs: 2.2 billion inputs, Node 20): no difference.

import { sigmoid } from './activations';

const fr = Math.fround;

/** Relative half-width of the window that must round to one float32: 2^-36, ~1.5e-11. */
const WINDOW = 1 / 68719476736;

/** 256/ln 2, and ln 2/256 in two parts (fdlibm's split of ln 2: n·HI is exact for |n| < 2^21). */
const INV_L = 256 / Math.LN2;
const L_HI = 6.9314718036912381649e-1 / 256,
  L_LO = 1.90821492927058770002e-10 / 256;
/** 2^(j/256) for j in [0, 256), and 2^m for m in [−64, 64) at index m + 64 (exact). */
const FRACTION = Float64Array.from({ length: 256 }, (_, j) => Math.pow(2, j / 256));
const WHOLE = Float64Array.from({ length: 128 }, (_, m) => Math.pow(2, m - 64));

/**
 * e^y for |y| ≤ 39 (the caller's range), relative error ~3e-16: y = n·ln2/256 + r with |r| ≤ ln2/512, e^y =
 * 2^(n/256)·e^r. The polynomial is short and evaluated in two halves (Estrin), so that the chain of dependent
 * operations stays short: in a generated step many of these run side by side.
 */
function expNear(y: number): number {
  // Rounded to the nearest int32 by hand: V8 makes Math.round(…) | 0 several times dearer than this whole function.
  const k = y * INV_L,
    n = (k < 0 ? k - 0.5 : k + 0.5) | 0;
  const r = y - n * L_HI - n * L_LO,
    r2 = r * r;
  // e^r − 1 to r⁴/24: the next term is below 4e-17 for |r| ≤ 0.00136.
  const p = r + r2 * (0.5 + r * (1 / 6)) + r2 * r2 * (1 / 24);
  const s = WHOLE[(n >> 8) + 64] * FRACTION[n & 255];
  return s + s * p;
}

/** The logistic sigmoid as engine/nn/activations.ts computes it, rounded to float32: Math.fround(sigmoid(x)). */
export function sigmoid32(x: number): number {
  if (!(x <= 30 && x >= -30)) return fr(sigmoid(x));
  // 1/(1 + e^{−x}) for both signs: no cancellation anywhere, so it is as accurate as e^{−x}.
  const t = 1 / (1 + expNear(-x));
  const lo = fr(t - t * WINDOW);
  return lo === fr(t + t * WINDOW) ? lo : fr(sigmoid(x));
}

/** out[k] = sigmoid32(z[k]) for k < n. */
export function sigmoid32Into(out: Float32Array, z: Float32Array, n: number): void {
  for (let k = 0; k < n; k++) out[k] = sigmoid32(z[k]);
}
