// tanh of a float32 layer: a rational function evaluated in float32 arithmetic, the same operations in the same order
// in JavaScript (here) and in tanhSimd.ts's WebAssembly kernel (four values at a time), so every path stores the same
// bits. Math.tanh rounded to float32 needed float64 work and a check per value; this is ~8× cheaper in the kernel.
//
// Why JavaScript gets float32's bits: every step below is one +, × or ÷ of two float32 values, done in float64 and
// rounded to float32 by Math.fround. A float64 result has 53 ≥ 2·24 + 2 bits, so rounding it again to float32 gives
// the correctly rounded float32 result (double rounding is innocuous for +, −, ×, ÷ at that precision), which is
// what WebAssembly's f32x4 instructions give (IEEE 754, round to nearest, no fused multiply-add, no flush to zero).
//
// The function is Eigen's minimax rational for float tanh, x·P(x²)/Q(x²) (degrees 13/6) on x clamped to ±7.905,
// and x itself for |x| < 0.0004. Against Math.fround(Math.tanh(x)) over every float32 (tanh32.test.ts samples them)
// it differs by at most a few float32 ulps; see TANH32_MAX_ULPS.

const fr = Math.fround;

/** The clamp, the small-|x| bound, and P's and Q's coefficients, as the float32 values both paths use. */
export const TANH32 = {
  clamp: fr(7.90531110763549805),
  tiny: fr(0.0004),
  /** P's coefficients from x¹³ down to x¹ (of x², after the factor x). */
  p: [
    -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8, 1.48572235717979e-5,
    6.37261928875436e-4, 4.89352455891786e-3,
  ].map(fr),
  /** Q's coefficients from x⁶ down to x⁰. */
  q: [1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3].map(fr),
} as const;

/** The largest difference, in float32 ulps, between tanh32 and Math.fround(Math.tanh(x)) (tanh32.test.ts checks it). */
export const TANH32_MAX_ULPS = 6;

const [P13, P11, P9, P7, P5, P3, P1] = TANH32.p,
  [Q6, Q4, Q2, Q0] = TANH32.q,
  CLAMP = TANH32.clamp,
  TINY = TANH32.tiny;

/**
 * tanh of a float32 value x, as a float32 tanh layer stores it (every path: the events, the generated step, the SIMD
 * kernel). NaN stays NaN and ±0 stays ±0; ±∞ and every |x| ≥ 7.905 give ±1.
 */
export function tanh32(x: number): number {
  if (x < TINY && x > -TINY) return x;
  // The clamp as WebAssembly's pmin then pmax: a NaN x passes through.
  const c = x > CLAMP ? CLAMP : x < -CLAMP ? -CLAMP : x,
    c2 = fr(c * c);
  let p = fr(fr(c2 * P13) + P11);
  p = fr(fr(c2 * p) + P9);
  p = fr(fr(c2 * p) + P7);
  p = fr(fr(c2 * p) + P5);
  p = fr(fr(c2 * p) + P3);
  p = fr(fr(c2 * p) + P1);
  p = fr(c * p);
  let q = fr(fr(c2 * Q6) + Q4);
  q = fr(fr(c2 * q) + Q2);
  q = fr(fr(c2 * q) + Q0);
  return fr(p / q);
}

/** out[k] = tanh32(z[k]) for k < n: one call per layer, so that tanh32 is inlined into this loop. */
export function tanh32Into(out: Float32Array, z: Float32Array, n: number): void {
  for (let k = 0; k < n; k++) out[k] = tanh32(z[k]);
}
