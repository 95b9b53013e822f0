// Every optimizer step's loss and global gradient norm since the progress message last took them, in bounded memory,
// so that the Gradient Flow view's per-step curves show each step of a short run and every spike of a long one.

import type { GradNormPoint, StepCount, StepLossPoint } from '../../wire/types';

/** Rows each curve keeps between two drains: every step up to it, then buckets of more and more steps. */
export const STEP_TRACE_CAPACITY = 2048;

// Every row is (step, value, other): the loss curve's value is the loss (other unused); the norm curve's value is the
// norm before clipping, other the norm after. The buckets keep the rows of their lowest and highest value.
const COLS = 3;

/**
 * A per-step trace of the loss and the gradient norm before and after clipping. Each curve keeps every step until
 * it holds STEP_TRACE_CAPACITY rows; then, as Series does in the view, each four rows become the lowest and highest
 * of them, in order (NaN counting as highest), and later steps go into buckets of 4, 8, 16… steps that each keep
 * theirs. A one-step spike survives however many steps come before the next drain, and N1's ~1.3M steps a second
 * pay a few comparisons each.
 */
export class StepTrace {
  /**
   * The step being added: its mean loss, norm before and norm after clipping, and a zero, [4]. The trainer writes
   * them here and calls `add` with the step alone. Doubles passed to a call V8 does not inline are boxed, one
   * allocation each; so is a value that is either a double or a small integer (`w < 0 ? 0 : src[w]`) or the constant
   * Infinity. A first version spent ~40 ns a step that way in a micro-benchmark, and the young generation's
   * collections with it; this one ~10 ns (~2 % of N1's training in a CPU profile of the bench child).
   */
  readonly incoming = new Float64Array(4);
  private readonly loss = new Curve();
  private readonly norm = new Curve();
  /** The newest step drained: a replay after Step Back records earlier steps again, which are not drained again. */
  private drainedThrough = 0;
  /**
   * The newest step counted, in any timeline: a replay (Step Back, a step the doctor takes again event by event, the
   * search for a NaN's origin) computes the same steps again, which count once.
   */
  private countedThrough = 0;
  /** Steps counted since the last drain, and how many of them clipping scaled down: every step, however thinned. */
  private steps = 0;
  private clipped = 0;

  /** Records optimizer step `step` (steps done, 1-based) with the values in `incoming`. */
  add(step: number): void {
    this.loss.add(step, this.incoming, 0, 3); // (its other: the zero)
    this.norm.add(step, this.incoming, 1, 2);
    if (step <= this.countedThrough) return;
    this.countedThrough = step;
    this.steps++;
    if (this.incoming[2] < this.incoming[1]) this.clipped++;
  }

  /**
   * Drops the steps after `step`: the trainer went back to a state of that step, and what follows it is computed
   * again. The steps up to it stay, so that those not drained yet still reach the view (the steps just before a stop
   * of the doctor's, or before a NaN, are the ones a user looks at).
   */
  rewindTo(step: number): void {
    this.loss.rewindTo(step);
    this.norm.rewindTo(step);
  }

  /**
   * The steps recorded since the last drain and not drained before: at most `maxPoints` of each curve (each stretch's
   * lowest and highest, and the newest step), and how many steps there were and clipping scaled down. Forgets them.
   */
  drain(maxPoints: number): StepTraceDrain {
    const after = this.drainedThrough;
    const loss = this.loss.drain(after, maxPoints, (r, o) => ({ step: r[o], loss: r[o + 1] }));
    const norm = this.norm.drain(after, maxPoints, (r, o) => ({ step: r[o], before: r[o + 1], after: r[o + 2] }));
    const counted = { steps: this.steps, clipped: this.clipped };
    this.steps = this.clipped = 0;
    if (norm.length) this.drainedThrough = norm[norm.length - 1].step;
    return { loss, norm, counted };
  }
}

/** What a drain of the trace gives: the points of the two per-step curves, and the steps counted. */
export interface StepTraceDrain {
  readonly loss: StepLossPoint[];
  readonly norm: GradNormPoint[];
  readonly counted: StepCount;
}

// NaN ranks above everything: a non-finite value is what a stretch keeps as its highest.
const rank = (v: number): number => (v !== v ? Infinity : v);

/** One curve's rows: the kept ones, then the open bucket's lowest and highest (two slots), then room for the newest. */
class Curve {
  private readonly rows = new Float64Array((STEP_TRACE_CAPACITY + 4) * COLS); // [(kept + 2 + 1) × (step, value, other)]
  private kept = 0;
  /** Steps per bucket: 1 until the first compaction. */
  private stride = 1;
  /** Steps in the open bucket so far. */
  private inBucket = 0;
  /** The newest step's row, [step, value, other]; step NaN when none since the last drain. */
  private readonly last = new Float64Array([NaN, NaN, NaN]);

  /** Step `step` with value `src[v]` and other `src[w]`, written out so that nothing is boxed (StepTrace.incoming). */
  add(step: number, src: Float64Array, v: number, w: number): void {
    const r = this.rows,
      value = src[v],
      other = src[w];
    this.last[0] = step;
    this.last[1] = value;
    this.last[2] = other;
    if (this.stride === 1) {
      const o = this.kept++ * COLS;
      r[o] = step;
      r[o + 1] = value;
      r[o + 2] = other;
      if (this.kept >= STEP_TRACE_CAPACITY - 1) this.compact();
      return;
    }
    const lo = this.kept * COLS,
      hi = lo + COLS,
      low = r[lo + 1],
      high = r[hi + 1];
    // As rank() orders them (NaN highest), without its Infinity.
    const first = this.inBucket++ === 0,
      lower = first || value < low || (low !== low && value === value),
      higher = first || value > high || (value !== value && high === high);
    if (lower) {
      r[lo] = step;
      r[lo + 1] = value;
      r[lo + 2] = other;
    }
    if (higher) {
      r[hi] = step;
      r[hi + 1] = value;
      r[hi + 2] = other;
    }
    if (this.inBucket < this.stride) return;
    this.kept += this.closeBucket();
    this.inBucket = 0;
    if (this.kept >= STEP_TRACE_CAPACITY - 1) this.compact();
  }

  /** Puts the open bucket's two rows in step order; returns how many rows it keeps (one when they are one step). */
  private closeBucket(): number {
    const r = this.rows,
      lo = this.kept * COLS,
      hi = lo + COLS;
    if (r[lo] === r[hi]) return 1;
    if (r[lo] > r[hi])
      for (let j = 0; j < COLS; j++) {
        const x = r[lo + j];
        r[lo + j] = r[hi + j];
        r[hi + j] = x;
      }
    return 2;
  }

  /** Each four kept rows become their lowest and highest, in order; the buckets to come take twice the steps. */
  private compact(): void {
    const r = this.rows;
    let kept = 0;
    for (let i = 0; i < this.kept; i += 4) {
      const end = Math.min(i + 4, this.kept);
      let lo = i,
        hi = i;
      for (let q = i + 1; q < end; q++) {
        const v = rank(r[q * COLS + 1]);
        if (v < rank(r[lo * COLS + 1])) lo = q;
        if (v > rank(r[hi * COLS + 1])) hi = q;
      }
      // Rows move only down (kept ≤ i), so none is overwritten before it is read.
      copyRow(r, Math.min(lo, hi), kept++);
      if (lo !== hi) copyRow(r, Math.max(lo, hi), kept++);
    }
    this.kept = kept;
    this.stride = this.stride === 1 ? 4 : this.stride * 2;
  }

  clear(): void {
    this.kept = this.inBucket = 0;
    this.stride = 1;
    this.last[0] = NaN;
  }

  /** Drops the rows of steps after `step`; an open bucket is closed first (its extremes after `step` go with it). */
  rewindTo(step: number): void {
    const r = this.rows;
    if (this.inBucket > 0) {
      this.kept += this.closeBucket();
      this.inBucket = 0;
    }
    while (this.kept > 0 && r[(this.kept - 1) * COLS] > step) this.kept--;
    if (this.kept >= STEP_TRACE_CAPACITY - 1) this.compact();
    if (this.last[0] > step) this.last[0] = NaN; // (the newest kept row is then the newest)
  }

  /** At most `maxPoints` rows with a step after `afterStep` (see StepTrace.drain), as points; then forgets them all. */
  drain<P>(afterStep: number, maxPoints: number, point: (rows: Float64Array, offset: number) => P): P[] {
    const r = this.rows;
    let n = this.kept;
    if (this.inBucket > 0) n += this.closeBucket();
    const newest = this.last[0];
    if (n > 0 ? newest > r[(n - 1) * COLS] : newest === newest) r.set(this.last, n++ * COLS);
    this.clear();
    return pick(r, n, afterStep, maxPoints).map((o) => point(r, o));
  }
}

function copyRow(r: Float64Array, from: number, to: number): void {
  r.copyWithin(to * COLS, from * COLS, from * COLS + COLS);
}

/** Offsets of the lowest and highest rows (by value) of `count` rows from `from`, in order; one when they are one. */
function extremes(r: Float64Array, from: number, count: number): number[] {
  let lo = from,
    hi = from;
  for (let q = from + 1; q < from + count; q++) {
    const v = rank(r[q * COLS + 1]);
    if (v < rank(r[lo * COLS + 1])) lo = q;
    if (v > rank(r[hi * COLS + 1])) hi = q;
  }
  return lo === hi ? [lo * COLS] : [Math.min(lo, hi) * COLS, Math.max(lo, hi) * COLS];
}

/** Offsets of at most `maxPoints` rows with a step after `afterStep`: each stretch's extremes, and the last row. */
function pick(r: Float64Array, rows: number, afterStep: number, maxPoints: number): number[] {
  let first = 0;
  while (first < rows && r[first * COLS] <= afterStep) first++;
  const n = rows - first,
    out: number[] = [];
  if (n <= maxPoints) {
    for (let q = first; q < rows; q++) out.push(q * COLS);
    return out;
  }
  const stretches = Math.max(1, Math.floor((maxPoints - 1) / 2)),
    size = Math.ceil(n / stretches);
  for (let q = first; q < rows; q += size) out.push(...extremes(r, q, Math.min(size, rows - q)));
  if (out[out.length - 1] !== (rows - 1) * COLS) out.push((rows - 1) * COLS);
  return out;
}
