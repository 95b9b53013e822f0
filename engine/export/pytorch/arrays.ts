// The arrays of an export: nnet's initial weights (init.npz) and the data with its validation split (data.npz),
// drawn exactly as the trainer draws them, and the generator's state after those draws (train.py continues from it).
import type { NetworkSpec } from '../../language/spec';
import { nodeOps } from '../../nn/layers';
import { Model } from '../../nn/model';
import { Prng } from '../../nn/prng';
import { writeNpz, type NpzArray } from '../../io/npzWrite';

/** init.npz, data.npz and the state of nnet's generator after the initial weights and the validation split. */
export function exportArrays(spec: NetworkSpec): { init: Uint8Array; data: Uint8Array; rngState: number } {
  const model = new Model(spec.inputSize, spec.layers, 1);
  // The same draws as the Trainer's constructor: the weights, then the validation split's shuffle.
  const rng = new Prng(spec.train.seed);
  model.initialize(rng);
  const n = spec.data.x.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const nVal = Math.floor(n * spec.train.validation);
  if (nVal > 0) rng.shuffle(all);
  const weights: NpzArray[] = [];
  model.nodes.forEach((node, i) => {
    if (node.wOff < 0) return;
    const W = model.params.slice(node.wOff, node.wOff + node.wSize);
    const b = model.params.slice(node.bOff, node.bOff + node.outWidth);
    const vector = nodeOps(node.kind).paramNames?.wIsVector === true;
    weights.push({
      name: `${node.name}.W`,
      shape: vector ? [node.outWidth] : [node.outWidth, node.wSize / node.outWidth],
      data: W,
    });
    weights.push({ name: `${node.name}.b`, shape: [node.outWidth], data: b });
    // What training carries from step to step (batch norm's running statistics), under the names the kind gives it.
    const carried = model.carriedState(i);
    const names = nodeOps(node.kind).carriedNames ?? [];
    carried?.forEach((values, c) =>
      weights.push({ name: `${node.name}.${names[c]}`, shape: [node.outWidth], data: Float32Array.from(values) }),
    );
  });
  const K = spec.data.y[0]?.length ?? 0;
  const data = writeNpz([
    { name: 'x', shape: [n, spec.inputSize], data: Float32Array.from(spec.data.x.flat()) },
    { name: 'y', shape: [n, K], data: Float32Array.from(spec.data.y.flat()) },
    { name: 'train_rows', shape: [n - nVal], data: all.slice(0, n - nVal) },
    { name: 'val_rows', shape: [nVal], data: all.slice(n - nVal) },
  ]);
  return { init: writeNpz(weights), data, rngState: rng.getState().state };
}
