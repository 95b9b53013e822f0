// Builds what a stop shows: the tensors of the event (or of one sub-step), training scalars, per-node summaries.

import { sumSquares } from '../engine/nn/laneSums';
import type { FloatArray } from '../engine/nn/tensor';
import { nodeOps } from '../engine/nn/layers';
import { sumSquaresSimd } from '../engine/nn/summarySimd';
import { describeTensor } from '../engine/nn/tensor';
import { nodeLabel, notComputed, type EventState, type StepScalar } from '../engine/runtime/eventState';
import { nodeTensors, tensorsAt, type NamedTensor, type TensorKey } from '../engine/runtime/snapshot';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import { STOP_VALUES_MAX, type NodeSummary, type StopTensor } from './protocol';
import type { Scalar, Tensor } from '../wire/types';
import { nodePaths } from './scope';
import type { SubStepDef } from './substeps';

/** Copies a live tensor for sending (the worker keeps training; the host keeps the copy). */
export function snapshot(x: NamedTensor): Tensor {
  return { name: x.name, path: x.path, shape: x.shape, values: Float32Array.from(x.values) };
}

/** A live tensor as a stop sends it: a copy, or above STOP_VALUES_MAX values its summary line alone. */
function stopTensor(x: NamedTensor): StopTensor {
  if (x.values.length <= STOP_VALUES_MAX) return snapshot(x);
  return { name: x.name, path: x.path, shape: x.shape, values: null, summary: describeTensor(x.shape, x.values) };
}

/** The tensors of an event that has been performed; `sub` narrows them to one sub-step's operands and result. */
export function stopTensors(t: Trainer, ev: TrainerEvent | null, sub: SubStepDef | null): StopTensor[] {
  if (!ev) return tensorsAt(t, 'update', -1).map(stopTensor); // entry: nothing has run, show the parameters
  if (sub && ev.layer >= 0) {
    const all = nodeTensors(t, ev.layer) as Record<string, NamedTensor | undefined>;
    return sub.keys.flatMap((k) => (k === 'dphi' ? derivative(t, ev.layer) : all[k] ? [stopTensor(all[k]!)] : []));
  }
  return tensorsAt(t, ev.phase, ev.layer).map(stopTensor);
}

/** φ′(z) of a node whose kind computes it for display (the backward pass multiplies by it without storing it). */
function derivative(t: Trainer, i: number): Tensor[] {
  const n = t.model.nodes[i],
    B = t.batchSize || 0;
  const values = new Float32Array(B * n.outWidth);
  if (!nodeOps(n.kind).phiPrime?.(t.model, i, B, values)) return [];
  return [{ name: 'φ′(z)', path: `${n.name}.dphi`, shape: [B, n.outWidth], values }];
}

/** Training-state scalars for the Training scope; a scalar this step has not computed yet carries `pending`. */
export function trainingScalars(t: Trainer, state: EventState): Scalar[] {
  const ev = state.point;
  const step = (name: string, key: StepScalar, value: () => number): Scalar => {
    const pending = state.scalarPending(key);
    return pending ? { name, value: NaN, pending } : { name, value: value() };
  };
  const out: Scalar[] = [
    { name: 'epoch', value: state.epoch },
    { name: 'step', value: state.step },
    { name: 'lr', value: state.lr },
    { name: 'batch size', value: t.batchSize },
    step('loss', 'loss', () => t.loss),
    step('grad norm before clip', 'grad_norm', () => t.clip.normBefore),
    step('grad norm after clip', 'grad_norm_clipped', () => t.clip.normAfter),
    step('clip coefficient', 'clip_coef', () => t.clip.coefficient),
  ];
  if (t.spec.train.clip?.kind === 'value') out.push(step('entries clipped', 'clip_coef', () => t.clip.clippedValues));
  if (!Number.isNaN(t.previousLoss) && ev) out.push({ name: 'previous step loss', value: t.previousLoss });
  const last = t.epochs.last;
  if (last) {
    out.push({ name: 'last epoch loss', value: last.loss });
    if (last.accuracy !== null) out.push({ name: 'last epoch accuracy', value: last.accuracy });
    if (last.valLoss !== null) out.push({ name: 'validation loss', value: last.valLoss });
    if (last.valAccuracy !== null) out.push({ name: 'validation accuracy', value: last.valAccuracy });
  }
  return out;
}

/**
 * One summary per node: its output on the current batch and its gradient norm in this step, or the event that
 * will compute them; and which of its tensor paths have no value yet.
 */
export function networkSummary(t: Trainer, state: EventState): NodeSummary[] {
  return t.model.nodes.map((n, i) => {
    const tensors = nodeTensors(t, i);
    const a = tensors.a!;
    const outPending = state.tensorPending(i, 'a');
    const gradPending = n.wSize ? state.tensorPending(i, 'gradW') : null;
    const pending: Record<string, string> = {};
    for (const key of Object.keys(tensors) as TensorKey[]) {
      const p = state.tensorPending(i, key);
      if (p) pending[tensors[key]!.path] = p;
    }
    const update = state.updatePending();
    if (n.wSize && update) pending[`${tensors.W!.path}.step`] = update;
    return {
      name: n.kind === 'residual_begin' ? nodeLabel(t, i) : n.name,
      kind: n.kind,
      line: n.line + 1,
      output: outPending ? notComputed(outPending) : describeTensor(a.shape, a.values),
      outputPending: outPending,
      gradNorm: n.wSize && !gradPending ? frobenius(tensors.gradW!.values) : null,
      gradPending: n.wSize ? gradPending : null,
      paths: nodePaths(t, i),
      pending,
    };
  });
}

/** ‖x‖ of a gradient, summed in laneSums.ts's order: the layer's gradient statistics' norm, to the bit. */
function frobenius(x: FloatArray): number {
  return Math.sqrt((x instanceof Float32Array ? sumSquaresSimd(x) : null) ?? sumSquares(x, 0, x.length));
}
