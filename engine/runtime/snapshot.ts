// Names, shapes and views of the tensors a debugger shows at each event; shared by the worker and the CLI.

import type { FloatArray } from '../nn/tensor';
import type { Phase, Trainer } from './trainer';

/** A named view onto live engine memory (copy it before keeping it). */
export interface NamedTensor {
  /** Display name, e.g. `W.grad`. */
  readonly name: string;
  /** Expression path, e.g. `h1.W.grad`. */
  readonly path: string;
  readonly shape: readonly number[];
  readonly data: FloatArray;
}

/** The role of a tensor within its node. */
export type TensorKey = 'x' | 'z' | 'a' | 'dA' | 'dX' | 'delta' | 'W' | 'b' | 'gradW' | 'gradb' | 'mask' | 'xhat' | 'skip' | 'dSkip';

/** Every tensor node `i` holds now, keyed by role; batch tensors cover the current batch. Absent roles are omitted. */
export function nodeTensors(t: Trainer, i: number): Partial<Record<TensorKey, NamedTensor>> {
  const m = t.model, n = m.nodes[i], B = t.batchSize || 0, name = n.name, w = n.outWidth;
  const view = (label: string, path: string, shape: number[], buf: FloatArray, off = 0): NamedTensor =>
    ({ name: label, path: `${name}.${path}`, shape, data: buf.subarray(off, off + shape.reduce((a, b) => a * b, 1)) });
  const out: Partial<Record<TensorKey, NamedTensor>> = {
    x: view('x', 'x', [B, n.inWidth], m.acts[i]),
    a: view('a', 'a', [B, w], m.acts[i + 1]),
    dA: view('∂L/∂a', 'dA', [B, w], m.dOuts[i]),
  };
  if (i > 0) out.dX = view('∂L/∂x', 'dX', [B, n.inWidth], m.dOuts[i - 1]);
  const skipIn = n.kind === 'residual_end' ? m.nodes[n.partner].inWidth : n.inWidth;
  const wShape = n.kind === 'batchnorm' ? [w] : [w, skipIn];
  const [wName, bName] = n.kind === 'batchnorm' ? ['γ', 'β'] : n.kind === 'residual_end' ? ['P', 'c'] : ['W', 'b'];
  if (n.wOff >= 0) {
    out.W = view(wName, wName === 'γ' ? 'gamma' : wName, wShape, m.params, n.wOff);
    out.b = view(bName, bName === 'β' ? 'beta' : bName, [w], m.params, n.bOff);
    out.gradW = view(`${wName}.grad`, `${wName === 'γ' ? 'gamma' : wName}.grad`, wShape, m.grads, n.wOff);
    out.gradb = view(`${bName}.grad`, `${bName === 'β' ? 'beta' : bName}.grad`, [w], m.grads, n.bOff);
  }
  switch (n.kind) {
    case 'dense':
      out.z = view('z', 'z', [B, w], m.zs[i]);
      out.delta = view('δ = ∂L/∂z', 'delta', [B, w], m.deltas[i]);
      break;
    case 'dropout': out.mask = view('mask', 'mask', [B, w], m.zs[i]); break;
    case 'batchnorm': out.xhat = view('x̂', 'xhat', [B, w], m.zs[i]); break;
    case 'residual_end': out.x = { ...out.x!, name: 'F(x)' }; out.skip = view('skip', 'skip', [B, w], m.zs[i]); break;
    case 'residual_begin': out.dSkip = view('∂L/∂x via skip', 'dSkip', [B, n.inWidth], m.dSkips[i]); break;
    case 'activation': break;
  }
  return out;
}

/** The tensors worth showing right after an event, in display order. */
export function tensorsAt(t: Trainer, phase: Phase, layer: number): NamedTensor[] {
  const m = t.model, L = m.nodes.length;
  const pick = (s: Partial<Record<TensorKey, NamedTensor>>, keys: TensorKey[]) => keys.flatMap((k) => (s[k] ? [s[k]!] : []));
  switch (phase) {
    case 'forward':
      return pick(nodeTensors(t, layer), ['x', 'mask', 'xhat', 'skip', 'z', 'a', 'W', 'b']);
    case 'backward':
      return pick(nodeTensors(t, layer), ['dA', 'delta', 'gradW', 'gradb', 'dSkip', 'dX', 'x', 'W', 'b']);
    case 'loss': {
      const s = nodeTensors(t, L - 1);
      const K = t.outputs;
      const y: NamedTensor = { name: 'y', path: 'y', shape: [t.batchSize, K], data: t.yBatch.subarray(0, t.batchSize * K) };
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
