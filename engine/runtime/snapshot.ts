// Names, shapes and views of the tensors a debugger shows at each event; shared by the worker and the CLI.

import { nodeOps } from '../nn/layers';
import type { TensorKey } from '../nn/layers/kind';
import type { FloatArray } from '../nn/tensor';
import type { Tensor } from '../../wire/types';
import type { Phase, Trainer } from './trainer';

/** A tensor whose values are a view onto live engine memory (copy it before keeping it). */
export type NamedTensor = Tensor<FloatArray>;

/** The role of a tensor within its node (declared with the layer kinds, which name their own). */
export type { TensorKey } from '../nn/layers/kind';

/** Every tensor node `i` holds now, keyed by role; batch tensors cover the current batch. Absent roles are omitted. */
export function nodeTensors(t: Trainer, i: number): Partial<Record<TensorKey, NamedTensor>> {
  const m = t.model,
    n = m.nodes[i],
    B = t.batchSize || 0,
    name = n.name,
    w = n.outWidth;
  const view = (label: string, path: string, shape: number[], buf: FloatArray, off = 0): NamedTensor => ({
    name: label,
    path: `${name}.${path}`,
    shape,
    values: buf.subarray(off, off + shape.reduce((a, b) => a * b, 1)),
  });
  const out: Partial<Record<TensorKey, NamedTensor>> = {
    x: view('x', 'x', [B, n.inWidth], m.acts[i]),
    a: view('a', 'a', [B, w], m.acts[i + 1]),
    dA: view('∂L/∂a', 'dA', [B, w], m.dOuts[i]),
  };
  if (i > 0) out.dX = view('∂L/∂x', 'dX', [B, n.inWidth], m.dOuts[i - 1]);
  const ops = nodeOps(n.kind),
    names = ops.paramNames;
  if (n.wOff >= 0 && names) {
    // W-like [out, in] (γ of a normalisation is [w]), b-like [out]; gradients at the same offsets.
    const wShape = names.wIsVector ? [w] : [w, n.wSize / w];
    const [[wLabel, wPath], [bLabel, bPath]] = [names.w, names.b];
    out.W = view(wLabel, wPath, wShape, m.params, n.wOff);
    out.b = view(bLabel, bPath, [w], m.params, n.bOff);
    out.gradW = view(`${wLabel}.grad`, `${wPath}.grad`, wShape, m.grads, n.wOff);
    out.gradb = view(`${bLabel}.grad`, `${bPath}.grad`, [w], m.grads, n.bOff);
  }
  ops.tensors?.(n, i, m, B, view, out);
  return out;
}

/** The tensors worth showing right after an event, in display order. */
export function tensorsAt(t: Trainer, phase: Phase, layer: number): NamedTensor[] {
  const m = t.model,
    L = m.nodes.length;
  const pick = (s: Partial<Record<TensorKey, NamedTensor>>, keys: TensorKey[]) =>
    keys.flatMap((k) => (s[k] ? [s[k]!] : []));
  switch (phase) {
    case 'forward':
      return pick(nodeTensors(t, layer), ['x', 'mask', 'xhat', 'skip', 'z', 'a', 'W', 'b']);
    case 'backward':
      return pick(nodeTensors(t, layer), ['dA', 'delta', 'gradW', 'gradb', 'dSkip', 'dX', 'x', 'W', 'b']);
    case 'loss': {
      const s = nodeTensors(t, L - 1);
      const K = t.outputs;
      const y: NamedTensor = {
        name: 'y',
        path: 'y',
        shape: [t.batchSize, K],
        values: t.yBatch.subarray(0, t.batchSize * K),
      };
      return [{ ...s.a!, name: 'ŷ', path: 'yhat' }, y, { ...s.dA!, name: '∂L/∂ŷ', path: 'dyhat' }];
    }
    // Every layer's tensors in one scope: named by their full path (`h1.W.grad`), or the rows would all read `W.grad`.
    case 'clip':
      return m.nodes.flatMap((_, i) => pick(nodeTensors(t, i), ['gradW', 'gradb']).map(byPath));
    case 'update':
      return m.nodes.flatMap((_, i) => pick(nodeTensors(t, i), ['W', 'b']).map(byPath));
  }
}

function byPath(x: NamedTensor): NamedTensor {
  return { ...x, name: x.path };
}
