// Downsampled curves for the Gradient Flow view: bounded memory over millions of samples, and every bucket keeps its
// lowest and highest sample, so a one-step spike (or a NaN) stays in the picture however far the curve is thinned.

import { rank } from '../../wire/thinning';

/**
 * A curve downsampled by buckets of `stride` consecutive samples. At stride 1 every sample is kept; past the cap the
 * resolution drops to stride 4, then doubles, and each bucket keeps two samples: its lowest and its highest, in the
 * order they came.
 */
export interface Series<T> {
  /** Kept samples of the completed buckets: one each at stride 1, two each (low and high, in order) above. */
  points: T[];
  /** The bucket being filled: its lowest, highest and newest sample so far, in order, no repeats (at most three). */
  pending: T[];
  stride: number;
  /** Samples in the pending bucket. */
  skipped: number;
}

/** Reads the value a series is downsampled by (the loss, the norm before clipping). */
export type ValueOf<T> = (p: T) => number;

/** An empty series at full resolution. */
export function emptySeries<T>(): Series<T> {
  return { points: [], pending: [], stride: 1, skipped: 0 };
}

/** Indices of the lowest and highest of `items` (the first of equals), as a sorted pair; equal when all tie. */
function extremes<T>(items: readonly T[], value: ValueOf<T>): [number, number] {
  let lo = 0,
    hi = 0;
  for (let i = 1; i < items.length; i++) {
    const r = rank(value(items[i]));
    if (r < rank(value(items[lo]))) lo = i;
    if (r > rank(value(items[hi])) || (Number.isNaN(value(items[i])) && !Number.isNaN(value(items[hi])))) hi = i;
  }
  return lo <= hi ? [lo, hi] : [hi, lo];
}

/** The two samples a completed bucket keeps: its lowest and highest in order, or its first and last when all tie. */
function bucketOf<T>(items: readonly T[], value: ValueOf<T>): T[] {
  if (items.length <= 1) return items.slice();
  const [a, b] = extremes(items, value);
  return a === b ? [items[0], items[items.length - 1]] : [items[a], items[b]];
}

/** The pending bucket after one more sample: the lowest and highest so far and the newest, in order. */
function withSample<T>(pending: readonly T[], p: T, value: ValueOf<T>): T[] {
  const all = [...pending, p];
  const [a, b] = extremes(all, value);
  return all.filter((_, i) => i === a || i === b || i === all.length - 1);
}

/** Appends samples, dropping the resolution once the kept points exceed `max` (at most `max` + 3 are kept). */
export function appendSeries<T>(series: Series<T>, incoming: readonly T[], value: ValueOf<T>, max: number): void {
  for (const p of incoming) {
    if (series.stride === 1) {
      series.points.push(p);
    } else {
      series.pending = withSample(series.pending, p, value);
      if (++series.skipped < series.stride) continue;
      series.points.push(...bucketOf(series.pending, value));
      series.pending = [];
      series.skipped = 0;
    }
    // Compacting only in whole groups of four kept points leaves no half bucket behind.
    if (series.points.length > max && series.points.length % 4 === 0) compact(series, value);
  }
}

/** Halves the kept points: four single samples, or two buckets, become one bucket of twice (or four times) the size. */
function compact<T>(series: Series<T>, value: ValueOf<T>): void {
  const out: T[] = [];
  for (let i = 0; i + 4 <= series.points.length; i += 4) out.push(...bucketOf(series.points.slice(i, i + 4), value));
  series.points = out;
  series.stride = series.stride === 1 ? 4 : series.stride * 2;
}

/** The points to draw: the kept ones, then what the pending bucket has so far, so the curve ends at the newest. */
export function seriesForDisplay<T>(series: Series<T>): T[] {
  return [...series.points, ...series.pending];
}
