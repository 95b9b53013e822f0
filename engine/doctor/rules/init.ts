// poor-init (SageMaker PoorWeightInitialization): the variance of the pre-activations shrinks or grows across the
// hidden layers at step 0, before any update could be blamed, so the initialisation is what sets it.

import { nodeTensors } from '../../runtime/snapshot';
import type { Trainer } from '../../runtime/trainer';
import { hasWeightMatrix, lastWeightedNode, variance } from '../measures';

/**
 * Hidden weighted layers on the network's main path: not the output layer (the loss sets the scale of its logits),
 * not inside a residual block (the skip path carries the signal's scale there, whatever the body's init).
 */
function mainPathHidden(t: Trainer): number[] {
  const nodes = t.model.nodes,
    last = lastWeightedNode(nodes);
  let depth = 0;
  const out: number[] = [];
  nodes.forEach((n, i) => {
    if (n.partner >= 0)
      depth += n.partner > i ? 1 : -1; // a residual block's begin (partner ahead) or end
    else if (depth === 0 && i < last && hasWeightMatrix(n) && nodeTensors(t, i).z) out.push(i);
  });
  return out;
}
import type { Rule } from '../types';

/**
 * The first hidden layer whose pre-activation variance var(z) at step 0 differs from the first one's by more than
 * `poorInitRatio` (either way), over the main path (see mainPathHidden); layers with var(z) = 0 are left to the
 * all-zero and dead-ReLU rules.
 */
export function poorInit(): Rule {
  let vars: number[] = [];
  let done = false;
  return {
    id: 'poor-init',
    forwardNodes: mainPathHidden,
    afterForward({ trainer: t }, node) {
      if (done) return false;
      const z = nodeTensors(t, node).z!;
      vars[node] = variance(z.values, z.values.length);
    },
    afterClip({ trainer: t, thresholds: th, report }) {
      if (done) return false;
      done = true;
      const seen = vars.flatMap((v, i) => (v > 0 ? [{ i, v }] : []));
      vars = [];
      if (seen.length < 2) return;
      const ref = seen[0].v;
      for (const { i, v } of seen.slice(1)) {
        const r = v / ref,
          excess = Math.max(r, 1 / r) / th.poorInitRatio;
        if (excess <= 1) continue;
        const n = t.model.nodes[i];
        report({
          anchor: { kind: 'layer', node: i },
          step: 0,
          measured: r,
          threshold: th.poorInitRatio,
          excess,
          message: () =>
            `poor initialization: at step 0, var(z) of '${n.name}' is ${r.toPrecision(3)} × that of '${t.model.nodes[seen[0].i].name}' (threshold ${th.poorInitRatio}×either way); the activations ${r > 1 ? 'grow' : 'shrink'} from layer to layer: use init=he for ReLU, init=xavier for tanh/sigmoid`,
        });
        return;
      }
    },
  };
}
