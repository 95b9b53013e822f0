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
  let lo = 0,
    hi = 0;
  for (let i = 1; i < points.length; i++) {
    if (rank(points[i].loss) < rank(points[lo].loss)) lo = i;
    if (rank(points[i].loss) > rank(points[hi].loss)) hi = i;
  }
  if (lo === hi) return [points[0], points[points.length - 1]];
  return lo < hi ? [points[lo], points[hi]] : [points[hi], points[lo]];
}

/**
 * `q` (at most two points in epoch order) becomes extremes([...q, p]), in place: the same points as that, without
 * the two arrays it allocates at every epoch of a thinned curve (a tiny network ends an epoch every step).
 */
function extremesWith(q: EpochPoint[], p: EpochPoint): void {
  if (q.length < 2) {
    q.push(p);
    return;
  }
  const a = q[0],
    b = q[1];
  const ra = rank(a.loss),
    rb = rank(b.loss),
    rp = rank(p.loss);
  // extremes' scan over [a, b, p]: the first lowest and the first highest.
  let lo = 0,
    hi = 0,
    rlo = ra,
    rhi = ra;
  if (rb < rlo) {
    lo = 1;
    rlo = rb;
  }
  if (rb > rhi) {
    hi = 1;
    rhi = rb;
  }
  if (rp < rlo) lo = 2;
  if (rp > rhi) hi = 2;
  if (lo === hi)
    q[1] = p; // all tie: the first and the last
  else {
    const first = lo < hi ? lo : hi,
      second = lo < hi ? hi : lo;
    q[0] = first === 0 ? a : b; // (first < second ≤ 2)
    q[1] = second === 1 ? b : p;
  }
}

/**
 * At most `max` of `points` in order: each of ⌊(max − 1)/2⌋ buckets keeps its lowest and highest, and the last point
 * is always kept, so a thinned curve still ends at the newest epoch.
 */
export function thinPoints(points: readonly EpochPoint[], max: number): EpochPoint[] {
  if (points.length <= max) return points.slice();
  const buckets = Math.max(1, Math.floor((max - 1) / 2)),
    size = Math.ceil(points.length / buckets);
  const out: EpochPoint[] = [];
  for (let s = 0; s < points.length; s += size) out.push(...extremes(points.slice(s, s + size)));
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/**
 * Per-epoch metrics at the trainer's position (`length` epochs completed), the newest RECENT_EPOCHS exactly and the
 * whole run as a thinned curve. A rewind moves the position back (seek) without forgetting what lies ahead: replays
 * are bit-identical, so coming forward again finds the same epochs. Only a change of the future (Set Value) forgets.
 */
export class EpochLog {
  /** Epochs completed at the trainer's current position. */
  length = 0;
  /** The exact newest epochs, a ring: slot (index % RECENT_EPOCHS) holds the metrics of the last epoch put there. */
  private readonly ring: EpochMetrics[] = [];
  /** Epochs the curve covers (the furthest the run has got since the future last changed). */
  private recorded = 0;
  /**
   * The whole-run curve: one point per epoch at stride 1; past MAX_CURVE_POINTS, buckets of `stride` epochs that keep
   * two points each (their lowest and highest), the bucket being filled in `pending`.
   */
  private curve: EpochPoint[] = [];
  private stride = 1;
  private readonly pending: EpochPoint[] = [];
  private pendingCount = 0;
  /** The metrics of epoch length − 1, kept even when a rewind lands where the ring no longer holds them. */
  private newest: EpochMetrics | undefined;

  /** Records the next epoch (its `epoch` field is its 1-based number, length + 1). */
  push(m: EpochMetrics): void {
    const index = this.length++;
    this.ring[index % RECENT_EPOCHS] = m;
    this.newest = m;
    if (index < this.recorded) return; // a replay after a rewind: the curve has this epoch already
    this.recorded = index + 1;
    const p: EpochPoint = { index, loss: m.loss, valLoss: m.valLoss };
    if (this.stride === 1) this.curve.push(p);
    else {
      extremesWith(this.pending, p);
      if (++this.pendingCount < this.stride) return;
      this.curve.push(...this.pending);
      this.pending.length = 0;
      this.pendingCount = 0;
    }
    // Thinning whole groups of four points (four epochs, or two buckets) leaves no half bucket behind.
    if (this.curve.length > MAX_CURVE_POINTS && this.curve.length % 4 === 0) this.thin();
  }

  /** The newest epoch's metrics (undefined before the first epoch ends). */
  get last(): EpochMetrics | undefined {
    return this.newest;
  }

  /** Metrics of 0-based epoch `index` (negative counts from the end), or undefined when it is not kept exactly. */
  at(index: number): EpochMetrics | undefined {
    const i = index < 0 ? this.length + index : index;
    if (i < 0 || i >= this.length || i < this.length - RECENT_EPOCHS) return undefined;
    const m = this.ring[i % RECENT_EPOCHS];
    return m && m.epoch === i + 1 ? m : undefined;
  }

  /**
   * Loss points of epochs `from` … length − 1 (0-based), at most `max`: exact where the epochs are still kept, from the
   * thinned curve before that, thinned again by min/max buckets when there are more.
   */
  pointsSince(from: number, max: number): EpochPoint[] {
    let exactFrom = this.length;
    while (exactFrom > from && this.at(exactFrom - 1)) exactFrom--;
    const points: EpochPoint[] = [];
    if (from < exactFrom) for (const p of this.points()) if (p.index >= from && p.index < exactFrom) points.push(p);
    for (let i = exactFrom; i < this.length; i++) {
      const m = this.at(i)!;
      points.push({ index: i, loss: m.loss, valLoss: m.valLoss });
    }
    return thinPoints(points, max);
  }

  /** The run's loss curve up to the current position: at most MAX_CURVE_POINTS + 3 points, each bucket's lowest and highest. */
  points(): EpochPoint[] {
    return [...this.curve, ...this.pending].filter((p) => p.index < this.length);
  }

  /** Moves to `length` epochs completed (a rewind, or back forward); `last` is epoch length − 1's metrics. */
  seek(length: number, last: EpochMetrics | undefined): void {
    this.length = length;
    this.newest = length === 0 ? undefined : (this.at(length - 1) ?? last);
  }

  /** Forgets the epochs ahead of the current position: the future is about to be different (Set Value). */
  forgetAhead(): void {
    if (this.recorded <= this.length) return;
    this.recorded = this.length;
    this.curve = this.curve.filter((p) => p.index < this.length);
    if (this.pending.length) {
      this.curve.push(...this.pending.filter((p) => p.index < this.length));
      this.pending.length = 0;
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
