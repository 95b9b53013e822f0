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

/**
 * The largest number of units of node i whose rows of W (with their bias) are identical (=== per entry, so 0 and −0
 * agree). Rows are bucketed by a hash of their float32 bits and compared only within a bucket: no strings, one pass
 * over W (joining rows into strings took ~0.4 s on N3's 784 × 128 matrix at step 0).
 */
export function largestIdenticalGroup(t: Trainer, i: number): number {
  const n = t.model.nodes[i],
    p = t.model.params,
    bits = new Uint32Array(p.buffer, p.byteOffset, p.length),
    inW = n.wSize / n.outWidth;
  const buckets = new Map<number, number[]>();
  for (let r = 0; r < n.outWidth; r++) {
    let h = 0x811c9dc5; // FNV-1a over the entries' bits, −0 as 0
    for (let k = n.wOff + r * inW, end = k + inW; k < end; k++)
      h = Math.imul(h ^ (p[k] === 0 ? 0 : bits[k]), 0x01000193);
    h = Math.imul(h ^ (p[n.bOff + r] === 0 ? 0 : bits[n.bOff + r]), 0x01000193);
    const b = buckets.get(h);
    if (b) b.push(r);
    else buckets.set(h, [r]);
  }
  const same = (r: number, q: number) => {
    if (p[n.bOff + r] !== p[n.bOff + q]) return false;
    for (let a = n.wOff + r * inW, c = n.wOff + q * inW, end = a + inW; a < end; a++, c++)
      if (p[a] !== p[c]) return false;
    return true;
  };
  let best = 1;
  for (const rows of buckets.values()) {
    if (rows.length <= best) continue;
    // Rows of one bucket: group them by exact equality (collisions of different rows are rare).
    const left = [...rows];
    while (left.length > best) {
      const head = left[0],
        rest = left.filter((r, k) => k > 0 && !same(head, r));
      best = Math.max(best, left.length - rest.length);
      left.splice(0, left.length, ...rest);
    }
  }
  return n.outWidth ? best : 0;
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
