// Small loops of the training step over whole buffers: accuracy counts, gradient statistics, scaling, finiteness.

import { absStats, MX, S, SQ } from '../nn/laneSums';
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

const measured = new Float64Array(3);

/**
 * Mean |g|, max |g| and ‖g‖ of the tensor g[off, off + n), written at index k of the three statistics; returns its
 * Σ g². All in laneSums.ts's order, as the generated whole step (fastStep.ts) and gradStatsSimd.ts's kernel sum.
 */
export function measureSegment(
  g: FloatArray,
  off: number,
  n: number,
  k: number,
  meanAbs: Float64Array,
  maxAbs: Float64Array,
  norm: Float64Array,
): number {
  absStats(g, off, n, measured);
  meanAbs[k] = measured[S] / n;
  maxAbs[k] = measured[MX];
  norm[k] = Math.sqrt(measured[SQ]);
  return measured[SQ];
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
