// Losses as forward/backward pairs: L from the network output a and targets y, and ∂L/∂a.

import type { FloatArray } from './tensor';

/** Losses the engine knows. `half_mse` is the textbook ½·mean((a − y)²) whose gradient is (a − y)/N. */
export const LOSSES = ['mse', 'half_mse', 'bce'] as const;
export type Loss = (typeof LOSSES)[number];

const EPS = 1e-7;

/** Mean loss over batch and outputs. a, y: [B, K]; n = B·K. */
export function lossForward(kind: Loss, a: FloatArray, y: FloatArray, n: number): number {
  let s = 0;
  switch (kind) {
    case 'mse':
    case 'half_mse':
      for (let i = 0; i < n; i++) { const d = a[i] - y[i]; s += d * d; }
      return (kind === 'mse' ? s : 0.5 * s) / n;
    case 'bce':
      for (let i = 0; i < n; i++) {
        const p = Math.min(Math.max(a[i], EPS), 1 - EPS);
        s -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
      }
      return s / n;
    default:
      return assertNeverLoss(kind);
  }
}

/** da = ∂L/∂a (assigned). a, y, da: [B, K]; n = B·K. */
export function lossBackward(kind: Loss, da: FloatArray, a: FloatArray, y: FloatArray, n: number): void {
  switch (kind) {
    case 'mse':
      for (let i = 0; i < n; i++) da[i] = (2 * (a[i] - y[i])) / n;
      return;
    case 'half_mse':
      for (let i = 0; i < n; i++) da[i] = (a[i] - y[i]) / n;
      return;
    case 'bce':
      for (let i = 0; i < n; i++) {
        // Clamped like the forward pass, so the gradient matches the loss actually reported.
        const p = a[i];
        if (p < EPS || p > 1 - EPS) { da[i] = 0; continue; }
        da[i] = (p - y[i]) / (p * (1 - p) * n);
      }
      return;
    default:
      assertNeverLoss(kind);
  }
}

function assertNeverLoss(kind: never): never {
  throw new Error(`unknown loss ${String(kind)}`);
}
