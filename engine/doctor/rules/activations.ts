// dead-relu and saturated: per-unit activity over windows of steps, read from the forward events of the layers
// whose activation (per the activation table) can die or saturate.

import { ACTIVATION_TRAITS } from '../../nn/activations';
import type { Trainer } from '../../runtime/trainer';
import type { Rule, RuleContext } from '../types';

/** Per watched node: counts per unit over the current window, and samples seen. */
interface Window {
  readonly node: number;
  readonly counts: Float64Array;
  samples: number;
}

function windows(t: Trainer, watch: (node: number) => boolean): Window[] {
  return t.model.nodes.flatMap((n, node) =>
    watch(node) ? [{ node, counts: new Float64Array(n.outWidth), samples: 0 }] : [],
  );
}

/** Per watched ReLU node: the units not yet known to be alive in this window (the first `open` of `units`). */
interface Activity extends Window {
  readonly units: Int32Array;
  open: number;
}

/**
 * dead-relu (SageMaker DeadRelu): a unit is dead when active (output ≠ 0) on fewer than `deadUnitActivity` of the
 * window's samples; the layer is reported when more than `deadReluShare` of its units are dead.
 *
 * Counted incrementally: a unit whose count reaches `deadUnitActivity` × the most samples a window can hold is alive
 * for the rest of the window and is not looked at again until the next one. In a healthy layer that happens within
 * the first batch of a window, so the rule reads a few rows per unit per window instead of every activation of every
 * step (it was nearly all of the doctor's cost on N3); units still open are counted exactly, so the verdict is the
 * same as counting everything.
 */
export function deadRelu(): Rule {
  let ws: Activity[] = [];
  const byNode = new Map<number, Activity>();
  const check = ({ trainer: t, thresholds: th, report }: RuleContext) => {
    for (const w of ws) {
      if (!w.samples) continue;
      let dead = 0;
      for (let k = 0; k < w.open; k++) if (w.counts[w.units[k]] < th.deadUnitActivity * w.samples) dead++;
      const share = dead / w.counts.length,
        samples = w.samples;
      if (share > th.deadReluShare)
        report({
          anchor: { kind: 'layer', node: w.node },
          step: Math.max(0, t.step - 1),
          measured: share,
          threshold: th.deadReluShare,
          excess: share / th.deadReluShare,
          message: () =>
            `dead ReLU: ${Math.round(100 * share)}% of the units of '${t.model.nodes[w.node].name}' were active on fewer than ${100 * th.deadUnitActivity}% of ${samples} samples (threshold ${Math.round(100 * th.deadReluShare)}%)`,
        });
      w.counts.fill(0);
      w.samples = 0;
      w.open = w.counts.length; // `units` stays a permutation of every unit
    }
  };
  return {
    id: 'dead-relu',
    forwardNodes(t) {
      ws = windows(t, (i) => ACTIVATION_TRAITS[t.model.nodes[i].activation].dies).map((w) => ({
        ...w,
        units: Int32Array.from(w.counts, (_, j) => j),
        open: w.counts.length,
      }));
      for (const w of ws) byNode.set(w.node, w);
      return ws.map((w) => w.node);
    },
    afterForward({ trainer: t, thresholds: th }, node) {
      const w = byNode.get(node)!,
        a = t.model.acts[node + 1],
        c = w.counts,
        u = w.units,
        W = c.length,
        B = t.batchSize,
        tr = t.spec.train,
        alive = th.deadUnitActivity * th.window * tr.accumulate * tr.batch; // a window's most samples
      let open = w.open;
      for (let k = 0; k < open;) {
        const j = u[k];
        let n = c[j];
        for (let r = 0, o = j; r < B; r++, o += W) if (a[o] !== 0 && ++n >= alive) break;
        c[j] = n;
        if (n >= alive) {
          u[k] = u[--open]; // alive for this window: out of the open set
          u[open] = j;
        } else k++;
      }
      w.open = open;
      w.samples += B;
    },
    afterUpdate(ctx) {
      if (!ws.length) return false;
      if (ctx.trainer.step % ctx.thresholds.window === 0) check(ctx);
    },
    finish: check,
  };
}

/**
 * saturated (SageMaker SaturatedActivation, for tanh and sigmoid): more than `saturatedShare` of a hidden layer's
 * outputs over the first window of steps sit where φ′ is below a tenth of its maximum. Only the first window: a
 * network that saturates from the start (weights or inputs too large) cannot learn there, while units that saturate
 * as training fits the data (a trained XOR's tanh) are how it answers confidently. The output layer is left out too.
 */
export function saturated(): Rule {
  let ws: Window[] = [];
  const byNode = new Map<number, Window>();
  const check = ({ trainer: t, thresholds: th, report }: RuleContext) => {
    for (const w of ws) {
      if (!w.samples) continue;
      let sat = 0;
      for (let j = 0; j < w.counts.length; j++) sat += w.counts[j];
      const share = sat / (w.samples * w.counts.length);
      if (share > th.saturatedShare)
        report({
          anchor: { kind: 'layer', node: w.node },
          step: Math.max(0, t.step - 1),
          measured: share,
          threshold: th.saturatedShare,
          excess: share / th.saturatedShare,
          message: () =>
            `saturated ${t.model.nodes[w.node].activation}: ${Math.round(100 * share)}% of the outputs of '${t.model.nodes[w.node].name}' sit where φ′ is below a tenth of its maximum (threshold ${Math.round(100 * th.saturatedShare)}%)`,
        });
      w.counts.fill(0);
      w.samples = 0;
    }
  };
  return {
    id: 'saturated',
    forwardNodes(t) {
      const last = t.model.nodes.length - 1;
      ws = windows(t, (i) => i < last && ACTIVATION_TRAITS[t.model.nodes[i].activation].saturation !== null);
      for (const w of ws) byNode.set(w.node, w);
      return ws.map((w) => w.node);
    },
    afterForward({ trainer: t, thresholds: th }, node) {
      if (t.step >= th.window) return false;
      const w = byNode.get(node)!,
        { low, high } = ACTIVATION_TRAITS[t.model.nodes[node].activation].saturation!,
        a = t.model.acts[node + 1],
        W = w.counts.length,
        B = t.batchSize;
      for (let r = 0; r < B; r++)
        for (let j = 0, o = r * W; j < W; j++) if (a[o + j] <= low || a[o + j] >= high) w.counts[j]++;
      w.samples += B;
    },
    afterUpdate(ctx) {
      if (!ws.length) return false;
      if (ctx.trainer.step < ctx.thresholds.window) return;
      check(ctx);
      return false;
    },
    finish: check,
  };
}
