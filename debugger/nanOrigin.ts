// Where a NaN or Inf came from: when the NaN/Inf filter fires, the step is replayed from its checkpoint event by
// event, and each event's Step Into sub-steps are checked in order, so the first chain-rule factor whose result
// holds a non-finite value is named — `Inf first in z of h1 (forward: z = x·Wᵀ + b) at step 12`. The trainer is
// then put back exactly where the failure left it (replays are bit-identical, so the failing event fails again).

import type { TensorKey } from '../engine/nn/layers/kind';
import type { History } from '../engine/runtime/history';
import { RewindError } from '../engine/runtime/history';
import { nodeTensors, type NamedTensor } from '../engine/runtime/snapshot';
import { NonFiniteError, type Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { subStepsOf } from './substeps';

/** The first non-finite value of a step: the node it belongs to and the sentence naming it. */
export interface NanOrigin {
  readonly node: number;
  readonly text: string;
}

/** What an event without sub-steps writes, in the order it writes it. */
const WRITES: Readonly<Record<'forward' | 'backward', readonly TensorKey[]>> = {
  forward: ['mask', 'xhat', 'skip', 'z', 'a'],
  backward: ['dA', 'delta', 'gradW', 'gradb', 'dSkip', 'dX'],
};

/**
 * Replays the step of `failure` and names the first sub-step and tensor where a non-finite value appeared; null
 * when the history no longer holds that step. `failedAt` is the trainer's event index when the failure was thrown;
 * the trainer is left as the failure left it.
 */
export function nanOrigin(t: Trainer, h: History, failure: NonFiniteError, failedAt: number): NanOrigin | null {
  let found: NanOrigin | null = null;
  try {
    found = searchStep(t, h, failure.step);
    // Parameters that were already non-finite when the step began were made so by the previous step's update.
    if (found === null && failure.step > 0 && paramsBad(t)) found = searchUpdate(t, h, failure.step - 1);
  } catch (e) {
    if (!(e instanceof RewindError)) throw e;
  } finally {
    restore(t, h, failedAt);
  }
  return found;
}

/** Replays step `step` event by event; the first sub-step with a non-finite result, or null. */
function searchStep(t: Trainer, h: History, step: number): NanOrigin | null {
  let found: NanOrigin | null = null,
    first = true,
    startBad = false;
  try {
    h.seekStep(step, (ev) => {
      if (first) {
        first = false;
        // The first event (forward of node 0) changes no parameter: what is non-finite now was so at the start.
        startBad = paramsBad(t);
        if (startBad) return true;
      }
      found = inspect(t, ev);
      return found !== null;
    });
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw e;
    // Every event before it was finite: the loss itself (or the norm of finite gradients) overflowed.
    if (!startBad) found = { node: e.layer, text: `${e.message}, though every tensor before it was finite` };
  }
  return startBad ? null : found;
}

/** The update of step `step` (0-based): which parameter tensor it made non-finite. */
function searchUpdate(t: Trainer, h: History, step: number): NanOrigin | null {
  if (!h.seekStep(step, (ev) => ev.phase === 'update')) return null;
  const optimizer = t.spec.train.optimizer.kind;
  for (let i = 0; i < t.model.nodes.length; i++) {
    const s = nodeTensors(t, i);
    for (const key of ['W', 'b'] as const) {
      const x = s[key];
      if (x && firstBad(x) !== null)
        return {
          node: i,
          text: `${firstBad(x)} first in ${x.name} of ${t.model.nodes[i].name} (update: ${optimizer} step) at step ${step + 1}`,
        };
    }
  }
  return null;
}

/** Checks what event `ev` wrote, sub-step by sub-step where it has them. */
function inspect(t: Trainer, ev: TrainerEvent): NanOrigin | null {
  if ((ev.phase !== 'forward' && ev.phase !== 'backward') || ev.layer < 0) return null;
  const nodes = t.model.nodes,
    node = nodes[ev.layer];
  const tensors = nodeTensors(t, ev.layer);
  const defs = subStepsOf(node, ev.phase, t.fusedOutput, ev.layer === nodes.length - 1);
  const parts = defs.length
    ? defs.map((d) => ({ keys: d.keys.filter((k): k is TensorKey => k !== 'dphi'), formula: d.formula }))
    : [{ keys: WRITES[ev.phase], formula: '' }];
  const seen = new Set<string>();
  for (const [k, part] of parts.entries()) {
    for (const key of part.keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      const x = tensors[key];
      const bad = x ? firstBad(x) : null;
      if (!x || bad === null) continue;
      const sub = !part.formula
        ? ''
        : parts.length > 1
          ? `, sub-step ${k + 1}/${parts.length}: ${part.formula}`
          : `: ${part.formula}`;
      return {
        node: ev.layer,
        text: `${bad} first in ${shortName(x)} of ${node.name} (${ev.phase}${sub}) at step ${ev.step + 1}`,
      };
    }
  }
  return null;
}

/** `NaN`, `+Inf` or `−Inf`: the first non-finite entry of a tensor, or null when all are finite. */
function firstBad(x: NamedTensor): string | null {
  const d = x.values;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '−Inf';
  }
  return null;
}

/** `δ = ∂L/∂z` reads as `δ`: the symbol, not its definition. */
function shortName(x: NamedTensor): string {
  return x.name.split(' = ')[0];
}

function paramsBad(t: Trainer): boolean {
  const p = t.model.params;
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i])) return true;
  return false;
}

/** Puts the trainer back at the failure: just before the failing event, which is run again to fail the same way. */
function restore(t: Trainer, h: History, failedAt: number): void {
  h.goTo(failedAt - 1);
  try {
    t.advance();
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw e;
  }
}
