// Gradient clipping by global norm, recording what it did for the debugger.

import type { FloatArray } from './tensor';

/** What a clip step saw and did. */
export interface ClipRecord {
  /** Global L2 norm of all gradients before clipping. */
  readonly normBefore: number;
  /** Global L2 norm after clipping (equals normBefore when nothing was clipped). */
  readonly normAfter: number;
  /** Scale applied to every gradient (1 when not clipped). */
  readonly coefficient: number;
}

/** Global L2 norm of a gradient buffer. */
export function globalNorm(grads: FloatArray): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  return Math.sqrt(s);
}

/**
 * Scales `grads` so that their global norm is at most `maxNorm` (as torch.nn.utils.clip_grad_norm_).
 * With maxNorm = Infinity it only measures.
 */
export function clipByGlobalNorm(grads: FloatArray, maxNorm: number): ClipRecord {
  const normBefore = globalNorm(grads);
  if (!(normBefore > maxNorm) || !Number.isFinite(normBefore)) {
    return { normBefore, normAfter: normBefore, coefficient: 1 };
  }
  const coefficient = maxNorm / (normBefore + 1e-6);
  for (let i = 0; i < grads.length; i++) grads[i] *= coefficient;
  return { normBefore, normAfter: normBefore * coefficient, coefficient };
}
