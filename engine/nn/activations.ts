// Activation functions as forward/backward pairs over flat buffers: a = φ(z) and dz += da ⊙ φ′(z).

import type { FloatArray } from './tensor';

/** Activations the engine knows. */
export const ACTIVATIONS = ['identity', 'relu', 'sigmoid', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** a = φ(z), elementwise. `a` and `z` have the same length (B·C). */
export function activationForward(kind: Activation, a: FloatArray, z: FloatArray, n: number): void {
  switch (kind) {
    case 'identity':
      for (let i = 0; i < n; i++) a[i] = z[i];
      return;
    case 'relu':
      for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i]));
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
      return;
    default:
      assertNeverActivation(kind);
  }
}

/**
 * dz = da ⊙ φ′(z), elementwise (assigned, not accumulated: δ belongs to this layer alone).
 * Uses the stored output `a` where φ′ is cheaper in terms of it (sigmoid, tanh).
 */
export function activationBackward(kind: Activation, dz: FloatArray, da: FloatArray, z: FloatArray, a: FloatArray, n: number): void {
  switch (kind) {
    case 'identity':
      for (let i = 0; i < n; i++) dz[i] = da[i];
      return;
    case 'relu':
      for (let i = 0; i < n; i++) dz[i] = z[i] > 0 ? da[i] : 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dz[i] = da[i] * a[i] * (1 - a[i]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) dz[i] = da[i] * (1 - a[i] * a[i]);
      return;
    default:
      assertNeverActivation(kind);
  }
}

function assertNeverActivation(kind: never): never {
  throw new Error(`unknown activation ${String(kind)}`);
}
