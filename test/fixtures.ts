// Network specs built by hand for tests that skip the parser (gradient checks, agreement with TensorFlow.js, the
// seed lesson): the fields a test does not vary, written once.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Activation } from '../engine/nn/activations';
import type { InitSpec } from '../engine/nn/init';
import type { DenseSpec } from '../engine/nn/layers/dense';
import type { Loss } from '../engine/nn/losses';
import { OPTIMIZER_DEFAULTS } from '../engine/nn/optimizers';
import { CONSTANT_LR } from '../engine/nn/schedules';
import type { LayerSpec, NetworkSpec, SourceRange } from '../engine/language/spec';

/** The source range of what no source file holds. */
export const NO_RANGE: SourceRange = { line: 0, col: 0, endCol: 0 };

/** A dense layer with Xavier weights; biases zero and slope 0 unless given. */
export function denseSpec(
  name: string,
  units: number,
  activation: Activation,
  opts: { readonly slope?: number; readonly init?: InitSpec; readonly biasInit?: InitSpec } = {},
): DenseSpec {
  return {
    kind: 'dense',
    name,
    units,
    activation,
    slope: opts.slope ?? 0,
    init: opts.init ?? { kind: 'xavier_uniform' },
    biasInit: opts.biasInit ?? { kind: 'zeros' },
    range: NO_RANGE,
  };
}

/**
 * A network trained for one epoch of batch `batch`, in order, by plain SGD (lr 0.1) at a constant rate, without
 * clipping or validation, seed 1: its first micro-batch is exactly the first `batch` rows of `data`.
 */
export function networkSpec(o: {
  readonly name?: string;
  readonly inputSize: number;
  readonly layers: readonly LayerSpec[];
  readonly loss: Loss;
  readonly batch: number;
  readonly data?: { readonly x: readonly (readonly number[])[]; readonly y: readonly (readonly number[])[] };
}): NetworkSpec {
  return {
    name: o.name ?? 't',
    inputSize: o.inputSize,
    inputRange: NO_RANGE,
    layers: o.layers,
    loss: o.loss,
    lossRange: NO_RANGE,
    data: { x: o.data?.x ?? [], y: o.data?.y ?? [], range: NO_RANGE },
    train: {
      epochs: 1,
      batch: o.batch,
      accumulate: 1,
      optimizer: OPTIMIZER_DEFAULTS.sgd,
      schedule: CONSTANT_LR,
      clip: null,
      seed: 1,
      validation: 0,
      shuffle: false,
      optimizerLine: -1,
      clipLine: -1,
    },
  };
}

/**
 * The source of `input width → dense h width relu → dense out 1`, MSE, four inline rows: with width ≥ 257 its weight
 * matrix is above the values a debugger stop carries whole (STOP_VALUES_MAX), its other tensors below.
 */
export function wideNetworkSource(width: number, train: readonly string[]): string {
  const row = (k: number) =>
    Array.from({ length: width }, (_, j) => (((k * 31 + j * 7) % 13) / 13 - 0.5).toFixed(3)).join(' ');
  return [
    'network wide',
    `  input ${width}`,
    `  dense h ${width} relu`,
    '  dense out 1',
    'loss mse',
    'data',
    ...[0, 1, 2, 3].map((k) => `  ${row(k)} -> ${k % 2}`),
    'train',
    ...train.map((l) => `  ${l}`),
  ].join('\n');
}

/** The repository's root directory. */
export const REPO_ROOT = path.join(__dirname, '..');

/**
 * The networks that overflow (a NaN ends the run) at the forward pass, on the way back and in the update: paths
 * from the repository root. Their hidden layer is `dense h1 4 identity`, which tests vary to ReLU and tanh.
 */
export const OVERFLOW_FIXTURES: readonly string[] = ['overflow', 'overflow-backward', 'overflow-update'].map((f) =>
  path.join('test', 'fixtures', `${f}.nnet`),
);

/** Every example and every overflowing network, sorted: paths from the repository root. */
export function examplesAndOverflows(): string[] {
  const examples = readdirSync(path.join(REPO_ROOT, 'examples'))
    .filter((f) => f.endsWith('.nnet'))
    .map((f) => path.join('examples', f));
  return [...examples, ...OVERFLOW_FIXTURES].sort();
}
