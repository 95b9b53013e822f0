// Small loops of the training step over whole buffers: accuracy counts, gradient statistics, scaling, finiteness.

import type { FloatArray } from '../nn/tensor';

/** Correct predictions in a batch: argmax for several outputs, threshold 0.5 for one. */
export function countCorrect(a: Float32Array, y: Float32Array, B: number, K: number): number {
  let c = 0;
  for (let r = 0; r < B; r++) {
    const o = r * K;
    if (K === 1) {
      if ((a[o] >= 0.5 ? 1 : 0) === (y[o] >= 0.5 ? 1 : 0)) c++;
      continue;
    }
    let best = 0,
      bestY = 0;
    for (let j = 1; j < K; j++) {
      if (a[o + j] > a[o + best]) best = j;
      if (y[o + j] > y[o + bestY]) bestY = j;
    }
    if (best === bestY) c++;
  }
  return c;
}

/**
 * Mean |g|, max |g| and ‖g‖ of g[off, off + n), written at index k of the three statistics; returns `total` plus the
 * segment's Σ g², added in index order (so that a caller walking the whole buffer in order gets its sum of squares
 * bit for bit as clipByGlobalNorm adds it, without a second pass). A function of its own, not a closure: the
 * debugger's run loop measures every step this way wherever it goes event by event (N5), and the loop inside a
 * forEach callback ran ~6× slower (~25 ms against ~4 ms on N5's 2.1 M gradients).
 */
export function measureSegment(
  g: FloatArray,
  off: number,
  n: number,
  k: number,
  meanAbs: Float64Array,
  maxAbs: Float64Array,
  norm: Float64Array,
  total = 0,
): number {
  let sum = 0,
    max = 0,
    sq = 0;
  for (let i = off, end = off + n; i < end; i++) {
    const a = Math.abs(g[i]),
      a2 = a * a;
    sum += a;
    sq += a2;
    total += a2;
    if (a > max) max = a;
  }
  meanAbs[k] = sum / n;
  maxAbs[k] = max;
  norm[k] = Math.sqrt(sq);
  return total;
}

/** `total` plus Σ g² over g[from, to), added in index order. */
export function addSquares(g: FloatArray, from: number, to: number, total: number): number {
  for (let i = from; i < to; i++) total += g[i] * g[i];
  return total;
}

/** Multiplies a[0, n) by s in place. */
export function scale(a: Float32Array, n: number, s: number): void {
  for (let i = 0; i < n; i++) a[i] *= s;
}

/** True when a[0, n) holds only finite numbers. */
export function allFinite(a: Float32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
