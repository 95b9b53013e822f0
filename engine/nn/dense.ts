// The dense (fully connected) layer as a forward/backward pair, PyTorch nn.Linear layout: W is [OC, C].
// Gradients are accumulated with += so that micro-batches can add into the same buffers.

import type { FloatArray } from './tensor';

/**
 * z = x·Wᵀ + b.
 * @param z   out [B, OC]
 * @param x   in  [B, C]
 * @param W   in  [OC, C] (at offset wOff)
 * @param b   in  [OC]    (at offset bOff)
 */
export function denseForward(
  z: FloatArray, x: FloatArray, params: FloatArray, wOff: number, bOff: number, B: number, C: number, OC: number,
): void {
  for (let n = 0; n < B; n++) {
    const xr = n * C;
    const zr = n * OC;
    for (let o = 0; o < OC; o++) {
      const wr = wOff + o * C;
      let s = params[bOff + o];
      for (let i = 0; i < C; i++) s += x[xr + i] * params[wr + i];
      z[zr + o] = s;
    }
  }
}

/**
 * dW += δᵀ·x, db += Σ_batch δ, dx += δ·W (dx may be null for the first layer, whose input needs no gradient).
 * @param dx    out [B, C]   or null
 * @param grads out: dW [OC, C] at wOff, db [OC] at bOff
 * @param dz    in  [B, OC]  δ = ∂L/∂z
 * @param x     in  [B, C]
 * @param params in: W [OC, C] at wOff
 */
export function denseBackward(
  dx: FloatArray | null, grads: FloatArray, dz: FloatArray, x: FloatArray, params: FloatArray,
  wOff: number, bOff: number, B: number, C: number, OC: number,
): void {
  for (let n = 0; n < B; n++) {
    const xr = n * C;
    const zr = n * OC;
    for (let o = 0; o < OC; o++) {
      const d = dz[zr + o];
      if (d === 0) continue;
      const wr = wOff + o * C;
      grads[bOff + o] += d;
      for (let i = 0; i < C; i++) grads[wr + i] += d * x[xr + i];
      if (dx) for (let i = 0; i < C; i++) dx[xr + i] += d * params[wr + i];
    }
  }
}
