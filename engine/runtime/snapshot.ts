// Names, shapes and views of the tensors a debugger shows at each event; shared by the worker and the CLI.

import type { Phase, Trainer } from './trainer';

/** A named view onto live engine memory (copy it before keeping it). */
export interface NamedTensor {
  /** Display name, e.g. `W.grad`. */
  readonly name: string;
  /** Expression path, e.g. `h1.W.grad`. */
  readonly path: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Every tensor of layer `i` as the runtime holds it now, named for display. Batch tensors use the current batch. */
export function layerTensors(t: Trainer, i: number): Record<'x' | 'z' | 'a' | 'delta' | 'dA' | 'W' | 'b' | 'gradW' | 'gradb', NamedTensor> {
  const m = t.model, l = m.layers[i], B = t.batchSize || 0, n = l.spec.name;
  const view = (name: string, path: string, shape: number[], buf: Float32Array, off = 0): NamedTensor =>
    ({ name, path: `${n}.${path}`, shape, data: buf.subarray(off, off + shape.reduce((a, b) => a * b, 1)) });
  return {
    x: view('x', 'x', [B, l.fanIn], m.acts[i]),
    z: view('z', 'z', [B, l.units], m.zs[i]),
    a: view('a', 'a', [B, l.units], m.acts[i + 1]),
    dA: view('∂L/∂a', 'dA', [B, l.units], m.dActs[i]),
    delta: view('δ = ∂L/∂z', 'delta', [B, l.units], m.deltas[i]),
    W: view('W', 'W', [l.units, l.fanIn], m.params, l.wOff),
    b: view('b', 'b', [l.units], m.params, l.bOff),
    gradW: view('W.grad', 'W.grad', [l.units, l.fanIn], m.grads, l.wOff),
    gradb: view('b.grad', 'b.grad', [l.units], m.grads, l.bOff),
  };
}

/** The tensors worth showing right after an event (or before it, at entry), in display order. */
export function tensorsAt(t: Trainer, phase: Phase, layer: number): NamedTensor[] {
  const L = t.model.layers.length;
  switch (phase) {
    case 'forward': {
      const s = layerTensors(t, layer);
      return [s.x, s.z, s.a, s.W, s.b];
    }
    case 'backward': {
      const s = layerTensors(t, layer);
      return [s.dA, s.delta, s.gradW, s.gradb, s.x, s.W, s.b];
    }
    case 'loss': {
      const s = layerTensors(t, L - 1);
      const K = t.model.layers[L - 1].units;
      const y: NamedTensor = { name: 'y', path: 'y', shape: [t.batchSize, K], data: t.yBatch.subarray(0, t.batchSize * K) };
      return [{ ...s.a, name: 'ŷ', path: 'yhat' }, y, { ...s.dA, name: '∂L/∂ŷ', path: 'dyhat' }];
    }
    case 'clip':
      return t.model.layers.flatMap((_, i) => { const s = layerTensors(t, i); return [s.gradW, s.gradb]; });
    case 'update':
      return t.model.layers.flatMap((_, i) => { const s = layerTensors(t, i); return [s.W, s.b]; });
  }
}
