// What the Layer Inspector shows of one node at the trainer's current state: its tensors, the clipping picture,
// the optimizer's state for its weights, and the δ decomposition (∂L/∂a from above against φ′(z)).

import { nodeOps } from '../engine/nn/layers';
import type { NodeOps } from '../engine/nn/layers/kind';
import { EventState, eventName } from '../engine/runtime/eventState';
import { nodeTensors, type NamedTensor } from '../engine/runtime/snapshot';
import type { Trainer } from '../engine/runtime/trainer';
import type { LayerDetail, Tensor } from '../wire/types';
import { trainingScalars } from './stopView';
import type { TrainerEvent } from '../engine/runtime/trainer';

/**
 * Values sent per tensor at most by default (a 1024×1024 matrix whole; the nnet.inspector.maxTensorValues setting);
 * larger tensors send their first rows.
 */
export const MAX_DETAIL_VALUES = 1 << 20;

/** A copy of a live tensor, cut to `max` values (the receiver sees fewer values than the shape holds). */
function capped(x: NamedTensor, max: number): Tensor {
  return { name: x.name, path: x.path, shape: x.shape, values: Float32Array.from(x.values.subarray(0, max)) };
}

/** Tensors in the order the inspector lists them (those a node does not have are skipped). */
const ORDER = ['W', 'gradW', 'b', 'gradb', 'x', 'z', 'a', 'dA', 'delta', 'mask', 'xhat', 'skip', 'dSkip'] as const;

/** The node whose name is `layer` (a residual block's sum node, which holds its projection); -1 if none. */
export function findNode(t: Trainer, layer: string): number {
  const nodes = t.model.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i].name === layer) return i;
  return -1;
}

/** Everything the inspector shows of node `i` now; `ev` is the event the trainer has just performed (null at entry). */
export function layerDetail(
  t: Trainer,
  i: number,
  ev: TrainerEvent | null,
  history: LayerDetail['history'],
  maxValues = MAX_DETAIL_VALUES,
): LayerDetail {
  const n = t.model.nodes[i],
    state = new EventState(t, ev);
  const all = nodeTensors(t, i);
  // A tensor this step has not computed yet is listed among the scalars as "not computed yet", never drawn.
  const held = ORDER.flatMap((k) => (all[k] ? [{ key: k, tensor: all[k]!, pending: state.tensorPending(i, k) }] : []));
  const present = held.filter((h) => !h.pending).map((h) => h.key);
  const pending = held.flatMap((h) => (h.pending ? [{ name: h.tensor.name, value: NaN, pending: h.pending }] : []));
  const ops = nodeOps(n.kind),
    shape = ops.title?.(n) ?? n.kind;
  const where = ev ? `${eventName(t, ev)} · step ${state.step} · epoch ${state.epoch}` : `entry · step ${state.step}`;
  const gradsPending = n.wSize > 0 && state.tensorPending(i, 'gradW') !== null;
  return {
    layer: n.name,
    title: `${n.name} · ${shape}`,
    where,
    tensors: present.map((k) => capped(all[k]!, maxValues)),
    scalars: [...trainingScalars(t, state), ...pending],
    clip: state.scalarPending('grad_norm') ? null : clipOf(t, i),
    optimizer: optimizerOf(t, i, state, maxValues),
    // Only a kind that forms δ = ∂L/∂a ⊙ φ′(z) itself (it computes φ′) has the decomposition.
    decomposition:
      !ops.phiPrime || gradsPending || state.tensorPending(i, 'delta') ? null : decompositionOf(t, i, ops.phiPrime),
    history,
  };
}

function clipOf(t: Trainer, i: number): LayerDetail['clip'] {
  const n = t.model.nodes[i];
  if (!n.wSize) return null;
  const c = t.clip,
    layerNorm = t.gradNorm[i];
  const share =
    c.normBefore > 0 ? (layerNorm * layerNorm) / (c.normBefore * c.normBefore) : c.normBefore === 0 ? 0 : NaN;
  const spec = t.spec.train.clip;
  return {
    normBefore: c.normBefore,
    normAfter: c.normAfter,
    coefficient: c.coefficient,
    threshold: spec?.kind === 'norm' ? spec.max : null,
    layerNorm,
    share,
  };
}

function optimizerOf(t: Trainer, i: number, state: EventState, max: number): LayerDetail['optimizer'] {
  const n = t.model.nodes[i],
    W = nodeTensors(t, i).W;
  if (!n.wSize || !W) return null;
  const o = t.optimizer,
    kind = o.config.kind;
  if (o.t === 0) return { kind, lr: state.lr, t: 0, tensors: [] };
  const s = o.inspect(n.wOff, n.wSize);
  const view = (name: string, key: string, values: Float32Array): Tensor => ({
    name,
    path: `${W.path}.${key}`,
    shape: W.shape,
    values: values.length > max ? values.slice(0, max) : values,
  });
  const tensors: Tensor[] = [];
  switch (s.kind) {
    case 'adam':
    case 'adamw':
      tensors.push(view('m̂', 'm_hat', s.mHat), view('v̂', 'v_hat', s.vHat));
      break;
    case 'momentum':
      tensors.push(view('momentum buffer', 'buffer', s.buffer));
      break;
    case 'rmsprop':
      tensors.push(view('v (mean g²)', 'v', s.v));
      break;
    case 'sgd':
      break;
  }
  // This step's ΔW exists from its update event on; before it, the buffer is the previous step's.
  if (!state.updatePending()) tensors.push(view('step applied (ΔW)', 'step', s.step));
  return { kind, lr: state.lr, t: s.t, tensors };
}

type PhiPrime = NonNullable<NodeOps['phiPrime']>;

/** ∂L/∂a from above against φ′(z), of a node whose kind computes φ′ (see NodeOps.phiPrime). */
function decompositionOf(t: Trainer, i: number, phiPrime: PhiPrime): LayerDetail['decomposition'] {
  const m = t.model,
    n = m.nodes[i];
  const s = nodeTensors(t, i),
    last = i === m.nodes.length - 1;
  const fused = last && t.fusedOutput;
  let phiMean = NaN,
    phiMax = NaN;
  if (!fused) {
    const B = t.batchSize || 0,
      phi = new Float32Array(B * n.outWidth);
    if (phiPrime(m, i, B, phi)) {
      let sum = 0,
        max = -Infinity;
      for (let k = 0; k < phi.length; k++) {
        sum += phi[k];
        if (phi[k] > max) max = phi[k];
      }
      phiMean = phi.length ? sum / phi.length : NaN;
      phiMax = phi.length ? max : NaN;
    }
  }
  return {
    upstreamFrom: last ? 'the loss' : `Wᵀδ′ from ${m.nodes[i + 1].name}`,
    upstreamNorm: fused ? NaN : norm(s.dA!.values),
    // The loss is a mean over the batch (and over the outputs for bce): each sample's a − y arrives divided by N.
    activation: fused
      ? `${n.activation} (fused with the loss: δ = (a − y)/N, N = ${t.spec.loss === 'bce' ? `B·K = ${t.batchSize * t.outputs}` : `B = ${t.batchSize}`})`
      : n.activation,
    phiPrimeMean: phiMean,
    phiPrimeMax: phiMax,
    deltaNorm: norm(s.delta!.values),
  };
}

function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * x[k];
  return Math.sqrt(s);
}
