// exploding and vanishing gradients, from the per-layer gradient norms the trainer measures in its clip pass.

import { lastWeightedNode, layerGradNorms } from '../measures';
import type { Rule } from '../types';

const fmt = (x: number) => x.toPrecision(3);

/**
 * exploding: the global gradient norm before clipping is above the threshold and nothing bounded the step (no
 * `clip`, or a clip that still lets more through): sits on the `clip` line, else the optimizer line.
 */
export function exploding(): Rule {
  return {
    id: 'exploding',
    afterClip({ trainer: t, thresholds: th, report }) {
      const before = t.clip.normBefore;
      if (!(before > th.explodingNorm) || t.clip.normAfter <= th.explodingNorm) return;
      const norms = layerGradNorms(t);
      const worst = norms.reduce((a, b) => (b.norm > a.norm ? b : a), norms[0]);
      report({
        anchor: { kind: t.spec.train.clip ? 'clip' : 'optimizer' },
        step: t.step,
        measured: before,
        threshold: th.explodingNorm,
        excess: before / th.explodingNorm,
        message: () =>
          `exploding gradients: global norm ${fmt(before)} > ${th.explodingNorm} before clipping (largest in '${t.model.nodes[worst.node].name}', ‖∇W‖ = ${fmt(worst.norm)}); add or tighten 'clip norm', or lower the learning rate`,
      });
    },
  };
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
 * the steps. Silent on steps whose loss has fallen to `converged` × the first step's (CONVERGED_LOSS).
 */
export function vanishing(converged = CONVERGED_LOSS): Rule {
  let last = -2, // the output layer the ratio refers to: found once per run
    first = NaN; // the first step's loss
  return {
    id: 'vanishing',
    persistence: (th) => th.persistence,
    afterClip({ trainer: t, thresholds: th, report }) {
      const nodes = t.model.nodes;
      if (last === -2) last = lastWeightedNode(nodes);
      if (last < 0) return false;
      if (Number.isNaN(first)) first = t.loss;
      if (t.loss <= converged * first) return; // a loss of 0 from the start included: nothing to learn
      const ref = t.gradNorm[last];
      for (let i = 0; i < nodes.length; i++) {
        if (!nodes[i].wSize) continue;
        const mean = t.meanAbsGrad[i];
        if (mean < th.vanishingFloor)
          report({
            anchor: { kind: 'layer', node: i },
            step: t.step,
            measured: mean,
            threshold: th.vanishingFloor,
            excess: th.vanishingFloor / Math.max(mean, 1e-300),
            message: () =>
              `vanishing gradient: mean |∇W| of '${nodes[i].name}' is ${fmt(mean)}, below ${th.vanishingFloor}`,
          });
        else if (i < last && ref > 0 && t.gradNorm[i] < th.vanishingRatio * ref) {
          const r = t.gradNorm[i] / ref;
          report({
            anchor: { kind: 'layer', node: i },
            step: t.step,
            measured: r,
            threshold: th.vanishingRatio,
            excess: th.vanishingRatio / Math.max(r, 1e-300),
            message: () =>
              `vanishing gradient: ‖∇W‖ of '${nodes[i].name}' is ${fmt(r)} × the output layer's (threshold ${th.vanishingRatio})`,
          });
        }
      }
    },
  };
}
