// The exception filters' verdicts with their evidence: after a clip event, exploding (the pre-clip global norm) and
// vanishing (a layer's ‖∂L/∂W‖ against the output layer's, or its mean |∂L/∂W| under the floor); after a forward
// event, dead ReLU. StopRules decides when to ask; this says what fired and why, in words a user reads in the editor.

import { deadFraction, isDyingLayer, layerGradNorms, vanishes } from '../engine/doctor/measures';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import type { ExceptionFilterId } from './protocol';

/** An exception filter that fired: which, why, and the node to point at (-1: the statement `at`). */
export interface ExceptionHit {
  readonly filter: ExceptionFilterId;
  readonly description: string;
  readonly node: number;
  /** For a hit on a statement that is not a layer (the loss, the optimizer): its 1-based line and what it is. */
  readonly at?: { readonly line: number; readonly layerName: string };
}

/**
 * The exception filter that fires after event `ev` of trainer `t`, with its description and the node to point at, or
 * null. `filters` maps each enabled filter to its threshold; `floor` is the vanishing filter's absolute floor of mean
 * |∂L/∂W|.
 */
export function exceptionHitAfter(
  t: Trainer,
  ev: TrainerEvent,
  filters: ReadonlyMap<ExceptionFilterId, number>,
  floor: number,
): ExceptionHit | null {
  const m = t.model;
  if (ev.phase === 'clip') {
    const big = filters.get('exploding');
    if (big !== undefined && t.clip.normBefore > big) {
      const norms = layerGradNorms(t);
      const worst = norms.reduce((a, b) => (b.norm > a.norm ? b : a), norms[0]);
      return {
        filter: 'exploding',
        node: worst.node,
        description: `Exploding gradient: global norm ${t.clip.normBefore.toPrecision(4)} > ${big} (largest in '${m.nodes[worst.node].name}', ‖∇W‖ = ${worst.norm.toPrecision(4)})`,
      };
    }
    const small = filters.get('vanishing');
    if (small !== undefined && vanishes(t, small, floor)) {
      const norms = layerGradNorms(t);
      const ref = norms[norms.length - 1]?.norm ?? 0;
      const low = norms.slice(0, -1).find((x) => ref > 0 && x.norm < small * ref);
      if (low)
        return {
          filter: 'vanishing',
          node: low.node,
          description: `Vanishing gradient: ‖∇W‖ of '${m.nodes[low.node].name}' is ${low.norm.toExponential(2)}, ${(low.norm / ref).toExponential(2)} × the output layer's (threshold ${small})`,
        };
      const floored = norms.find((x) => t.meanAbsGrad[x.node] < floor);
      if (floored)
        return {
          filter: 'vanishing',
          node: floored.node,
          description: `Vanishing gradient: mean |∇W| of '${m.nodes[floored.node].name}' is ${t.meanAbsGrad[floored.node].toExponential(2)}, below the absolute floor ${floor}`,
        };
    }
  }
  if (ev.phase === 'forward') {
    const dead = filters.get('deadRelu');
    const n = m.nodes[ev.layer];
    if (dead !== undefined && isDyingLayer(n)) {
      const frac = deadFraction(m.acts[ev.layer + 1], t.batchSize, n.outWidth);
      if (frac > dead)
        return {
          filter: 'deadRelu',
          node: ev.layer,
          description: `Dead ReLU: ${(100 * frac).toFixed(0)}% of the units of '${n.name}' are 0 for the whole batch (threshold ${(100 * dead).toFixed(0)}%)`,
        };
    }
  }
  return null;
}

/**
 * `vanishes` (engine/doctor/measures.ts) over the weighted nodes `w` (in order) of the gradient statistics: some
 * node's mean |∂L/∂W| below `floor`, or some node's ‖∂L/∂W‖ below `ratio` × the last weighted node's.
 */
export function vanishesAt(
  w: Int32Array,
  meanAbs: Float64Array,
  norms: Float64Array,
  ratio: number,
  floor: number,
): boolean {
  const n = w.length;
  for (let k = 0; k < n; k++) if (meanAbs[w[k]] < floor) return true;
  const ref = n > 0 ? norms[w[n - 1]] : 0;
  if (!(ref > 0)) return false;
  for (let k = 0; k < n - 1; k++) if (norms[w[k]] < ratio * ref) return true;
  return false;
}
