// The names expressions can use at a stop (conditions, logpoints, Watch, hovers, Debug Console): every tensor of
// every node, optimizer state, the batch, and training scalars, all read live from the trainer without copying.
// A name whose value the current step has not computed yet answers with a NotComputedError (see eventState.ts).

import { NotComputedError, type ExprScope, type Value } from '../engine/expr/values';
import { EventState, nodeLabel, type StepScalar, type StopPoint } from '../engine/runtime/eventState';
import type { FloatArray } from '../engine/nn/tensor';
import { nodeTensors, type TensorKey } from '../engine/runtime/snapshot';
import type { Trainer } from '../engine/runtime/trainer';

/** Builds the scope of the trainer paused at `point()` (read live at every lookup); resolves names lazily. */
export function trainerScope(t: Trainer, point: () => StopPoint): ExprScope {
  let names: string[] | null = null;
  const views = nodeViews(t);
  // One EventState per stop point, made only when a name needs it (conditions on `step` never do).
  let cachedFor: StopPoint | undefined,
    cached: EventState | null = null;
  const state = (): EventState => {
    const p = point();
    if (!cached || cachedFor !== p) {
      cached = new EventState(t, p);
      cachedFor = p;
    }
    return cached;
  };
  const need = (name: string, scalar: StepScalar): void => {
    const s = state(),
      pending = s.scalarPending(scalar);
    if (pending) throw new NotComputedError(s.notComputedMessage(name, pending));
  };
  return {
    lookup(name: string): Value | undefined {
      // Scalars first, without building objects: conditions on `step` or `phase` run after every event.
      const scalar = scalarGetterOf(t, point, state, need, name);
      if (scalar !== undefined) return scalar();
      const K = t.outputs,
        B = t.batchSize;
      if (name === 'x') {
        need('x', 'x');
        return { shape: [B, t.spec.inputSize], data: t.model.acts[0].subarray(0, B * t.spec.inputSize) };
      }
      if (name === 'y') {
        need('y', 'y');
        return { shape: [B, K], data: t.yBatch.subarray(0, B * K) };
      }
      if (name === 'yhat') {
        need('yhat', 'yhat');
        const L = t.model.nodes.length;
        return { shape: [B, K], data: t.model.acts[L].subarray(0, B * K) };
      }
      const dot = name.indexOf('.');
      if (dot < 0) return undefined;
      const nodeName = name.slice(0, dot);
      // A residual block's name belongs to two nodes (begin and end); its sum and projection live on the end.
      for (let i = t.model.nodes.length - 1; i >= 0; i--) {
        if (t.model.nodes[i].name !== nodeName) continue;
        const found = lookupNode(t, i, name, state, views);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    scalarGetter(name: string) {
      return scalarGetterOf(t, point, state, need, name);
    },
    names(): string[] {
      if (!names) {
        names = [...TRAINING_SCALARS, 'x', 'y', 'yhat'];
        t.model.nodes.forEach((_, i) => names!.push(...nodePaths(t, i)));
        names = [...new Set(names)];
      }
      return names;
    },
  };
}

/**
 * Names of the training scalars (1-based step and epoch, as the Call Stack shows them). Reverse Continue's search
 * answers each for past steps too (recordScope.ts), so one added here must be answered there.
 */
export const TRAINING_SCALARS = [
  'loss',
  'prev.loss',
  'lr',
  'step',
  'epoch',
  'phase',
  'layer',
  'grad_norm',
  'grad_norm_clipped',
  'clip_coef',
  'batch_size',
] as const;

/** One of TRAINING_SCALARS. */
export type TrainingScalar = (typeof TRAINING_SCALARS)[number];

/** A live getter for a training scalar, or undefined when `name` is not one. */
function scalarGetterOf(
  t: Trainer,
  point: () => StopPoint,
  state: () => EventState,
  need: (name: string, s: StepScalar) => void,
  name: string,
): (() => number | string) | undefined {
  switch (name) {
    case 'loss':
      return () => {
        need('loss', 'loss');
        return t.loss;
      };
    case 'prev.loss':
      return () => {
        if (Number.isNaN(t.previousLoss))
          throw new NotComputedError(`prev.loss (the previous step's loss) does not exist at ${state().where}`);
        return t.previousLoss;
      };
    case 'lr':
      return () => state().lr;
    case 'step':
      return () => (point()?.step ?? t.step) + 1;
    case 'epoch':
      return () => (point()?.epoch ?? t.epoch) + 1;
    case 'phase':
      return () => point()?.phase ?? 'entry';
    case 'layer':
      return () => {
        const p = point();
        return !p ? '' : p.layer >= 0 ? nodeLabel(t, p.layer) : p.phase;
      };
    case 'grad_norm':
      return () => {
        need('grad_norm', 'grad_norm');
        return t.clip.normBefore;
      };
    case 'grad_norm_clipped':
      return () => {
        need('grad_norm_clipped', 'grad_norm_clipped');
        return t.clip.normAfter;
      };
    case 'clip_coef':
      return () => {
        need('clip_coef', 'clip_coef');
        return t.clip.coefficient;
      };
    case 'batch_size':
      return () => t.batchSize;
    default:
      return undefined;
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
    case 'sgd':
      return ['step'];
    case 'momentum':
      return ['step', 'buffer'];
    case 'rmsprop':
      return ['step', 'v'];
    case 'adam':
    case 'adamw':
      return ['step', 'm', 'v', 'm_hat', 'v_hat'];
  }
}

function lookupNode(
  t: Trainer,
  i: number,
  name: string,
  state: () => EventState,
  views: (i: number) => NodeViews,
): Value | undefined {
  const v = views(i),
    hit = v.byPath.get(name);
  if (hit) {
    const s = state(),
      pending = s.tensorPending(i, hit.key);
    if (pending) throw new NotComputedError(s.notComputedMessage(name, pending));
    return hit.value;
  }
  const all = v.all;
  const n = t.model.nodes[i];
  const W = all.W;
  if (!W || !name.startsWith(`${W.path}.`) || n.wSize === 0) return undefined;
  const key = name.slice(W.path.length + 1);
  if (key === 'step') {
    // ΔW of this step exists only once its update has run; before, the buffer holds the previous step's.
    const s = state(),
      pending = s.updatePending();
    if (pending) throw new NotComputedError(s.notComputedMessage(name, pending));
  }
  const opt = t.optimizer.inspect(n.wOff, n.wSize) as unknown as Record<string, unknown>;
  const field = ({ m_hat: 'mHat', v_hat: 'vHat' } as Record<string, string>)[key] ?? key;
  const data = opt[field];
  return data instanceof Float32Array ? { shape: W.shape, data } : undefined;
}

/** Node i's tensors (nodeTensors) and the value of each by its path. */
interface NodeViews {
  readonly all: ReturnType<typeof nodeTensors>;
  readonly byPath: ReadonlyMap<string, { readonly key: TensorKey; readonly value: Value }>;
}

/**
 * Node i's tensors, made again only when what they view has changed: the batch size, or a buffer the history swapped
 * in (Model.swapStepBuffers). A condition reads them at every event a search decides; building every view of the node
 * per lookup was a few % of a tensor search. The buffers are those nodeTensors and every kind's `tensors` view.
 */
function nodeViews(t: Trainer): (i: number) => NodeViews {
  const cache: { of: readonly unknown[]; views: NodeViews }[] = [];
  const covered = (i: number): readonly unknown[] => {
    const m = t.model;
    const bufs: (FloatArray | undefined)[] = [m.params, m.grads, m.acts[i], m.acts[i + 1], m.zs[i], m.deltas[i]];
    return [t.batchSize, m, ...bufs, m.dOuts[i], m.dOuts[i - 1], m.dSkips[i]];
  };
  return (i) => {
    const c = cache[i],
      of = covered(i);
    if (c && c.of.every((x, k) => x === of[k])) return c.views;
    const all = nodeTensors(t, i),
      byPath = new Map<string, { key: TensorKey; value: Value }>();
    for (const key of Object.keys(all) as TensorKey[]) {
      const x = all[key]!;
      if (!byPath.has(x.path)) byPath.set(x.path, { key, value: { shape: x.shape, data: x.values } });
    }
    cache[i] = { of, views: { all, byPath } };
    return cache[i].views;
  };
}
