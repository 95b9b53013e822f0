// Rules over what one optimizer step did to each weight matrix: update-ratio (‖ΔW‖/‖W‖ out of range) and
// unchanged-weights (W did not move for several steps). Both ask for the parameters before the update.

import type { DoctorThresholds } from '../thresholds';
import type { Anchor, Hit, Rule } from '../types';
import type { UpdateLog } from '../updateLog';

const fmt = (x: number) => x.toPrecision(3);

/**
 * update-ratio (MindSpore Insight's watchpoint): the largest ‖ΔW‖/‖W‖ of one step over the weight matrices outside
 * [1e-4, 1e-1]. The learning rate is one number for the whole network, so the rule looks at the layer that moves
 * most: one layer moving little while others move is the vanishing rule's business. Sits on the optimizer line.
 * Persistent: more than half the sampling periods (the first measured step of each, UpdateLog.firstOfPeriod).
 */
export function updateRatioRule(): Rule {
  return {
    id: 'update-ratio',
    needsUpdates: true,
    per: 'sampled',
    persistence: (th) => th.persistence,
    afterUpdates({ trainer: t, thresholds: th, report, repeat }, log, from, to) {
      const w = log.width,
        ratio = log.ratio,
        first = log.firstOfPeriod;
      for (let e = from; e < to; e++) {
        // The first measured step of each period only (see UpdateLog.firstOfPeriod).
        if (first[e] === 0) continue;
        let max = -1,
          at = -1;
        for (let k = 0, o = e * w; k < w; k++) {
          const r = ratio[o + k];
          // (W all zero: the all-zero rule says so.)
          if (Number.isFinite(r) && r > max) {
            max = r;
            at = k;
          }
        }
        if (at < 0 || !(max > th.updateRatioHigh || max < th.updateRatioLow)) continue;
        // A run that has converged hits at every measured step: most only add to the tally's counts.
        const high = max > th.updateRatioHigh,
          step = log.steps[e];
        if (!repeat?.(OPTIMIZER, high ? 'high' : 'low', step, excessOf(th, max, high)))
          outOfRange(step, th, report, max, t.model.nodes[log.nodes[at]].name);
      }
    },
  };
}

/** The optimizer line, where update-ratio's hits sit. */
const OPTIMIZER: Anchor = { kind: 'optimizer' };

/** How far the largest ratio `max` is past the bound it crosses (the upper one when `high`). */
function excessOf(th: DoctorThresholds, max: number, high: boolean): number {
  return high ? max / th.updateRatioHigh : th.updateRatioLow / Math.max(max, 1e-300);
}

/**
 * An update-ratio hit: `max` is the largest ‖ΔW‖/‖W‖ (in the layer named `name`) of step `step`'s update. A
 * function of its own: the numbers its message reads would otherwise be captured from the rule's hook, which then
 * allocates a context for them at every measured step, not only at a hit.
 */
function outOfRange(step: number, th: DoctorThresholds, report: (h: Hit) => void, max: number, name: string): void {
  const high = max > th.updateRatioHigh;
  report({
    anchor: OPTIMIZER,
    step,
    measured: max,
    threshold: high ? th.updateRatioHigh : th.updateRatioLow,
    excess: excessOf(th, max, high),
    variant: high ? 'high' : 'low',
    message: () =>
      high
        ? `update too large: ‖ΔW‖/‖W‖ reaches ${fmt(max)} per step (in '${name}'), above ${th.updateRatioHigh}; lower the learning rate`
        : `update too small: ‖ΔW‖/‖W‖ is at most ${fmt(max)} per step (in '${name}'), below ${th.updateRatioLow}; raise the learning rate`,
  });
}

/**
 * unchanged-weights (SageMaker UnchangedTensor): |ΔW| ≤ atol + rtol·|W| for every entry, `unchangedSteps` steps in
 * a row: the layer does not learn (no gradient reaches it, or it is far too small). Sits on the layer's line.
 * Persistent: more than half the bursts of measured steps (a schedule that decays the learning rate to 0 stills every
 * layer at the end).
 */
export function unchangedWeights(): Rule {
  let still: Int32Array | null = null;
  return {
    id: 'unchanged-weights',
    needsUpdates: true,
    per: 'burst',
    persistence: (th) => th.persistence,
    afterUpdates({ trainer: t, thresholds: th, report }, log, from, to) {
      const w = log.width;
      // The streak of each weight matrix, in log order.
      still ??= new Int32Array(w);
      // No matrix unchanged at any of the entries (a run that learns): every streak ends at 0. One pass over their
      // flags, a few instructions each, where the streaks cost a tiny network's flush ~15 per matrix and entry.
      const flags = log.unchanged;
      let any = 0;
      for (let i = from * w, end = to * w; i < end; i++) any |= flags[i];
      if (any === 0) {
        if (to > from) still.fill(0);
        return;
      }
      for (let e = from; e < to; e++) {
        // A new burst of measured steps starts every streak afresh (each read only here: no fill of the others).
        const fresh = log.consecutive[e] === 0;
        for (let k = 0, o = e * w; k < w; k++) {
          const streak = (still[k] = log.unchanged[o + k] === 1 ? (fresh ? 0 : still[k]) + 1 : 0);
          if (streak >= th.unchangedSteps) unchanged(log, e, th, report, k, t.model.nodes[log.nodes[k]].name, streak);
        }
      }
    },
  };
}

/**
 * An unchanged-weights hit of weight matrix `k` of `log` (named `name`) at entry `e`'s update. A function of its
 * own: the numbers its message reads would otherwise be captured from the loop over the layers, which then allocates
 * a context for them at every layer of every measured step, not only at a hit.
 */
function unchanged(
  log: UpdateLog,
  e: number,
  th: DoctorThresholds,
  report: (h: Hit) => void,
  k: number,
  name: string,
  streak: number,
): void {
  report({
    anchor: { kind: 'layer', node: log.nodes[k] },
    step: log.steps[e],
    measured: streak,
    threshold: th.unchangedSteps,
    excess: streak / th.unchangedSteps,
    message: () =>
      `unchanged weights: ${name}.W has not changed (rtol ${th.unchangedRtol}) for ${streak} steps in a row`,
  });
}
