// What a stop shows in Variables: the four scopes (Layer, Network, Training, Batch) and their rows, each tensor a
// one-line summary expandable to rows and values; tensors not in the stop are fetched from the worker on expand.

import { Scope, type Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { describeTensor, formatExact, formatFloat32, formatShape, formatSummary } from '../../engine/nn/tensor';
import { notComputed } from '../../engine/runtime/eventState';
import type { Requests, StopTensor, WorkerToHost } from '../../debugger/protocol';
import type { Tensor } from '../../wire/types';

/** What a variables reference points at: a whole tensor, or one row of a 2-D tensor. */
export type TensorRef = { readonly tensor: Tensor; readonly row: number | null };

/** The worker's stop message, which every scope reads. */
export type Stopped = Extract<WorkerToHost, { kind: 'stopped' }>;

/** What a variables reference stands for. */
export type VarRef =
  | { kind: 'layer' }
  | { kind: 'network' }
  | { kind: 'training' }
  | { kind: 'batch' }
  | { kind: 'node'; index: number }
  | { kind: 'tensor'; ref: TensorRef }
  /** A tensor fetched from the worker by path when expanded, kept once fetched (the stop's refs die with it). */
  | { kind: 'lazy'; path: string; fetched?: Requests['tensor']['reply'] };

/** Expression names of the Training scope's rows, so Watch and Copy as Expression work on them. */
const SCALAR_NAMES: Readonly<Record<string, string>> = {
  lr: 'lr',
  loss: 'loss',
  step: 'step',
  epoch: 'epoch',
  'grad norm before clip': 'grad_norm',
  'grad norm after clip': 'grad_norm_clipped',
  'clip coefficient': 'clip_coef',
  'previous step loss': 'prev.loss',
  'batch size': 'batch_size',
};

/** The scopes of a stop (none paused: a bare `Layer`). */
export function scopesOf(s: Stopped | null, refs: Handles<VarRef>): Scope[] {
  const loc = s?.location;
  const title = !loc
    ? 'Layer'
    : loc.layer >= 0
      ? `Layer ${loc.layerName} (${loc.phase})`
      : loc.phase === 'loss'
        ? 'Loss'
        : loc.phase === 'clip'
          ? 'Gradients'
          : 'Parameters';
  return [
    new Scope(s?.subStep ? `${title}: ${s.subStep.formula}` : title, refs.create({ kind: 'layer' }), false),
    new Scope('Network', refs.create({ kind: 'network' }), false),
    new Scope('Training', refs.create({ kind: 'training' }), false),
    new Scope('Batch', refs.create({ kind: 'batch' }), false),
  ];
}

/** The rows under `ref` at stop `s`; `tensor` asks the worker for a tensor the stop does not carry. */
export async function variablesOf(
  s: Stopped,
  ref: VarRef,
  args: DebugProtocol.VariablesArguments,
  refs: Handles<VarRef>,
  tensor: (path: string) => Promise<Requests['tensor']['reply']>,
): Promise<DebugProtocol.Variable[]> {
  const tensorVar = (t: StopTensor): DebugProtocol.Variable =>
    t.values
      ? tensorVariable(t, refs.create({ kind: 'tensor', ref: { tensor: t, row: null } }))
      : {
          name: t.name,
          value: t.summary,
          type: `Float32[${formatShape(t.shape)}]`,
          evaluateName: t.path,
          variablesReference: refs.create({ kind: 'lazy', path: t.path }),
          indexedVariables: t.shape.length === 2 ? t.shape[0] : t.shape.reduce((a, b) => a * b, 1),
        };
  const lazy = (name: string, p: string, value: string): DebugProtocol.Variable => ({
    name,
    value,
    evaluateName: p,
    variablesReference: refs.create({ kind: 'lazy', path: p }),
  });
  const children = (r: TensorRef) =>
    tensorChildren(r, (child) => refs.create({ kind: 'tensor', ref: child }), args.start ?? 0, args.count || undefined);
  switch (ref.kind) {
    case 'layer':
      return s.tensors.map(tensorVar);
    case 'training':
      return s.scalars.map((x) => ({
        name: x.name,
        value: x.pending ? notComputed(x.pending) : formatExact(x.value),
        evaluateName: SCALAR_NAMES[x.name],
        variablesReference: 0,
      }));
    case 'network':
      return s.network.map((n, index) => ({
        name: n.name,
        value: `${n.kind} · a ${n.output}${n.gradNorm !== null ? ` · ‖∇W‖ ${formatSummary(n.gradNorm)}` : n.gradPending ? ` · ‖∇W‖ ${notComputed(n.gradPending)}` : ''}`,
        variablesReference: refs.create({ kind: 'node', index }),
      }));
    case 'batch': {
      const b = s.batchPending;
      const item = (name: 'x' | 'y' | 'yhat', what: string) => {
        const p = b[name];
        return p ? { name, value: notComputed(p), evaluateName: name, variablesReference: 0 } : lazy(name, name, what);
      };
      return [item('x', 'batch inputs'), item('y', 'targets'), item('yhat', 'outputs ŷ')];
    }
    case 'node': {
      const n = s.network[ref.index];
      return n.paths.map((p) => {
        const name = p.slice(p.indexOf('.') + 1),
          pending = n.pending[p];
        return pending
          ? { name, value: notComputed(pending), evaluateName: p, variablesReference: 0 }
          : lazy(name, p, '');
      });
    }
    case 'lazy': {
      let r: Requests['tensor']['reply'];
      try {
        r = ref.fetched ??= await tensor(ref.path);
      } catch (e) {
        return [{ name: 'value', value: (e as Error).message, variablesReference: 0 }];
      }
      if (!r.tensor) return [{ name: 'value', value: r.text, variablesReference: 0 }];
      return children({ tensor: r.tensor, row: null });
    }
    case 'tensor':
      return children(ref.ref);
  }
}

/** Longest row preview shown inline before "…". */
const PREVIEW = 8;

/** The top-level variable for a tensor. */
export function tensorVariable(t: Tensor, ref: number): DebugProtocol.Variable {
  const count = t.shape.length === 2 ? t.shape[0] : t.values.length;
  return {
    name: t.name,
    value: describeTensor(t.shape, t.values),
    type: `Float32[${formatShape(t.shape)}]`,
    evaluateName: t.path,
    variablesReference: ref,
    indexedVariables: count,
  };
}

/** Children of a tensor (rows of a matrix, or values) or of one matrix row, from `start` for `count`. */
export function tensorChildren(
  r: TensorRef,
  makeRef: (r: TensorRef) => number,
  start = 0,
  count?: number,
): DebugProtocol.Variable[] {
  const { tensor: t, row } = r;
  const isMatrix = t.shape.length === 2 && row === null;
  const width = t.shape.length === 2 ? t.shape[1] : t.values.length;
  const total = isMatrix ? t.shape[0] : width;
  const end = Math.min(total, start + (count ?? total));
  const out: DebugProtocol.Variable[] = [];
  for (let i = start; i < end; i++) {
    if (isMatrix) {
      const values = t.values.subarray(i * width, (i + 1) * width);
      const preview =
        Array.from(values.subarray(0, PREVIEW), formatFloat32).join(', ') + (width > PREVIEW ? ', …' : '');
      out.push({
        name: `[${i}]`,
        value: `[${preview}]`,
        evaluateName: `${t.path}[${i}]`,
        variablesReference: makeRef({ tensor: t, row: i }),
        indexedVariables: width,
      });
    } else {
      const v = t.values[(row ?? 0) * width + i];
      out.push({
        name: `[${i}]`,
        value: formatFloat32(v),
        type: 'float32',
        evaluateName: row === null ? `${t.path}[${i}]` : `${t.path}[${row}][${i}]`,
        variablesReference: 0,
      });
    }
  }
  return out;
}
