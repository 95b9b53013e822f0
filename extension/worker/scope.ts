// The names expressions can use at a stop (conditions, logpoints, Watch, hovers, Debug Console): every tensor of
// every node, optimizer state, the batch, and training scalars, all read live from the trainer without copying.

import type { ExprScope, Value } from '../../engine/expr/values';
import { nodeTensors } from '../../engine/runtime/snapshot';
import type { Phase, Trainer } from '../../engine/runtime/trainer';

/** Where the run is, for the `phase` and `layer` names. */
export interface ScopeLocation {
  readonly phase: Phase | 'entry';
  readonly layerName: string;
}

/** Builds the scope of the trainer as it is now; cheap to create, resolves names lazily. */
export function trainerScope(t: Trainer, where: ScopeLocation): ExprScope {
  let names: string[] | null = null;
  return {
    lookup(name: string): Value | undefined {
      // Scalars first, without building objects: conditions on `step` or `phase` run after every event.
      const scalar = scalarOf(t, where, name);
      if (scalar !== undefined) return scalar;
      const K = t.outputs, B = t.batchSize;
      if (name === 'x') return { shape: [B, t.spec.inputSize], data: t.model.acts[0].subarray(0, B * t.spec.inputSize) };
      if (name === 'y') return { shape: [B, K], data: t.yBatch.subarray(0, B * K) };
      if (name === 'yhat') { const L = t.model.nodes.length; return { shape: [B, K], data: t.model.acts[L].subarray(0, B * K) }; }
      const dot = name.indexOf('.');
      if (dot < 0) return undefined;
      const nodeName = name.slice(0, dot);
      // A residual block's name belongs to two nodes (begin and end); its sum and projection live on the end.
      for (let i = t.model.nodes.length - 1; i >= 0; i--) {
        if (t.model.nodes[i].name !== nodeName) continue;
        const found = lookupNode(t, i, name);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    scalarGetter(name: string) {
      return scalarGetterOf(t, where, name);
    },
    names(): string[] {
      if (!names) {
        names = [...SCALARS, 'x', 'y', 'yhat'];
        t.model.nodes.forEach((_, i) => names!.push(...nodePaths(t, i)));
        names = [...new Set(names)];
      }
      return names;
    },
  };
}

/** Names of the training scalars (1-based step and epoch, as the Call Stack shows them). */
const SCALARS = ['loss', 'lr', 'step', 'epoch', 'phase', 'layer', 'grad_norm', 'grad_norm_clipped', 'clip_coef', 'batch_size'] as const;

function scalarOf(t: Trainer, where: ScopeLocation, name: string): Value | undefined {
  return scalarGetterOf(t, where, name)?.();
}

/** A live getter for a training scalar, or undefined when `name` is not one. */
function scalarGetterOf(t: Trainer, where: ScopeLocation, name: string): (() => number | string) | undefined {
  switch (name) {
    case 'loss': return () => t.loss;
    case 'lr': return () => t.lr;
    case 'step': return () => t.step + 1;
    case 'epoch': return () => t.epoch + 1;
    case 'phase': return () => where.phase;
    case 'layer': return () => where.layerName;
    case 'grad_norm': return () => t.clip.normBefore;
    case 'grad_norm_clipped': return () => t.clip.normAfter;
    case 'clip_coef': return () => t.clip.coefficient;
    case 'batch_size': return () => t.batchSize;
    default: return undefined;
  }
}

/** Every expression path of node i's tensors and optimizer state. */
export function nodePaths(t: Trainer, i: number): string[] {
  const tensors = Object.values(nodeTensors(t, i)).map((x) => x!.path);
  const n = t.model.nodes[i];
  if (n.wSize > 0) {
    const w = nodeTensors(t, i).W!.path;
    for (const k of optimizerKeys(t)) tensors.push(`${w}.${k}`);
  }
  return tensors;
}

function optimizerKeys(t: Trainer): string[] {
  switch (t.optimizer.config.kind) {
    case 'sgd': return ['step'];
    case 'momentum': return ['step', 'buffer'];
    case 'rmsprop': return ['step', 'v'];
    case 'adam': case 'adamw': return ['step', 'm', 'v', 'm_hat', 'v_hat'];
  }
}

function lookupNode(t: Trainer, i: number, name: string): Value | undefined {
  const tensors = Object.values(nodeTensors(t, i));
  const direct = tensors.find((x) => x!.path === name);
  if (direct) return { shape: direct.shape, data: direct.data };
  const n = t.model.nodes[i];
  const W = nodeTensors(t, i).W;
  if (!W || !name.startsWith(`${W.path}.`) || n.wSize === 0) return undefined;
  const key = name.slice(W.path.length + 1);
  const state = t.optimizer.inspect(n.wOff, n.wSize) as unknown as Record<string, unknown>;
  const field = ({ m_hat: 'mHat', v_hat: 'vHat' } as Record<string, string>)[key] ?? key;
  const data = state[field];
  return data instanceof Float32Array ? { shape: W.shape, data } : undefined;
}
