// Gradient clipping by global norm (with each layer's share of the norm) and by value, recording what it did for the debugger.

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
   * clipping (clipping scales all alike, so the fractions are the same after). Sums to 1 when the segments tile the
   * buffer and the norm is > 0; all 0 when the norm is 0. When the norm is not finite, NaN for the segments holding
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

/** Global L2 norm of a gradient buffer (squares summed in float64, in index order). */
export function globalNorm(grads: FloatArray): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  return Math.sqrt(s);
}

/**
 * Scales `grads` so that their global norm is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_: when
 * norm > maxNorm every entry is multiplied by maxNorm/(norm + 1e-6); otherwise nothing changes. A non-finite norm is
 * reported and nothing is scaled. With maxNorm = Infinity it only measures.
 *
 * `segments` (one per layer) adds `shares` to the record. The global sum runs in index order whatever the segments,
 * so normBefore does not depend on them. Allocates only the record and its [S] shares.
 * Throws RangeError when a segment is not inside the buffer.
 */
export function clipByGlobalNorm(grads: FloatArray, maxNorm: number, segments?: readonly Segment[]): ClipRecord {
  let sumSq: number;
  let shares: Float64Array | undefined;
  if (segments) {
    shares = new Float64Array(segments.length);
    sumSq = segmentSquares(grads, segments, shares);
    // Turn squared norms into fractions of the total.
    // (A zero total leaves every part at 0.)
    if (sumSq > 0 && Number.isFinite(sumSq)) for (let s = 0; s < shares.length; s++) shares[s] /= sumSq;
    else if (!Number.isFinite(sumSq))
      for (let s = 0; s < shares.length; s++) shares[s] = Number.isFinite(shares[s]) ? 0 : NaN;
  } else {
    sumSq = 0;
    for (let i = 0; i < grads.length; i++) sumSq += grads[i] * grads[i];
  }
  const normBefore = Math.sqrt(sumSq);
  const base = shares ? { shares } : {};
  if (!(normBefore > maxNorm) || !Number.isFinite(normBefore)) {
    return { normBefore, normAfter: normBefore, coefficient: 1, ...base };
  }
  const coefficient = maxNorm / (normBefore + 1e-6);
  for (let i = 0; i < grads.length; i++) grads[i] *= coefficient;
  return { normBefore, normAfter: normBefore * coefficient, coefficient, ...base };
}

/**
 * Writes each segment's sum of squares into `out` and returns the whole buffer's sum of squares. When the segments
 * tile [0, P) in order (the usual layer layout) both come from one pass, accumulated in the same index order as
 * {@link globalNorm}; otherwise the total is a separate pass.
 */
function segmentSquares(grads: FloatArray, segments: readonly Segment[], out: Float64Array): number {
  let tiles = true,
    expect = 0;
  for (const { start, end } of segments) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > grads.length) {
      throw new RangeError(`segment [${start}, ${end}) is not inside the gradient buffer [${grads.length}]`);
    }
    if (start !== expect) tiles = false;
    expect = end;
  }
  if (expect !== grads.length) tiles = false;
  let total = 0;
  for (let s = 0; s < segments.length; s++) {
    const { start, end } = segments[s];
    let part = 0;
    if (tiles) {
      for (let i = start; i < end; i++) {
        const q = grads[i] * grads[i];
        part += q;
        total += q;
      }
    } else {
      for (let i = start; i < end; i++) part += grads[i] * grads[i];
    }
    out[s] = part;
  }
  if (!tiles) for (let i = 0; i < grads.length; i++) total += grads[i] * grads[i];
  return total;
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
