// Rules over the weight matrices themselves: symmetric-units (identical rows: the zero-init trap) and all-zero,
// checked before the first update and at the end of the run (a matrix that was symmetric at both was so throughout:
// identical rows get identical updates).

import type { Trainer } from '../../runtime/trainer';
import { hasWeightMatrix } from '../measures';
import type { Rule, RuleContext } from '../types';

/** Nodes with a weight matrix. */
function matrices(t: Trainer): number[] {
  return t.model.nodes.flatMap((n, i) => (hasWeightMatrix(n) ? [i] : []));
}

/** The largest number of units of node i whose rows of W (with their bias) are identical. */
export function largestIdenticalGroup(t: Trainer, i: number): number {
  const n = t.model.nodes[i],
    p = t.model.params,
    inW = n.wSize / n.outWidth;
  const groups = new Map<string, number>();
  let best = 0;
  for (let r = 0; r < n.outWidth; r++) {
    const row = p.subarray(n.wOff + r * inW, n.wOff + (r + 1) * inW);
    const key = `${Array.prototype.join.call(row, ',')}|${p[n.bOff + r]}`;
    const c = (groups.get(key) ?? 0) + 1;
    groups.set(key, c);
    if (c > best) best = c;
  }
  return best;
}

/** True when every entry of node i's W is 0. */
export function allZero(t: Trainer, i: number): boolean {
  const n = t.model.nodes[i],
    p = t.model.params;
  for (let k = n.wOff, end = n.wOff + n.wSize; k < end; k++) if (p[k] !== 0) return false;
  return true;
}

/**
 * symmetric-units: two or more units of a layer with identical rows of W and equal biases compute the same thing,
 * get the same δ and the same update, for ever (the zero-init trap). Sits on the layer's line.
 */
export function symmetricUnits(): Rule {
  const check = ({ trainer: t, report }: RuleContext, step: number) => {
    for (const i of matrices(t)) {
      const n = t.model.nodes[i];
      if (n.outWidth < 2) continue;
      const same = largestIdenticalGroup(t, i);
      if (same >= 2)
        report({
          anchor: { kind: 'layer', node: i },
          step,
          measured: same,
          threshold: 2,
          excess: same / 2,
          message: () =>
            `symmetric units: ${same} of the ${n.outWidth} units of '${n.name}' have identical weights and bias, so they get identical updates and stay copies of each other; initialise W randomly (init=xavier or init=he)`,
        });
    }
  };
  return {
    id: 'symmetric-units',
    afterClip(ctx) {
      check(ctx, 0);
      return false; // once, before the first update
    },
    finish: (ctx) => check(ctx, Math.max(0, ctx.trainer.step - 1)),
  };
}

/**
 * all-zero (SageMaker AllZero; MindSpore: initial weights all zero): a weight matrix entirely 0. Harmless, and not
 * reported, in the first weighted layer when it has one unit (a linear model): nothing can be symmetric and no
 * gradient has to pass through it.
 */
export function allZeroWeights(): Rule {
  const check = ({ trainer: t, report }: RuleContext, step: number) => {
    const ms = matrices(t);
    for (const i of ms)
      if (allZero(t, i) && (t.model.nodes[i].outWidth > 1 || i !== ms[0]))
        report({
          anchor: { kind: 'layer', node: i },
          step,
          measured: 0,
          threshold: 0,
          excess: 1,
          message: () => `all-zero weights: every entry of ${t.model.nodes[i].name}.W is 0`,
        });
  };
  return {
    id: 'all-zero',
    afterClip(ctx) {
      check(ctx, 0);
      return false; // once, before the first update
    },
    finish: (ctx) => check(ctx, Math.max(0, ctx.trainer.step - 1)),
  };
}
