// Gradient clipping by global norm (with each layer's share of the norm) and by value, recording what it did for the debugger.

import { sumSquares, sumSquaresByTensor } from './laneSums';
import type { FloatArray } from './tensor';

/** A slice [start, end) of the flat gradient buffer, e.g. one layer's W and b. */
export interface Segment {
  readonly start: number;
  readonly end: number;
}

/** What a global-norm clip step saw and did. */
export interface ClipRecord {
  /** Global L2 norm of all gradients before clipping. */
  readonly normBefore: number;
  /** Global L2 norm after clipping (equals normBefore when nothing was clipped). */
  readonly normAfter: number;
  /** Scale applied to every gradient (1 when not clipped). */
  readonly coefficient: number;
  /**
   * Present when segments were given, [S]: each segment's fraction ‖g_s‖²/‖g‖² of the squared global norm before
   * clipping (clipping scales all alike, so the fractions are the same after). Sums to 1 (up to rounding: each
   * segment is summed as one tensor) when the segments tile the buffer and the norm is > 0; all 0 when the norm is 0. When the norm is not finite, NaN for the segments holding
   * NaN/±Inf and 0 for the others, so the offending layers stand out.
   */
  readonly shares?: Float64Array;
}

/** What a clip-by-value step did. */
export interface ValueClipRecord {
  /** Entries whose |g| exceeded maxAbs and were clamped to ±maxAbs (NaN is left alone and not counted). */
  readonly clipped: number;
  /** Entries looked at (the buffer length). */
  readonly total: number;
  /** Largest |g| before clipping (NaN entries ignored). */
  readonly maxAbsBefore: number;
}

/**
 * Global L2 norm of a gradient buffer: its squares summed in laneSums.ts's order, per tensor when `tensors` cuts the
 * buffer (tensorCuts), else as one tensor.
 */
export function globalNorm(grads: FloatArray, tensors?: ArrayLike<number>): number {
  return Math.sqrt(sumSquaresByTensor(grads, tensors));
}

/**
 * Scales `grads` so that their global norm is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_: when
 * norm > maxNorm every entry is multiplied by maxNorm/(norm + 1e-6); otherwise nothing changes. A non-finite norm is
 * reported and nothing is scaled. With maxNorm = Infinity it only measures.
 *
 * The squared norm is summed as globalNorm sums it over `tensors` (the model's parameter tensors: tensorCuts), so
 * it does not depend on `segments` (one per layer), which only add `shares` to the record, each segment's squares
 * summed as one tensor. Allocates only the record and its [S] shares.
 * Throws RangeError when a segment is not inside the buffer.
 */
export function clipByGlobalNorm(
  grads: FloatArray,
  maxNorm: number,
  segments?: readonly Segment[],
  tensors?: ArrayLike<number>,
): ClipRecord {
  const sumSq = sumSquaresByTensor(grads, tensors);
  if (!segments) return clipToNorm(grads, maxNorm, sumSq);
  const shares = new Float64Array(segments.length);
  for (let s = 0; s < segments.length; s++) {
    const { start, end } = segments[s];
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > grads.length) {
      throw new RangeError(`segment [${start}, ${end}) is not inside the gradient buffer [${grads.length}]`);
    }
    shares[s] = sumSquares(grads, start, end - start);
  }
  // Turn squared norms into fractions of the total.
  // (A zero total leaves every part at 0.)
  if (sumSq > 0 && Number.isFinite(sumSq)) for (let s = 0; s < shares.length; s++) shares[s] /= sumSq;
  else if (!Number.isFinite(sumSq))
    for (let s = 0; s < shares.length; s++) shares[s] = Number.isFinite(shares[s]) ? 0 : NaN;
  return { ...clipToNorm(grads, maxNorm, sumSq), shares };
}

/**
 * clipByGlobalNorm's clip (without shares) from the squared norm `sumSq` already summed in its order (the training
 * step's statistics pass leaves it): no second pass over the gradients.
 */
export function clipToNorm(grads: FloatArray, maxNorm: number, sumSq: number): ClipRecord {
  const normBefore = Math.sqrt(sumSq);
  if (!(normBefore > maxNorm) || !Number.isFinite(normBefore)) {
    return { normBefore, normAfter: normBefore, coefficient: 1 };
  }
  const coefficient = maxNorm / (normBefore + 1e-6);
  for (let i = 0; i < grads.length; i++) grads[i] *= coefficient;
  return { normBefore, normAfter: normBefore * coefficient, coefficient };
}

/**
 * Clamps every gradient entry to [−maxAbs, maxAbs] in place (torch.nn.utils.clip_grad_value_) and counts how many
 * were clamped. Throws RangeError when maxAbs is negative or NaN.
 */
export function clipByValue(grads: FloatArray, maxAbs: number): ValueClipRecord {
  if (!(maxAbs >= 0)) throw new RangeError(`clip value must be ≥ 0, got ${maxAbs}`);
  let clipped = 0,
    maxAbsBefore = 0;
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    const a = Math.abs(g);
    if (a > maxAbsBefore) maxAbsBefore = a;
    // Comparisons with NaN are false, so NaN passes through untouched (as torch.clamp) and is not counted.
    if (g > maxAbs) {
      grads[i] = maxAbs;
      clipped++;
    } else if (g < -maxAbs) {
      grads[i] = -maxAbs;
      clipped++;
    }
  }
  return { clipped, total: grads.length, maxAbsBefore };
}
