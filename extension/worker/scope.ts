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
  const scalars = (): Record<string, Value> => ({
    loss: t.loss, lr: t.lr, step: t.step + 1, epoch: t.epoch + 1, phase: where.phase, layer: where.layerName,
    grad_norm: t.clip.normBefore, grad_norm_clipped: t.clip.normAfter, clip_coef: t.clip.coefficient, batch_size: t.batchSize,
  });
  return {
    lookup(name: string): Value | undefined {
      const s = scalars();
      if (name in s) return s[name];
      const K = t.outputs, B = t.batchSize;
      if (name === 'x') return { shape: [B, t.spec.inputSize], data: t.model.acts[0].subarray(0, B * t.spec.inputSize) };
      if (name === 'y') return { shape: [B, K], data: t.yBatch.subarray(0, B * K) };
      if (name === 'yhat') { const L = t.model.nodes.length; return { shape: [B, K], data: t.model.acts[L].subarray(0, B * K) }; }
      const dot = name.indexOf('.');
      if (dot < 0) return undefined;
      const nodeName = name.slice(0, dot);
      // A residual block's name belongs to two nodes (begin and end); its sum and projection live on the end.
      const indices = t.model.nodes.flatMap((n, i) => (n.name === nodeName ? [i] : []));
      for (const i of indices.reverse()) {
        const found = lookupNode(t, i, name);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    names(): string[] {
      if (!names) {
        names = [...Object.keys(scalars()), 'x', 'y', 'yhat'];
        t.model.nodes.forEach((_, i) => names!.push(...nodePaths(t, i)));
        names = [...new Set(names)];
      }
      return names;
    },
  };
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
