// Losses as forward/backward pairs. With a sigmoid output, bce is computed from the logits z; with a softmax
// output, cross_entropy is fused with it: both give δ = (a − y)/N directly, stable for any z.

import type { FloatArray } from './tensor';

/**
 * Losses the engine knows. `mse` = mean over batch and outputs of (a − y)²; `half_mse` = ½ of that (the textbook
 * form whose gradient is (a − y)/N); `bce` = mean binary cross-entropy over batch and outputs; `cross_entropy` =
 * mean over the batch of −Σ_k y_k log a_k (one-hot y).
 */
export const LOSSES = ['mse', 'half_mse', 'bce', 'cross_entropy'] as const;
export type Loss = (typeof LOSSES)[number];

/** Which output activation a loss fuses with, if any. */
export function fusedActivation(loss: Loss): 'sigmoid' | 'softmax' | null {
  return loss === 'bce' ? 'sigmoid' : loss === 'cross_entropy' ? 'softmax' : null;
}

/** Clamp for probabilities when a loss cannot use the logits (bce or cross_entropy after a non-fused output). */
const EPS = 1e-7;

/**
 * Mean loss of a batch of B rows of K outputs. `z` are the logits (used when `fused`), `a` the outputs.
 */
export function lossForward(
  kind: Loss,
  z: FloatArray,
  a: FloatArray,
  y: FloatArray,
  B: number,
  K: number,
  fused: boolean,
): number {
  const n = B * K;
  let s = 0;
  switch (kind) {
    case 'mse':
    case 'half_mse':
      for (let i = 0; i < n; i++) {
        const d = a[i] - y[i];
        s += d * d;
      }
      return (kind === 'mse' ? s : 0.5 * s) / n;
    case 'bce':
      if (fused) {
        // −[y log σ(z) + (1 − y) log(1 − σ(z))] = max(z, 0) − z·y + log(1 + e^(−|z|))
        for (let i = 0; i < n; i++) {
          const v = z[i];
          s += Math.max(v, 0) - v * y[i] + Math.log1p(Math.exp(-Math.abs(v)));
        }
      } else {
        for (let i = 0; i < n; i++) {
          const p = clampP(a[i]);
          s -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
        }
      }
      return s / n;
    case 'cross_entropy':
      for (let r = 0; r < B; r++) {
        const o = r * K;
        if (fused) {
          // log softmax(z)_k = z_k − logsumexp(z)
          let max = -Infinity;
          for (let j = 0; j < K; j++) if (z[o + j] > max) max = z[o + j];
          let sum = 0;
          for (let j = 0; j < K; j++) sum += Math.exp(z[o + j] - max);
          const lse = max + Math.log(sum);
          for (let j = 0; j < K; j++) if (y[o + j] !== 0) s -= y[o + j] * (z[o + j] - lse);
        } else {
          for (let j = 0; j < K; j++) if (y[o + j] !== 0) s -= y[o + j] * Math.log(clampP(a[o + j]));
        }
      }
      return s / B;
    default:
      return assertNeverLoss(kind);
  }
}

/**
 * Writes ∂L/∂a into `da`, and when `fused` also δ = ∂L/∂z into `dz` ((a − y)/N, with N = B·K for bce and B for
 * cross_entropy). ∂L/∂a is shown by the debugger; with a fused output the backward pass uses `dz` instead.
 */
export function lossBackward(
  kind: Loss,
  da: FloatArray,
  dz: FloatArray | null,
  a: FloatArray,
  y: FloatArray,
  B: number,
  K: number,
  fused: boolean,
): void {
  const n = B * K;
  switch (kind) {
    case 'mse':
      for (let i = 0; i < n; i++) da[i] = (2 * (a[i] - y[i])) / n;
      return;
    case 'half_mse':
      for (let i = 0; i < n; i++) da[i] = (a[i] - y[i]) / n;
      return;
    case 'bce':
      for (let i = 0; i < n; i++) {
        const p = a[i];
        // Outside the clamp the non-fused loss is flat, so its gradient is 0 there.
        da[i] = fused || (p >= EPS && p <= 1 - EPS) ? (p - y[i]) / (Math.max(p * (1 - p), 1e-30) * n) : 0;
        if (fused && dz) dz[i] = (p - y[i]) / n;
      }
      return;
    case 'cross_entropy':
      for (let i = 0; i < n; i++) {
        const p = a[i];
        da[i] = y[i] === 0 ? 0 : fused || p >= EPS ? -y[i] / (Math.max(p, 1e-30) * B) : 0;
        if (fused && dz) dz[i] = (p - y[i]) / B;
      }
      return;
    default:
      assertNeverLoss(kind);
  }
}

function clampP(p: number): number {
  return Math.min(Math.max(p, EPS), 1 - EPS);
}

function assertNeverLoss(kind: never): never {
  throw new Error(`unknown loss ${String(kind)}`);
}
