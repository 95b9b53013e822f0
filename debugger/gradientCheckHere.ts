// Check Gradients Here: the paused layer's analytic gradients against float64 finite differences on the current
// batch (engine/runtime/layerGradcheck.ts), as the worker reports it. The check runs on a float64 copy of the
// network, so the paused run and everything after it are untouched.

import { nodeLabel } from '../engine/runtime/eventState';
import { checkTrainerLayer, formatLayerCheck, GRADCHECK_TOLERANCE } from '../engine/runtime/layerGradcheck';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import { findNode } from './layerDetail';
import type { GradCheckReport } from './protocol';

/** The layer of a Debug Console `gradcheck(layer)` / `gradcheck()` call (null: the paused one), else undefined. */
export function gradcheckCall(expression: string): string | null | undefined {
  const m = /^\s*gradcheck\s*\(\s*([A-Za-z_][\w]*)?\s*\)\s*$/.exec(expression);
  return m ? (m[1] ?? null) : undefined;
}

/**
 * Checks `layer` (null: the layer of the paused event `ev`) at the trainer's current parameters and batch.
 * @throws Error with a message for the user when there is no batch yet or no layer to check.
 */
export function gradientCheckHere(t: Trainer, layer: string | null, ev: TrainerEvent | null): GradCheckReport {
  // Before the first forward event nothing has been loaded: there is no batch to differentiate on.
  if (!ev) throw new Error('no batch yet: step to a forward or backward pass first');
  const node = layer !== null ? findNode(t, layer) : ev.layer;
  if (layer !== null && node < 0) throw new Error(`there is no layer named '${layer}'`);
  if (node < 0) throw new Error(`paused on ${ev.phase}, not on a layer: pause on a layer's forward or backward pass`);
  const name = nodeLabel(t, node),
    step = ev.step + 1;
  const checks = checkTrainerLayer(t, node);
  return {
    layer: name,
    name: t.model.nodes[node].name,
    line: t.model.nodes[node].line + 1,
    step,
    tolerance: GRADCHECK_TOLERANCE,
    tensors: checks.map(
      ({ label, path, maxRelError, maxAbsError, worst, analytic, numeric, checked, skipped, total, ok }) => ({
        label,
        path,
        maxRelError,
        maxAbsError,
        worst,
        analytic,
        numeric,
        checked,
        skipped,
        total,
        ok,
      }),
    ),
    ok: checks.every((c) => c.ok),
    text: formatLayerCheck(name, checks, step),
  };
}
