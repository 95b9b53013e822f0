// How a curve's points are thinned on their way between processes: each stretch keeps its lowest and highest value,
// so a one-step spike (or a NaN) survives. The worker's step trace and the Gradient Flow view rank values alike.

/** NaN ranks above everything, so a non-finite value is what a stretch keeps as its highest. */
export function rank(v: number): number {
  return Number.isNaN(v) ? Infinity : v;
}

/**
 * At most `maxPoints` indices of `values[from..to)`, in order, for sending a stretch of a curve at lower resolution
 * (the training worker's per-step loss and norm between two progress messages, engine/runtime/stepTrace.ts): each bucket's lowest and highest, and always
 * the last index, so the curve ends at the newest value.
 */
export function minMaxIndices(values: ArrayLike<number>, from: number, to: number, maxPoints: number): number[] {
  const out: number[] = [];
  if (to - from <= maxPoints) {
    for (let i = from; i < to; i++) out.push(i);
    return out;
  }
  const buckets = Math.max(1, Math.floor((maxPoints - 1) / 2));
  const size = Math.ceil((to - from) / buckets);
  for (let start = from; start < to; start += size) {
    const end = Math.min(to, start + size);
    let lo = start,
      hi = start;
    for (let i = start + 1; i < end; i++) {
      const r = rank(values[i]);
      if (r < rank(values[lo])) lo = i;
      if (r > rank(values[hi]) || (Number.isNaN(values[i]) && !Number.isNaN(values[hi]))) hi = i;
    }
    out.push(Math.min(lo, hi));
    if (hi !== lo) out.push(Math.max(lo, hi));
  }
  if (out[out.length - 1] !== to - 1) out.push(to - 1);
  return out;
}
