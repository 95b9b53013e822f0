// exploding and vanishing gradients, from the per-layer gradient norms the trainer measures in its clip pass.

import type { Trainer } from '../../runtime/trainer';
import { GRADS, LOSS, NORM_AFTER, NORM_BEFORE, STEP, type StepSeries } from '../series';
import type { DoctorThresholds } from '../thresholds';
import type { Hit, Rule } from '../types';

const fmt = (x: number) => x.toPrecision(3);

/**
 * exploding: the global gradient norm before clipping is above the threshold and nothing bounded the step (no
 * `clip`, or a clip that still lets more through): sits on the `clip` line, else the optimizer line. Reads the
 * recorded steps (StepSeries): the trainer's clip norms and per-layer ‖∇W‖ of each.
 */
export function exploding(): Rule {
  return {
    id: 'exploding',
    clipSeries({ trainer: t, thresholds: th, report }, s, from, to) {
      const limit = th.explodingNorm,
        rows = s.rows,
        stride = s.stride;
      if (!(s.normBeforeMax > limit)) return; // no step of the series is above it (StepSeries.normBeforeMax)
      for (let k = from, o = from * stride; k < to; k++, o += stride)
        if (rows[o + NORM_BEFORE] > limit && !(rows[o + NORM_AFTER] <= limit)) explodes(t, th, report, s, k);
    },
  };
}

/**
 * Step k's exploding hit. A function of its own: the numbers its message reads would otherwise be captured from the
 * loop over the steps, which then allocates a context for them at every step, not only at a hit.
 */
function explodes(t: Trainer, th: DoctorThresholds, report: (h: Hit) => void, s: StepSeries, k: number): void {
  const w = s.width,
    before = s.at(k, NORM_BEFORE);
  // The weighted node of the largest ‖∇W‖ (the first of equals), for the message.
  let worst = 0;
  for (let j = 1; j < w; j++) if (s.gradNorm(k, j) > s.gradNorm(k, worst)) worst = j;
  const node = s.nodes[worst],
    norm = s.gradNorm(k, worst);
  report({
    anchor: { kind: t.spec.train.clip ? 'clip' : 'optimizer' },
    step: s.at(k, STEP),
    measured: before,
    threshold: th.explodingNorm,
    excess: before / th.explodingNorm,
    message: () =>
      `exploding gradients: global norm ${fmt(before)} > ${th.explodingNorm} before clipping (largest in '${t.model.nodes[node].name}', ‖∇W‖ = ${fmt(norm)}); add or tighten 'clip norm', or lower the learning rate`,
  });
}

/**
 * A step whose loss is at most this part of the first step's is not checked for vanishing gradients: the run has
 * converged, and its gradients vanish because the loss they are the slope of does (with a fused sigmoid or softmax
 * output, ∂L/∂z = a − y is as small as the loss), not because the layers between lose them.
 */
export const CONVERGED_LOSS = 1e-4;

/**
 * vanishing: a layer's ‖∂L/∂W‖ below `vanishingRatio` × the output layer's, or its mean |∂L/∂W| below the absolute
 * floor (so a network that collapsed entirely is caught too); sits on the layer's line. Persistent: more than half
 * the steps. Silent on steps whose loss has fallen to `converged` × the first step's (CONVERGED_LOSS). Reads the
 * recorded steps (StepSeries): each one's loss and per-layer gradient statistics, as the trainer measured them.
 */
export function vanishing(converged = CONVERGED_LOSS): Rule {
  let first = NaN; // the first step's loss
  return {
    id: 'vanishing',
    persistence: (th) => th.persistence,
    clipSeries({ trainer: t, thresholds: th, report }, s, from, to) {
      const nodes = t.model.nodes,
        w = s.width,
        last = w - 1; // the output layer the ratio refers to: the last weighted node
      if (last < 0) return false;
      // Read once per batch (thresholds change only between batches), and the series' arrays too.
      const floor = th.vanishingFloor,
        ratio = th.vanishingRatio,
        rows = s.rows,
        stride = s.stride;
      // Step k's hits, one per layer that shows them (never called on a step that shows none).
      const hits = (k: number) => {
        // Node j's ‖∂L/∂W‖ at g + 2j, its mean |∂L/∂W| after it.
        const g = k * stride + GRADS,
          ref = rows[g + 2 * last],
          below = ref > 0 ? ratio * ref : -Infinity; // no ratio to the output layer without its gradient
        for (let j = 0; j < w; j++)
          if (rows[g + 2 * j + 1] < floor) belowFloor(nodes, th, report, s, k, j);
          else if (j < last && rows[g + 2 * j] < below) belowRatio(nodes, th, report, s, k, j);
      };
      let k = from;
      // Until the first step's loss is known (a NaN one leaves it unknown), each step as it is learnt.
      for (; k < to && Number.isNaN(first); k++) {
        first = rows[k * stride + LOSS];
        if (firstVanishing(rows, stride, w, k, k + 1, converged * first, floor, ratio) === k) hits(k);
      }
      // No step of the series can hit (its bounds: see StepSeries.normBeforeMax): nothing to look at.
      if (!(s.meanAbsMin < floor) && !(s.innerNormMin < ratio * s.lastNormMax) && ratio >= 0) return;
      const done = converged * first; // the loss at which the run counts as converged
      for (k = firstVanishing(rows, stride, w, k, to, done, floor, ratio); k < to;) {
        hits(k);
        k = firstVanishing(rows, stride, w, k + 1, to, done, floor, ratio);
      }
    },
  };
}

/**
 * The first of steps from..to−1 (rows of `stride` numbers with `w` weighted nodes, StepSeries.rows) where the
 * vanishing rule hits some layer, or `to`: its loss above `done` (not converged) and some node's mean |∂L/∂W| below
 * `floor`, or its ‖∂L/∂W‖ below `ratio` × the last node's. A loop that only tests, the hits reported outside it:
 * on N1 the pass over a batch then costs ~115 instructions a step rather than ~137 (callgrind).
 */
function firstVanishing(
  rows: Float64Array,
  stride: number,
  w: number,
  from: number,
  to: number,
  done: number,
  floor: number,
  ratio: number,
): number {
  const last = w - 1;
  let k = from;
  for (let o = from * stride; k < to; k++, o += stride) {
    if (rows[o + LOSS] <= done) continue; // a loss of 0 from the start included: nothing to learn
    const g = o + GRADS,
      ref = rows[g + 2 * last],
      below = ref > 0 ? ratio * ref : -Infinity;
    let j = 0;
    while (j < last && !(rows[g + 2 * j + 1] < floor) && !(rows[g + 2 * j] < below)) j++;
    if (j < last || rows[g + 2 * last + 1] < floor) break;
  }
  return k;
}

// The vanishing rule's hits, in functions of their own: the numbers a message reads would otherwise be captured from
// the loops over steps and layers, which then allocate a context for them at every step and layer, not only at a hit.

/** Weighted node j of step k: its mean |∂L/∂W| is below the floor. */
function belowFloor(
  nodes: Trainer['model']['nodes'],
  th: DoctorThresholds,
  report: (h: Hit) => void,
  s: StepSeries,
  k: number,
  j: number,
): void {
  const i = s.nodes[j],
    mean = s.meanAbsGrad(k, j);
  report({
    anchor: { kind: 'layer', node: i },
    step: s.at(k, STEP),
    measured: mean,
    threshold: th.vanishingFloor,
    excess: th.vanishingFloor / Math.max(mean, 1e-300),
    message: () => `vanishing gradient: mean |∇W| of '${nodes[i].name}' is ${fmt(mean)}, below ${th.vanishingFloor}`,
  });
}

/** Weighted node j of step k: its ‖∂L/∂W‖ is below the ratio × the output layer's (the last weighted node's). */
function belowRatio(
  nodes: Trainer['model']['nodes'],
  th: DoctorThresholds,
  report: (h: Hit) => void,
  s: StepSeries,
  k: number,
  j: number,
): void {
  const i = s.nodes[j],
    r = s.gradNorm(k, j) / s.gradNorm(k, s.width - 1);
  report({
    anchor: { kind: 'layer', node: i },
    step: s.at(k, STEP),
    measured: r,
    threshold: th.vanishingRatio,
    excess: th.vanishingRatio / Math.max(r, 1e-300),
    message: () =>
      `vanishing gradient: ‖∇W‖ of '${nodes[i].name}' is ${fmt(r)} × the output layer's (threshold ${th.vanishingRatio})`,
  });
}
