// Memory a checked network needs to train: parameters, gradients, optimizer state and the per-node activation
// buffers the Model allocates for one batch. Pure arithmetic (no Node APIs), so the editor and webviews can use it.

import { flattenLayers, nodeBuffers } from '../nn/model';
import type { OptimizerKind } from '../nn/optimizers';
import type { LayerSpec } from './spec';

const FLOAT_BYTES = 4; // Model and optimizers use Float32Array

/** Float32 buffers of the parameter count each optimizer keeps: the applied step, plus its moments. */
const OPTIMIZER_BUFFERS: Readonly<Record<OptimizerKind, number>> = {
  sgd: 1,
  momentum: 2,
  rmsprop: 2,
  adam: 3,
  adamw: 3,
};

/** Bytes a network needs to train, by part. */
export interface MemoryEstimate {
  readonly parameters: number;
  readonly gradients: number;
  readonly optimizer: number;
  /** acts, zs, deltas, dOuts and dSkips of every node for a whole batch. */
  readonly activations: number;
  /** Activation values buffered per sample of the batch. */
  readonly valuesPerSample: number;
  readonly total: number;
  /** The widest layer (the largest single contributor to the activations), or null for an empty network. */
  readonly widest: { readonly layer: LayerSpec; readonly width: number } | null;
}

/** The memory training `layers` on inputs of width `inputSize` with batches of `batch` samples needs, in bytes. */
export function estimateMemory(
  inputSize: number,
  layers: readonly LayerSpec[],
  batch: number,
  optimizer: OptimizerKind,
): MemoryEstimate {
  const { nodes, parameterCount } = flattenLayers(inputSize, layers);
  // Mirrors Model's constructor: one [B, width] buffer per array entry.
  let perSample = inputSize; // acts[0]
  let widest: MemoryEstimate['widest'] = null;
  for (const n of nodes) {
    perSample += n.outWidth; // acts[i + 1]
    perSample += n.outWidth; // dOuts[i]
    const b = nodeBuffers(n);
    perSample += (b.z ?? 0) + (b.delta ?? 0) + (b.skip ?? 0); // zs[i], deltas[i], dSkips[i]
    if (!widest || n.outWidth > widest.width) widest = { layer: n.spec, width: n.outWidth };
  }
  const parameters = parameterCount * FLOAT_BYTES;
  const optimizerBytes = parameters * OPTIMIZER_BUFFERS[optimizer];
  const activations = batch * perSample * FLOAT_BYTES;
  return {
    parameters,
    gradients: parameters,
    optimizer: optimizerBytes,
    activations,
    valuesPerSample: perSample,
    total: 2 * parameters + optimizerBytes + activations,
    widest,
  };
}

/** Bytes as a short human figure in binary units: 512 KiB, 12.2 GiB. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes,
    u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}
