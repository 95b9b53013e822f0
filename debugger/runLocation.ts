// Where a stop is in the source: the line and name of the layer an event belongs to (the loss line, the clip or
// optimizer line for the step-wide events), as the Call Stack and the editor show it.

import { nodeLabel } from '../engine/runtime/eventState';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import type { RuntimeLocation } from './protocol';

/** The location of event `ev`, or of the next event when there is none (entry). */
export function locate(t: Trainer, ev: TrainerEvent | null): RuntimeLocation {
  const spec = t.spec;
  const e = ev ?? t.peek() ?? { phase: 'forward' as const, layer: 0, step: t.step, epoch: t.epoch, micro: 0 };
  const node = e.layer >= 0 ? t.model.nodes[e.layer] : null;
  const line = node
    ? node.line
    : e.phase === 'loss'
      ? spec.lossRange.line
      : e.phase === 'clip'
        ? spec.train.clipLine >= 0
          ? spec.train.clipLine
          : spec.train.optimizerLine
        : spec.train.optimizerLine;
  return {
    phase: e.phase,
    layer: e.layer,
    // How the Call Stack names an event's layer (a residual block has an input and a sum node).
    layerName: e.layer >= 0 ? nodeLabel(t, e.layer) : e.phase,
    line: line + 1,
    step: e.step,
    epoch: e.epoch,
  };
}

/** The line (1-based) and name of node `i`: where an exception about that layer points. */
export function nodeLocation(t: Trainer, i: number): { line: number; layerName: string } {
  const n = t.model.nodes[i];
  return { line: n.line + 1, layerName: n.name };
}
