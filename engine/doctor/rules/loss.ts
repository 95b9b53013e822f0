// Rules over the loss curve: loss-not-decreasing (per window of steps), loss-spike (per step, against the running
// mean) and overfitting (per epoch, validation against training loss).

import { PREVIOUS_LOSS, STEP } from '../series';
import type { DoctorThresholds } from '../thresholds';
import type { Anchor, Hit, Rule } from '../types';

const fmt = (x: number) => x.toPrecision(3);

/**
 * loss-not-decreasing (SageMaker LossNotDecreasing, windows of 10 steps): a window's mean loss not at least
 * `lossMinDecrease` below the first window's. Compared with the first window rather than the previous one, so a
 * run that has converged (flat, but far below where it started) is not flagged. Sits on the loss line.
 */
export function lossNotDecreasing(): Rule {
  let first = NaN,
    n = 0;
  // The window's sum in a typed array: a number kept in a closure variable is boxed anew at every write, each step.
  const sum = new Float64Array(1);
  return {
    id: 'loss-not-decreasing',
    per: 'window',
    persistence: (th) => th.persistence,
    updateSeries({ thresholds: th, report, repeat }, s, from, to) {
      const window = th.window,
        rows = s.rows,
        stride = s.stride,
        field = s.meanLoss;
      // The window's sum and count in locals for the batch, written back after it.
      let acc = sum[0],
        m = n,
        k = from,
        o = (from * stride + field) | 0;
      const stride2 = (2 * stride) | 0,
        stride3 = (3 * stride) | 0,
        stride4 = (4 * stride) | 0;
      while (k < to) {
        // The rows up to the window's end (or the batch's) in a loop that only adds: a tiny network's flush reads
        // every row, and a loop that also asked at each row whether the window ended cost it ~2.5 times as much.
        // (Compared, not Math.min and Math.max, and offsets as int32 (| 0): V8 otherwise computed the bounds in
        // floating point and tested every offset for overflow, more instructions than the sum.)
        let take = window - m;
        if (take < 1) take = 1; // (a window shortened mid-run ends at its next row)
        if (take > to - k) take = to - k;
        k += take;
        m += take;
        // Four rows an iteration, added one by one in order (the same sum): V8 checks the array's map once per
        // iteration, not once per row (~21 instructions a row in a loop of one).
        for (; take >= 4; take = (take - 4) | 0, o = (o + stride4) | 0) {
          acc += rows[o];
          acc += rows[(o + stride) | 0];
          acc += rows[(o + stride2) | 0];
          acc += rows[(o + stride3) | 0];
        }
        for (; take > 0; take = (take - 1) | 0, o = (o + stride) | 0) acc += rows[o];
        if (m < window) break;
        const mean = acc / m;
        acc = m = 0;
        if (Number.isNaN(first)) {
          first = mean;
          continue;
        }
        if (!(mean > first * (1 - th.lossMinDecrease))) continue;
        // The trainer's step after the update of the window's last step. A loss that does not fall hits every
        // window: most hits only add to the tally's counts, folded without being built (RuleContext.repeat).
        const step = s.at(k - 1, STEP) + 1;
        if (!repeat?.(LOSS_LINE, undefined, step - 1, excessOf(th, mean, first)))
          notDecreasing(th, report, step, mean, first);
      }
      sum[0] = acc;
      n = m;
    },
  };
}

/** The loss line, where loss-not-decreasing's hits sit. */
const LOSS_LINE: Anchor = { kind: 'loss' };

/** How far a window's mean loss `mean` is past loss-not-decreasing's bound on it (the first window's `first`). */
function excessOf(th: DoctorThresholds, mean: number, first: number): number {
  return mean / first / (1 - th.lossMinDecrease);
}

/**
 * A loss-not-decreasing hit. A function of its own: the numbers its message reads would otherwise be captured from
 * the loop over the steps, which then allocates a context for them at every step, not only at a hit.
 */
function notDecreasing(
  th: DoctorThresholds,
  report: (h: Hit) => void,
  step: number,
  mean: number,
  first: number,
): void {
  report({
    anchor: LOSS_LINE,
    step: step - 1,
    measured: mean / first,
    threshold: 1 - th.lossMinDecrease,
    excess: excessOf(th, mean, first),
    message: () =>
      `loss not decreasing: the mean loss of steps ${step - th.window + 1}–${step} is ${fmt(mean)}, ${fmt(mean / first)} × the first ${th.window} steps' ${fmt(first)}`,
  });
}

/**
 * loss-spike (PyTorch Lightning's SpikeDetection: rtol 2, i.e. 3×, against a running mean over 10 steps): the mean
 * loss of the last `window` steps above `lossSpikeFactor` × the mean of the `window` steps before them, and above
 * the first window's mean (Lightning's atol, here the loss the run started from). Windows rather than single steps:
 * with batches of 1 to 3 samples one batch's loss is noise; above the start, because a spike in a loss already near
 * 0 is not what breaks a run. Sits on the clip line, else the optimizer line.
 */
export function lossSpike(): Rule {
  let ring: Float64Array | null = null,
    seen = 0,
    at = 0, // seen % ring.length, kept without a division (an integer division costs more than the rest of a step)
    first = NaN,
    runningW = 0;
  // The sum of the last w losses, kept by adding the newest and taking off the oldest and summed afresh every w
  // steps, and the largest |loss| it has seen since: it tells the steps whose recent mean is clearly not above the
  // start, which need no exact mean. Every other step computes the exact mean as before: the hits are the same.
  // In a typed array: a number kept in a closure variable is boxed anew at every write.
  const run = new Float64Array(2); // [sum, largest]
  /**
   * Steps from..to−1 of rows of `stride` numbers (StepSeries.rows): step k's loss (the mean over its micro-batches) is
   * rows[k × stride + field] (StepSeries.meanLoss), the trainer's step after its update rows[k × stride + STEP] + stepAdd. The rule's
   * state sits in locals for the loop and is written back after it (closure variables are read and written through the
   * closure's context at every access).
   */
  const scan = (
    clipped: boolean,
    th: DoctorThresholds,
    report: (h: Hit) => void,
    rows: Float64Array,
    stride: number,
    field: number,
    from: number,
    to: number,
    stepAdd: number,
  ) => {
    const w = th.window,
      r = (ring ??= new Float64Array(2 * w)),
      len = 2 * w,
      size = r.length,
      fits = size === len, // the window was changed mid-run: no running sum, the exact means only
      perW = 1 / w;
    if (w !== runningW) [runningW, run[0]] = [w, NaN];
    let n = seen,
      i = at,
      sum = run[0],
      largest = run[1],
      start = first,
      begin = from;
    if (fits && n >= len && to - from > len && belowStart(r, i, w, rows, stride, field, from, to, start)) {
      // No step here can hit: only the ring moves, to the last 2w losses where the steps one by one leave them, and
      // the window is summed afresh (as every w steps below: the sum only tells steps that cannot hit, within a margin).
      const m = n + to - from;
      for (let j = m - len; j < m; j++) r[j % len] = rows[(from + j - n) * stride + field];
      n = m;
      i = m % len;
      begin = to;
      sum = largest = 0;
      for (let j = n - w, q = j % len; j < n; j++) {
        sum += r[q];
        largest = Math.max(largest, Math.abs(r[q]));
        if (++q === len) q = 0;
      }
    }
    for (let k = begin, o = k * stride; k < to; k++, o += stride) {
      const loss = rows[o + field];
      // While the window fits the ring (len = size), n % len is `i` and (n − w) % len is w away from it.
      if (fits && n >= w) sum -= r[i >= w ? i - w : i + w];
      r[fits ? i : n % len] = loss;
      n++;
      i = i + 1 === size ? 0 : i + 1;
      sum += loss;
      largest = Math.max(largest, Math.abs(loss));
      if (fits && (i === 0 || i === w || Number.isNaN(sum))) {
        sum = largest = 0;
        // The same entries in the same order as j % len for j from max(0, n − w) up, with one division, not 2w.
        for (let j = Math.max(0, n - w), q = j % len; j < n; j++) {
          sum += r[q];
          largest = Math.max(largest, Math.abs(r[q]));
          if (++q === len) q = 0;
        }
      }
      if (n === w) start = mean(r, 0, w);
      if (n < 2 * w) continue;
      // The running sum is off the exact one by less than 6w²ε × the largest loss it saw (w adds and takes since it
      // was summed afresh), the exact mean by less than wε × it: a margin of 1e-9·w × it is far wider than both
      // (and than the ε of a product by 1/w instead of a division by w, which would wait on a division every step).
      if (fits && sum * perW < start - 1e-9 * w * largest) continue;
      // The last w losses and the w before them, in the ring of 2w; the second mean only when the first is above
      // where the run started (rare in a run that learns).
      // (n − w) % len and (n − 2w) % len from `i` (= n % len while the window fits), without a division.
      const recent = fits ? meanFrom(r, i >= w ? i - w : i + w, w) : mean(r, n - w, w);
      if (!(recent > start)) continue;
      const before = fits ? meanFrom(r, i, w) : mean(r, n - 2 * w, w);
      if (recent > th.lossSpikeFactor * before)
        reportSpike(clipped, th, report, rows[o + STEP] + stepAdd, recent, before, start);
    }
    seen = n;
    at = i;
    run[0] = sum;
    run[1] = largest;
    first = start;
  };
  // One step read from the trainer, as a series of one row.
  const row1 = new Float64Array(PREVIOUS_LOSS + 1);
  return {
    id: 'loss-spike',
    // One step read from the trainer, for a caller that feeds the rule itself (the doctor prefers updateSeries).
    afterUpdate({ trainer: t, thresholds: th, report }) {
      row1[PREVIOUS_LOSS] = t.previousLoss;
      row1[STEP] = t.step;
      scan(!!t.spec.train.clip, th, report, row1, row1.length, PREVIOUS_LOSS, 0, 1, 0);
    },
    updateSeries({ trainer: t, thresholds: th, report }, s, from, to) {
      scan(!!t.spec.train.clip, th, report, s.rows, s.stride, s.meanLoss, from, to, 1);
    },
  };
}

/**
 * A loss spike's hit. A function of its own: the numbers its message reads would otherwise be captured from the
 * rule's per-step code, which then allocates a context for them at every step, not only at a hit.
 */
function reportSpike(
  clipped: boolean,
  th: DoctorThresholds,
  report: (h: Hit) => void,
  step: number,
  recent: number,
  before: number,
  start: number,
): void {
  const w = th.window;
  report({
    anchor: { kind: clipped ? 'clip' : 'optimizer' },
    step: step - 1,
    measured: recent / before,
    threshold: th.lossSpikeFactor,
    excess: recent / before / th.lossSpikeFactor,
    message: () =>
      `loss spike: the mean loss of steps ${step - w + 1}–${step} is ${fmt(recent)}, ${fmt(recent / before)} × the ${w} steps before (threshold ${th.lossSpikeFactor}×) and above where the run started (${fmt(start)}); lower the learning rate or clip the gradient norm`,
  });
}

/**
 * True when no window of w losses that ends at steps from..to−1 (rows as in lossSpike's scan) can have a mean above
 * `start`: the largest of their sums (kept by adding each step's loss and taking off the one w before it, the first w
 * of those from the ring of 2w, which holds the step after them at slot i), over w, is below it by more than the
 * running sum's error and a mean's rounding (the margin of lossSpike's running sum). One pass over the losses with
 * one sum, where each step's own check keeps two sums and a ring (a run that learns spends most of its steps below
 * where it started).
 */
function belowStart(
  ring: Float64Array,
  i: number,
  w: number,
  rows: Float64Array,
  stride: number,
  field: number,
  from: number,
  to: number,
  start: number,
): boolean {
  const len = ring.length;
  let sum = 0,
    top = -Infinity,
    largest = 0;
  // The window of the w losses before the block: slots i − w … i − 1 of the ring.
  for (let q = i >= w ? i - w : i + w, c = 0; c < w; c++) {
    sum += ring[q];
    if (Math.abs(ring[q]) > largest) largest = Math.abs(ring[q]);
    if (++q === len) q = 0;
  }
  const first = Math.min(to, from + w);
  // The block's first w steps take off the ring's losses, those after them the block's own.
  for (let k = from, o = from * stride + field, q = i >= w ? i - w : i + w; k < first; k++, o += stride) {
    const loss = rows[o];
    sum += loss - ring[q];
    if (sum > top) top = sum;
    if (Math.abs(loss) > largest) largest = Math.abs(loss);
    if (++q === len) q = 0;
  }
  // Four rows an iteration, each as the loop of one below takes it (the same numbers): V8 checks the array's map
  // once per iteration, not once per row. Offsets as int32 (| 0): V8 otherwise tests each one for overflow.
  const end = to * stride,
    back = w * stride,
    s1 = stride | 0,
    s2 = (2 * stride) | 0,
    s3 = (3 * stride) | 0,
    s4 = (4 * stride) | 0;
  let o = (first * stride + field) | 0,
    p = (o - back) | 0;
  for (; o + s3 < end; o = (o + s4) | 0, p = (p + s4) | 0) {
    const a = rows[o];
    sum += a - rows[p];
    if (sum > top) top = sum;
    if (Math.abs(a) > largest) largest = Math.abs(a);
    const b = rows[(o + s1) | 0];
    sum += b - rows[(p + s1) | 0];
    if (sum > top) top = sum;
    if (Math.abs(b) > largest) largest = Math.abs(b);
    const c = rows[(o + s2) | 0];
    sum += c - rows[(p + s2) | 0];
    if (sum > top) top = sum;
    if (Math.abs(c) > largest) largest = Math.abs(c);
    const d = rows[(o + s3) | 0];
    sum += d - rows[(p + s3) | 0];
    if (sum > top) top = sum;
    if (Math.abs(d) > largest) largest = Math.abs(d);
  }
  for (; o < end; o = (o + s1) | 0, p = (p + s1) | 0) {
    const loss = rows[o];
    sum += loss - rows[p];
    if (sum > top) top = sum;
    if (Math.abs(loss) > largest) largest = Math.abs(loss);
  }
  // NaN anywhere (or a start of NaN) answers false: the steps one by one handle it. A NaN or infinite loss leaves the
  // running sum NaN or infinite from its step on (each loss added is taken off w steps later): the comparisons above,
  // which pass over a NaN (Math.max cost more), need no test of their own.
  return sum - sum === 0 && top / w < start - 1e-9 * w * largest;
}

/** Mean of the n entries of the ring from index `from` (mod its length) on, without a division per entry. */
function mean(ring: Float64Array, from: number, n: number): number {
  return meanFrom(ring, from % ring.length, n);
}

/** Mean of the n entries of the ring from slot i (< its length) on. */
function meanFrom(ring: Float64Array, i: number, n: number): number {
  const len = ring.length;
  let s = 0;
  for (let k = 0; k < n; k++) {
    s += ring[i];
    if (++i === len) i = 0;
  }
  return s / n;
}

/**
 * overfitting (SageMaker Overfit, ratio 0.1): the validation loss ends the run more than `overfitRatio` × the first
 * epoch's validation loss above its best epoch's, while the training loss is below that epoch's. Measured against
 * the first epoch (the problem's own scale) rather than the training loss, which tends to 0 in any run that fits;
 * reported only when the run ends overfitted, so a noisy validation epoch on the way does not count. Sits on the
 * data line (more data, or fewer parameters).
 */
export function overfitting(): Rule {
  let firstVal = NaN,
    bestVal = Infinity,
    trainAtBest = Infinity,
    held = 0,
    firstHeld = -1,
    last: Hit | null = null,
    done = false;
  return {
    id: 'overfitting',
    afterEpoch({ trainer: t, thresholds: th }) {
      const e = t.epochs.last;
      last = null;
      // No validation rows: no epoch of the run has a validation loss, nothing to look at in any.
      if (t.valRows.length === 0) {
        done = true;
        return false;
      }
      if (!e || e.valLoss === null || !Number.isFinite(e.valLoss)) return;
      if (Number.isNaN(firstVal)) firstVal = e.valLoss;
      if (e.valLoss < bestVal) {
        bestVal = e.valLoss;
        trainAtBest = e.loss;
        return;
      }
      const val = e.valLoss,
        best = bestVal,
        start = firstVal,
        train = e.loss;
      const rise = (val - best) / start;
      if (!(rise > th.overfitRatio && train < trainAtBest)) return;
      held++;
      if (firstHeld < 0) firstHeld = t.step - 1;
      last = {
        anchor: { kind: 'data' },
        step: t.step - 1,
        measured: rise,
        threshold: th.overfitRatio,
        excess: rise / th.overfitRatio,
        message: () =>
          `overfitting: the validation loss ended at ${fmt(val)}, ${fmt(val - best)} above its best (${fmt(best)}; ${fmt(100 * rise)}% of the first epoch's ${fmt(start)}) while the training loss fell to ${fmt(train)}`,
      };
    },
    pending: () => (done ? false : last),
    finish({ report }) {
      if (!last) return;
      // The first epoch it held, then the last: the finding spans them.
      report({ ...last, step: firstHeld });
      report(last);
      void held;
    },
  };
}
