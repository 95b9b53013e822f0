// Rules over the loss curve: loss-not-decreasing (per window of steps), loss-spike (per step, against the running
// mean) and overfitting (per epoch, validation against training loss).

import type { DoctorThresholds } from '../thresholds';
import type { Hit, Rule } from '../types';

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
    updateSeries({ thresholds: th, report }, s, from, to) {
      const window = th.window,
        losses = s.previousLoss;
      for (let k = from; k < to; k++) {
        sum[0] += losses[k];
        if (++n < window) continue;
        const mean = sum[0] / n,
          step = s.step[k] + 1; // the trainer's step after this one's update
        sum[0] = n = 0;
        if (Number.isNaN(first)) {
          first = mean;
          continue;
        }
        if (mean > first * (1 - th.lossMinDecrease))
          report({
            anchor: { kind: 'loss' },
            step: step - 1,
            measured: mean / first,
            threshold: 1 - th.lossMinDecrease,
            excess: mean / first / (1 - th.lossMinDecrease),
            message: () =>
              `loss not decreasing: the mean loss of steps ${step - th.window + 1}–${step} is ${fmt(mean)}, ${fmt(mean / first)} × the first ${th.window} steps' ${fmt(first)}`,
          });
      }
    },
  };
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
  // In a typed array: a number kept in a closure variable is boxed anew at every write, each step.
  const run = new Float64Array(2); // [sum, largest]
  /** One step's loss (the mean over its micro-batches) and the trainer's step after its update. */
  const one = (clipped: boolean, th: DoctorThresholds, report: (h: Hit) => void, loss: number, step: number) => {
    const w = th.window;
    ring ??= new Float64Array(2 * w);
    const len = 2 * w,
      fits = ring.length === len; // the window was changed mid-run: no running sum, the exact means only
    if (w !== runningW) [runningW, run[0]] = [w, NaN];
    // While the window fits the ring (len = ring.length), seen % len is `at` and (seen − w) % len is w away from it.
    if (fits && seen >= w) run[0] -= ring[at >= w ? at - w : at + w];
    ring[fits ? at : seen % len] = loss;
    seen++;
    at = at + 1 === ring.length ? 0 : at + 1;
    run[0] += loss;
    run[1] = Math.max(run[1], Math.abs(loss));
    if (fits && (at === 0 || at === w || Number.isNaN(run[0]))) {
      let sum = 0,
        largest = 0;
      for (let k = Math.max(0, seen - w); k < seen; k++) {
        sum += ring[k % len];
        largest = Math.max(largest, Math.abs(ring[k % len]));
      }
      run[0] = sum;
      run[1] = largest;
    }
    if (seen === w) first = mean(ring, 0, w);
    if (seen < 2 * w) return;
    // The running sum is off the exact one by less than 6w²ε × the largest loss it saw (w adds and takes since it
    // was summed afresh), the exact mean by less than wε × it: a margin of 1e-9·w × it is far wider than both.
    if (fits && run[0] / w < first - 1e-9 * w * run[1]) return;
    // The last w losses and the w before them, in the ring of 2w; the second mean only when the first is above
    // where the run started (rare in a run that learns).
    // (seen − w) % len and (seen − 2w) % len from `at` (= seen % len while the window fits), without a division.
    const recent = fits ? meanFrom(ring, at >= w ? at - w : at + w, w) : mean(ring, seen - w, w);
    if (!(recent > first)) return;
    const before = fits ? meanFrom(ring, at, w) : mean(ring, seen - 2 * w, w),
      start = first;
    if (recent > th.lossSpikeFactor * before)
      report({
        anchor: { kind: clipped ? 'clip' : 'optimizer' },
        step: step - 1,
        measured: recent / before,
        threshold: th.lossSpikeFactor,
        excess: recent / before / th.lossSpikeFactor,
        message: () =>
          `loss spike: the mean loss of steps ${step - w + 1}–${step} is ${fmt(recent)}, ${fmt(recent / before)} × the ${w} steps before (threshold ${th.lossSpikeFactor}×) and above where the run started (${fmt(start)}); lower the learning rate or clip the gradient norm`,
      });
  };
  return {
    id: 'loss-spike',
    // One step read from the trainer, for a caller that feeds the rule itself (the doctor prefers updateSeries).
    afterUpdate({ trainer: t, thresholds: th, report }) {
      one(!!t.spec.train.clip, th, report, t.previousLoss, t.step);
    },
    updateSeries({ trainer: t, thresholds: th, report }, s, from, to) {
      for (let k = from; k < to; k++) one(!!t.spec.train.clip, th, report, s.previousLoss[k], s.step[k] + 1);
    },
  };
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
    last: Hit | null = null;
  return {
    id: 'overfitting',
    afterEpoch({ trainer: t, thresholds: th }) {
      const e = t.epochs.last;
      last = null;
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
    pending: () => last,
    finish({ report }) {
      if (!last) return;
      // The first epoch it held, then the last: the finding spans them.
      report({ ...last, step: firstHeld });
      report(last);
      void held;
    },
  };
}
