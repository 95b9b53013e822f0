// The metrics of every completed epoch in bounded memory, however long the run (the language allows 10M epochs):
// the newest RECENT epochs exactly, and the whole run as a loss curve thinned by buckets that each keep their
// lowest and highest epoch, so a one-epoch spike (or a NaN) survives any amount of thinning.

import type { EpochMetrics } from './trainer';

/** Epochs kept exactly (the newest ones). */
export const RECENT_EPOCHS = 1024;
/** Most points of the thinned whole-run curve (a few more while a bucket fills). */
export const MAX_CURVE_POINTS = 2048;

/** One point of the loss curve: a 0-based epoch index and its mean training (and validation) loss. */
export interface EpochPoint {
  readonly index: number;
  readonly loss: number;
  readonly valLoss: number | null;
}

// NaN ranks above everything, so a bucket keeps a non-finite loss as its high.
const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);

/** The lowest and highest of `points` (first of equals) in epoch order; the first and last when all tie. */
function extremes(points: readonly EpochPoint[]): EpochPoint[] {
  if (points.length <= 2) return points.slice();
  let lo = 0, hi = 0;
  for (let i = 1; i < points.length; i++) {
    if (rank(points[i].loss) < rank(points[lo].loss)) lo = i;
    if (rank(points[i].loss) > rank(points[hi].loss)) hi = i;
  }
  if (lo === hi) return [points[0], points[points.length - 1]];
  return lo < hi ? [points[lo], points[hi]] : [points[hi], points[lo]];
}

/**
 * At most `max` of `points` in order: each of ⌊(max − 1)/2⌋ buckets keeps its lowest and highest, and the last point
 * is always kept, so a thinned curve still ends at the newest epoch.
 */
export function thinPoints(points: readonly EpochPoint[], max: number): EpochPoint[] {
  if (points.length <= max) return points.slice();
  const buckets = Math.max(1, Math.floor((max - 1) / 2)), size = Math.ceil(points.length / buckets);
  const out: EpochPoint[] = [];
  for (let s = 0; s < points.length; s += size) out.push(...extremes(points.slice(s, s + size)));
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/** Per-epoch metrics: `length` epochs recorded, the newest RECENT_EPOCHS exactly, all of them as a thinned curve. */
export class EpochLog {
  /** Epochs recorded. */
  length = 0;
  /** The exact newest epochs, a ring: slot (index % RECENT_EPOCHS) holds epoch `index`; `exact` of them are valid. */
  private readonly ring: EpochMetrics[] = [];
  private exact = 0;
  /**
   * The whole-run curve: one point per epoch at stride 1; past MAX_CURVE_POINTS, buckets of `stride` epochs that keep
   * two points each (their lowest and highest), the bucket being filled in `pending`.
   */
  private curve: EpochPoint[] = [];
  private stride = 1;
  private pending: EpochPoint[] = [];
  private pendingCount = 0;
  /** The newest epoch's metrics, kept even when a rewind goes back past the ring (see truncate). */
  private newest: EpochMetrics | undefined;

  /** Records the next epoch. */
  push(m: EpochMetrics): void {
    const index = this.length++;
    this.ring[index % RECENT_EPOCHS] = m;
    this.exact = Math.min(RECENT_EPOCHS, this.exact + 1);
    this.newest = m;
    const p: EpochPoint = { index, loss: m.loss, valLoss: m.valLoss };
    if (this.stride === 1) this.curve.push(p);
    else {
      this.pending = extremes([...this.pending, p]);
      if (++this.pendingCount < this.stride) return;
      this.curve.push(...this.pending);
      this.pending = [];
      this.pendingCount = 0;
    }
    // Thinning whole groups of four points (four epochs, or two buckets) leaves no half bucket behind.
    if (this.curve.length > MAX_CURVE_POINTS && this.curve.length % 4 === 0) this.thin();
  }

  /** The newest epoch's metrics (undefined before the first epoch ends). */
  get last(): EpochMetrics | undefined {
    return this.newest;
  }

  /** The oldest epoch index (0-based) still kept exactly. */
  get firstExact(): number {
    return this.length - this.exact;
  }

  /** Metrics of 0-based epoch `index` (negative counts from the end), or undefined when it is no longer kept exactly. */
  at(index: number): EpochMetrics | undefined {
    const i = index < 0 ? this.length + index : index;
    return i >= this.firstExact && i < this.length ? this.ring[i % RECENT_EPOCHS] : undefined;
  }

  /**
   * Loss points of epochs `from` … length − 1 (0-based), at most `max`: exact where the epochs are still kept, from the
   * thinned curve before that, thinned again by min/max buckets when there are more.
   */
  pointsSince(from: number, max: number): EpochPoint[] {
    const exact = Math.max(from, this.firstExact), points: EpochPoint[] = [];
    if (from < exact) for (const p of this.points()) if (p.index >= from && p.index < exact) points.push(p);
    for (let i = exact; i < this.length; i++) {
      const m = this.ring[i % RECENT_EPOCHS];
      points.push({ index: i, loss: m.loss, valLoss: m.valLoss });
    }
    return thinPoints(points, max);
  }

  /** The whole run's loss curve as kept: at most MAX_CURVE_POINTS + 3 points, each bucket's lowest and highest. */
  points(): EpochPoint[] {
    return [...this.curve, ...this.pending];
  }

  /**
   * Forgets the epochs from `length` on (a rewind). `last` is the metrics of epoch `length − 1` for when the ring no
   * longer holds it (the restored checkpoint carries them).
   */
  truncate(length: number, last: EpochMetrics | undefined): void {
    if (length >= this.length) return;
    this.exact = Math.max(0, this.exact - (this.length - length));
    this.length = length;
    this.newest = length === 0 ? undefined : this.at(length - 1) ?? last;
    this.curve = this.curve.filter((p) => p.index < length);
    if (this.pending.some((p) => p.index >= length)) {
      this.curve.push(...this.pending.filter((p) => p.index < length));
      this.pending = [];
      this.pendingCount = 0;
    }
  }

  /** Entries held (exact epochs and curve points): bounded by RECENT_EPOCHS + MAX_CURVE_POINTS + 3. */
  get size(): number {
    return this.ring.length + this.curve.length + this.pending.length;
  }

  /** Halves the curve: groups of four points (four epochs, or two buckets) become one bucket, its lowest and highest. */
  private thin(): void {
    const out: EpochPoint[] = [];
    for (let i = 0; i + 4 <= this.curve.length; i += 4) out.push(...extremes(this.curve.slice(i, i + 4)));
    this.curve = out;
    this.stride = this.stride === 1 ? 4 : this.stride * 2;
  }
}
