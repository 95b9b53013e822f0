// Builds what a stop shows: the tensors of the event (or of one sub-step), training scalars, per-node summaries.

import { activationDerivative } from '../../engine/nn/activations';
import { describeTensor } from '../../engine/nn/tensor';
import { nodeTensors, tensorsAt, type NamedTensor } from '../../engine/runtime/snapshot';
import type { Trainer, TrainerEvent } from '../../engine/runtime/trainer';
import type { NodeSummary, Scalar, TensorSnapshot } from './protocol';
import { nodePaths } from './scope';
import type { SubStepDef } from './substeps';

/** Copies a live tensor for sending (the worker keeps training; the host keeps the copy). */
export function snapshot(x: NamedTensor): TensorSnapshot {
  return { name: x.name, path: x.path, shape: x.shape, values: Float32Array.from(x.data) };
}

/** The tensors of an event that has been performed; `sub` narrows them to one sub-step's operands and result. */
export function stopTensors(t: Trainer, ev: TrainerEvent | null, sub: SubStepDef | null): TensorSnapshot[] {
  if (!ev) return tensorsAt(t, 'update', -1).map(snapshot); // entry: nothing has run, show the parameters
  if (sub && ev.layer >= 0) {
    const all = nodeTensors(t, ev.layer) as Record<string, NamedTensor | undefined>;
    return sub.keys.flatMap((k) => (k === 'dphi' ? derivative(t, ev.layer) : all[k] ? [snapshot(all[k]!)] : []));
  }
  return tensorsAt(t, ev.phase, ev.layer).map(snapshot);
}

/** φ′(z) of a dense node, computed for display (the backward pass multiplies by it without storing it). */
function derivative(t: Trainer, i: number): TensorSnapshot[] {
  const n = t.model.nodes[i], s = nodeTensors(t, i);
  const values = new Float32Array(s.z!.data.length);
  if (!activationDerivative(n.activation, values, s.z!.data, s.a!.data, values.length, n.slope)) return [];
  return [{ name: 'φ′(z)', path: `${n.name}.dphi`, shape: s.z!.shape, values }];
}

/** Training-state scalars for the Training scope. */
export function trainingScalars(t: Trainer, ev: TrainerEvent | null): Scalar[] {
  const out: Scalar[] = [
    { name: 'epoch', value: t.epoch + 1 }, { name: 'step', value: t.step + 1 }, { name: 'lr', value: t.lr },
    { name: 'batch size', value: t.batchSize },
  ];
  if (ev && ev.phase !== 'forward') out.push({ name: 'loss', value: t.loss });
  if (ev && (ev.phase === 'clip' || ev.phase === 'update')) {
    out.push({ name: 'grad norm before clip', value: t.clip.normBefore }, { name: 'grad norm after clip', value: t.clip.normAfter }, { name: 'clip coefficient', value: t.clip.coefficient });
    if (t.spec.train.clip?.kind === 'value') out.push({ name: 'entries clipped', value: t.clip.clippedValues });
  }
  const last = t.metrics.at(-1);
  if (last) {
    out.push({ name: 'last epoch loss', value: last.loss });
    if (last.accuracy !== null) out.push({ name: 'last epoch accuracy', value: last.accuracy });
    if (last.valLoss !== null) out.push({ name: 'validation loss', value: last.valLoss });
    if (last.valAccuracy !== null) out.push({ name: 'validation accuracy', value: last.valAccuracy });
  }
  return out;
}

/** One summary per node: its output on the current batch and the gradient norm of the latest backward pass. */
export function networkSummary(t: Trainer): NodeSummary[] {
  return t.model.nodes.map((n, i) => {
    const a = nodeTensors(t, i).a!;
    const gradNorm = n.wSize && !Number.isNaN(t.gradNorm[i]) ? t.gradNorm[i] : null;
    return { name: n.kind === 'residual_begin' ? `${n.name} (in)` : n.name, kind: n.kind, line: n.line + 1, output: describeTensor(a.shape, a.data), gradNorm, paths: nodePaths(t, i) };
  });
}
