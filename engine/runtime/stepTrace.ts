// Every optimizer step's loss and global gradient norm since the progress message last took them, in bounded memory,
// so that the Gradient Flow view's per-step curves show each step of a short run and every spike of a long one.

import { minMaxIndices, rank } from '../../wire/thinning';
import type { GradNormPoint, StepCount, StepLossPoint } from '../../wire/types';

/** Rows each curve keeps between two drains: every step up to it, then buckets of more and more steps. */
export const STEP_TRACE_CAPACITY = 2048;

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
    const loss = this.loss.drain(after, maxPoints, (c, i) => ({ step: c.steps[i], loss: c.values[i] }));
    const norm = this.norm.drain(after, maxPoints, (c, i) => ({
      step: c.steps[i],
      before: c.values[i],
      after: c.others[i],
    }));
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

/**
 * One curve's rows, a column each: the loss curve's value is the loss (other unused); the norm curve's value is the
 * norm before clipping, other the norm after. Rows: the kept ones, then the open bucket's lowest and highest (two
 * slots), then room for the newest.
 */
class Curve {
  readonly steps = new Float64Array(STEP_TRACE_CAPACITY + 4);
  readonly values = new Float64Array(STEP_TRACE_CAPACITY + 4);
  readonly others = new Float64Array(STEP_TRACE_CAPACITY + 4);
  private kept = 0;
  /** Steps per bucket: 1 until the first compaction. */
  private stride = 1;
  /** Steps in the open bucket so far. */
  private inBucket = 0;
  /** The newest step's row, [step, value, other]; step NaN when none since the last drain. */
  private readonly last = new Float64Array([NaN, NaN, NaN]);

  /** Step `step` with value `src[v]` and other `src[w]`, written out so that nothing is boxed (StepTrace.incoming). */
  add(step: number, src: Float64Array, v: number, w: number): void {
    const value = src[v],
      other = src[w];
    this.last[0] = step;
    this.last[1] = value;
    this.last[2] = other;
    // Stores written out, not through set(): see StepTrace.incoming.
    if (this.stride === 1) {
      const row = this.kept++;
      this.steps[row] = step;
      this.values[row] = value;
      this.others[row] = other;
      if (this.kept >= STEP_TRACE_CAPACITY - 1) this.compact();
      return;
    }
    const lo = this.kept,
      hi = lo + 1,
      low = this.values[lo],
      high = this.values[hi];
    // As rank() orders them (NaN highest), without its Infinity.
    const first = this.inBucket++ === 0,
      lower = first || value < low || (low !== low && value === value),
      higher = first || value > high || (value !== value && high === high);
    if (lower) {
      this.steps[lo] = step;
      this.values[lo] = value;
      this.others[lo] = other;
    }
    if (higher) {
      this.steps[hi] = step;
      this.values[hi] = value;
      this.others[hi] = other;
    }
    if (this.inBucket < this.stride) return;
    this.kept += this.closeBucket();
    this.inBucket = 0;
    if (this.kept >= STEP_TRACE_CAPACITY - 1) this.compact();
  }

  private set(row: number, step: number, value: number, other: number): void {
    this.steps[row] = step;
    this.values[row] = value;
    this.others[row] = other;
  }

  /** Puts the open bucket's two rows in step order; returns how many rows it keeps (one when they are one step). */
  private closeBucket(): number {
    const lo = this.kept,
      hi = lo + 1;
    if (this.steps[lo] === this.steps[hi]) return 1;
    if (this.steps[lo] > this.steps[hi]) {
      swap(this.steps, lo, hi);
      swap(this.values, lo, hi);
      swap(this.others, lo, hi);
    }
    return 2;
  }

  private copy(from: number, to: number): void {
    this.set(to, this.steps[from], this.values[from], this.others[from]);
  }

  /** Each four kept rows become their lowest and highest, in order; the buckets to come take twice the steps. */
  private compact(): void {
    const v = this.values;
    let kept = 0;
    for (let i = 0; i < this.kept; i += 4) {
      const end = Math.min(i + 4, this.kept);
      let lo = i,
        hi = i;
      for (let q = i + 1; q < end; q++) {
        if (rank(v[q]) < rank(v[lo])) lo = q;
        if (rank(v[q]) > rank(v[hi])) hi = q;
      }
      // Rows move only down (kept ≤ i), so none is overwritten before it is read.
      this.copy(Math.min(lo, hi), kept++);
      if (lo !== hi) this.copy(Math.max(lo, hi), kept++);
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
    if (this.inBucket > 0) {
      this.kept += this.closeBucket();
      this.inBucket = 0;
    }
    while (this.kept > 0 && this.steps[this.kept - 1] > step) this.kept--;
    if (this.kept >= STEP_TRACE_CAPACITY - 1) this.compact();
    if (this.last[0] > step) this.last[0] = NaN; // (the newest kept row is then the newest)
  }

  /**
   * At most `maxPoints` rows with a step after `afterStep` (each stretch's lowest and highest, and the newest:
   * wire/thinning.ts minMaxIndices), as points; then forgets them all.
   */
  drain<P>(afterStep: number, maxPoints: number, point: (curve: Curve, row: number) => P): P[] {
    let n = this.kept;
    if (this.inBucket > 0) n += this.closeBucket();
    const [step, value, other] = this.last;
    if (n > 0 ? step > this.steps[n - 1] : step === step) this.set(n++, step, value, other);
    this.clear();
    let first = 0;
    while (first < n && this.steps[first] <= afterStep) first++;
    return minMaxIndices(this.values, first, n, maxPoints).map((i) => point(this, i));
  }
}

function swap(column: Float64Array, a: number, b: number): void {
  const x = column[a];
  column[a] = column[b];
  column[b] = x;
}
