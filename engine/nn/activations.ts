// Activation functions as forward/backward pairs over [B, C] buffers: a = φ(z) and dz = da ⊙ φ′(z).

import { tanh32Into } from './tanh32';
import type { FloatArray } from './tensor';

/** Activations the engine knows. gelu is the exact form x·Φ(x) with Φ the normal CDF (erf), as PyTorch's default. */
export const ACTIVATIONS = ['identity', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'gelu', 'softmax'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Default negative slope of leaky_relu (PyTorch's). */
export const LEAKY_SLOPE = 0.01;

/** relu loops of fewer values keep the comparison: the int32 views maskPositive needs would cost more than it saves. */
const MASK_MIN = 256;

/** The bits of a float32 buffer, as int32s. */
const bitsOf = (a: Float32Array) => new Int32Array(a.buffer, a.byteOffset, a.length);

/**
 * out[i] = z[i] > 0 ? value[i] : +0 over float32 bits (relu: value = z; its δ: value = ∂L/∂a), without the branch,
 * which random signs mispredict (~5 ns against ~1 per value, four loops over 128×1024 values a step of N5). The mask
 * is all ones when z's bits v lie in [1, 0x7f800000] (the positive subnormals, normals and +∞; not NaN), so the
 * values are those of the comparison bit for bit, +0 for −0 and NaN included: the loop engine/nn/fastStep.ts
 * generates for its whole steps.
 */
export function maskPositive(out: Int32Array, value: Int32Array, z: Float32Array, n: number): void {
  const v = bitsOf(z);
  for (let i = 0; i < n; i++) {
    const b = v[i];
    out[i] = value[i] & ~(((0x7f800000 - b) | (b - 1)) >> 31);
  }
}

/** a = φ(z) over a batch of B rows of C values. `slope` is leaky_relu's negative slope. */
export function activationForward(
  kind: Activation,
  a: FloatArray,
  z: FloatArray,
  B: number,
  C: number,
  slope = LEAKY_SLOPE,
): void {
  const n = B * C;
  switch (kind) {
    case 'identity':
      for (let i = 0; i < n; i++) a[i] = z[i];
      return;
    case 'relu':
      if (n >= MASK_MIN && a instanceof Float32Array && z instanceof Float32Array)
        return maskPositive(bitsOf(a), bitsOf(z), z, n);
      for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0;
      return;
    case 'leaky_relu':
      for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : slope * z[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) a[i] = sigmoid(z[i]);
      return;
    case 'tanh':
      // A float32 layer's tanh is tanh32.ts's float32 function (the generated step and its kernel compute the same
      // bits); float64 (gradient checks) keeps Math.tanh.
      if (a instanceof Float32Array && z instanceof Float32Array) return tanh32Into(a, z, n);
      for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) a[i] = z[i] * normalCdf(z[i]);
      return;
    case 'softmax':
      // Subtract each row's max first so exp never overflows.
      for (let r = 0; r < B; r++) {
        const o = r * C;
        let max = -Infinity;
        for (let j = 0; j < C; j++) if (z[o + j] > max) max = z[o + j];
        let sum = 0;
        for (let j = 0; j < C; j++) {
          const e = Math.exp(z[o + j] - max);
          a[o + j] = e;
          sum += e;
        }
        for (let j = 0; j < C; j++) a[o + j] /= sum;
      }
      return;
    default:
      assertNeverActivation(kind);
  }
}

/**
 * dz = da ⊙ φ′(z) (assigned, not accumulated: δ belongs to this layer alone). Uses the stored output `a` where
 * φ′ is cheaper in terms of it (sigmoid, tanh, softmax's Jacobian-vector product).
 */
export function activationBackward(
  kind: Activation,
  dz: FloatArray,
  da: FloatArray,
  z: FloatArray,
  a: FloatArray,
  B: number,
  C: number,
  slope = LEAKY_SLOPE,
): void {
  const n = B * C;
  switch (kind) {
    case 'identity':
      for (let i = 0; i < n; i++) dz[i] = da[i];
      return;
    case 'relu':
      if (n >= MASK_MIN && dz instanceof Float32Array && da instanceof Float32Array && z instanceof Float32Array)
        return maskPositive(bitsOf(dz), bitsOf(da), z, n);
      for (let i = 0; i < n; i++) dz[i] = z[i] > 0 ? da[i] : 0;
      return;
    case 'leaky_relu':
      for (let i = 0; i < n; i++) dz[i] = z[i] > 0 ? da[i] : slope * da[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dz[i] = da[i] * a[i] * (1 - a[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) dz[i] = da[i] * (1 - a[i] * a[i]);
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const x = z[i];
        dz[i] = da[i] * (normalCdf(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI));
      }
      return;
    case 'softmax':
      // J·da for J = diag(a) − a·aᵀ, row by row: dz_j = a_j (da_j − Σ_k da_k a_k).
      for (let r = 0; r < B; r++) {
        const o = r * C;
        let dot = 0;
        for (let j = 0; j < C; j++) dot += da[o + j] * a[o + j];
        for (let j = 0; j < C; j++) dz[o + j] = a[o + j] * (da[o + j] - dot);
      }
      return;
    default:
      assertNeverActivation(kind);
  }
}

/**
 * φ′(z) elementwise into `out` (for display: the factor δ = ∂L/∂a ⊙ φ′(z) multiplies by). Returns false for
 * softmax, whose derivative is a Jacobian per row, not an elementwise factor.
 */
export function activationDerivative(
  kind: Activation,
  out: FloatArray,
  z: ArrayLike<number>,
  a: ArrayLike<number>,
  n: number,
  slope = LEAKY_SLOPE,
): boolean {
  if (kind === 'softmax') return false;
  for (let i = 0; i < n; i++) {
    const x = z[i];
    switch (kind) {
      case 'identity':
        out[i] = 1;
        break;
      case 'relu':
        out[i] = x > 0 ? 1 : 0;
        break;
      case 'leaky_relu':
        out[i] = x > 0 ? 1 : slope;
        break;
      case 'sigmoid':
        out[i] = a[i] * (1 - a[i]);
        break;
      case 'tanh':
        out[i] = 1 - a[i] * a[i];
        break;
      case 'gelu':
        out[i] = normalCdf(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
        break;
    }
  }
  return true;
}

/** Logistic sigmoid, written so that neither branch overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Φ(x), the standard normal CDF, via erf. */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** erf to about 1e-15: its Maclaurin series for |x| < 2.5, a continued fraction for erfc beyond (Math has no erf). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)); converges fast for |x| < 2.5.
    let term = ax,
      sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  // erfc(x) by Lentz's continued fraction: erfc(x) = e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))).
  let f = ax,
    c = ax,
    d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + an / c;
    if (c === 0) c = 1e-300;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x < 0 ? erfc - 1 : 1 - erfc;
}

function assertNeverActivation(kind: never): never {
  throw new Error(`unknown activation ${String(kind)}`);
}

/**
 * What checks outside the forward/backward math (the training doctor, the stop rules) know of an activation, one row
 * each (exhaustive), so they never name activations or layer kinds.
 */
export interface ActivationTraits {
  /** φ′ = 0 on a whole half-line: a unit whose z stays there gets no gradient and cannot recover (dead). */
  readonly dies: boolean;
  /**
   * Outputs outside (low, high) mean φ′(z) below a tenth of its maximum (saturated); null when φ′ never becomes
   * small. sigmoid: a·(1 − a) < 0.025 ⇔ a ∉ (0.0257, 0.9743); tanh: 1 − a² < 0.1 ⇔ |a| > 0.9487.
   */
  readonly saturation: { readonly low: number; readonly high: number } | null;
}

/** The traits of every activation. */
export const ACTIVATION_TRAITS: Readonly<Record<Activation, ActivationTraits>> = {
  identity: { dies: false, saturation: null },
  relu: { dies: true, saturation: null },
  leaky_relu: { dies: false, saturation: null },
  sigmoid: { dies: false, saturation: { low: 0.0257, high: 0.9743 } },
  tanh: { dies: false, saturation: { low: -0.9487, high: 0.9487 } },
  gelu: { dies: false, saturation: null },
  // softmax saturates too, but only as an output, where confident predictions are the goal.
  softmax: { dies: false, saturation: null },
};
