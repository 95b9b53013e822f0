// The checked description of a .nnet file that the runtime trains: the output of the parser and checker.

import type { Activation } from '../nn/activations';
import type { InitSpec } from '../nn/init';
import type { Loss } from '../nn/losses';
import type { OptimizerConfig } from '../nn/optimizers';
import type { LrSchedule } from '../nn/schedules';

/** A span on one line; line and columns are 0-based, endCol exclusive (as in VS Code and LSP). */
export interface SourceRange {
  readonly line: number;
  readonly col: number;
  readonly endCol: number;
}

/** A problem found in a .nnet file. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly range: SourceRange;
}

interface LayerBase {
  /** Unique name; layers inside `repeat N` get `_1` … `_N` suffixes. */
  readonly name: string;
  /** The statement, for breakpoints and diagnostics. */
  readonly range: SourceRange;
}

/** z = x·Wᵀ + b, a = φ(z). */
export interface DenseSpec extends LayerBase {
  readonly kind: 'dense';
  readonly units: number;
  readonly activation: Activation;
  /** Negative slope when activation is leaky_relu. */
  readonly slope: number;
  readonly init: InitSpec;
  readonly biasInit: InitSpec;
}

/** a = φ(x), a layer of its own (e.g. after batch norm). */
export interface ActivationSpec extends LayerBase {
  readonly kind: 'activation';
  readonly activation: Activation;
  readonly slope: number;
}

/** Inverted dropout: in training, zero each value with probability p and scale the rest by 1/(1 − p). */
export interface DropoutSpec extends LayerBase {
  readonly kind: 'dropout';
  readonly p: number;
}

/** Batch norm over the batch dimension, learnable γ (init 1) and β (init 0), running statistics for evaluation. */
export interface BatchNormSpec extends LayerBase {
  readonly kind: 'batchnorm';
  /** Weight of the new batch statistic in the running average (PyTorch's momentum, default 0.1). */
  readonly momentum: number;
  readonly eps: number;
}

/** output = F(x) + x, or F(x) + P·x + c (a learned projection) when F changes the width. */
export interface ResidualSpec extends LayerBase {
  readonly kind: 'residual';
  readonly body: readonly LayerSpec[];
  /** The `end` line that closes the block, where the sum happens. */
  readonly endRange: SourceRange;
}

export type LayerSpec = DenseSpec | ActivationSpec | DropoutSpec | BatchNormSpec | ResidualSpec;

/** Where the samples came from. */
export type DataSource =
  | { readonly kind: 'inline' }
  | {
    readonly kind: 'csv'; readonly path: string; readonly inputs: readonly string[]; readonly targets: readonly string[];
    /** Class names in one-hot order, when the target was one-hot encoded. */
    readonly classes: readonly string[] | null;
    readonly standardize: boolean;
  }
  | { readonly kind: 'generate'; readonly name: string; readonly params: Readonly<Record<string, number>> };

/** Data: one row per sample; targets already one-hot where labels were class indices. */
export interface DataSpec {
  /** Inline rows, a CSV file or a built-in generator (absent in specs built by hand: inline). */
  readonly source?: DataSource;
  /** [N][inputs] */
  readonly x: readonly (readonly number[])[];
  /** [N][outputs] */
  readonly y: readonly (readonly number[])[];
  readonly range: SourceRange;
}

/** Gradient clipping: by global L2 norm, or each entry by value. */
export type ClipSpec = { readonly kind: 'norm'; readonly max: number } | { readonly kind: 'value'; readonly max: number };

/** Training settings with defaults applied. */
export interface TrainSpec {
  readonly epochs: number;
  /** Micro-batch size; equals the number of training samples for full-batch training. */
  readonly batch: number;
  /** Micro-batches whose gradients are summed (each scaled by 1/k) before one optimizer step. */
  readonly accumulate: number;
  readonly optimizer: OptimizerConfig;
  readonly schedule: LrSchedule;
  readonly clip: ClipSpec | null;
  readonly seed: number;
  /** Fraction of the samples held out for validation (0 for none). */
  readonly validation: number;
  readonly shuffle: boolean;
  /** Lines of the optimizer and clip statements (0-based), -1 if absent. */
  readonly optimizerLine: number;
  readonly clipLine: number;
}

/** A whole network file after checking. */
export interface NetworkSpec {
  readonly name: string;
  readonly inputSize: number;
  readonly inputRange: SourceRange;
  readonly layers: readonly LayerSpec[];
  readonly loss: Loss;
  readonly lossRange: SourceRange;
  readonly data: DataSpec;
  readonly train: TrainSpec;
}

/** Limits that keep a file from asking for more than this engine should attempt. */
export const LIMITS = {
  maxUnits: 8192,
  maxLayers: 1024,
  maxRepeat: 256,
  /** How deep `residual` / `repeat` blocks may nest; every walk of the layer tree relies on it. */
  maxNesting: 32,
  maxParameters: 20_000_000,
  maxSamples: 100_000,
  maxEpochs: 10_000_000,
  /** Largest .nnet file read, in bytes. */
  maxSourceBytes: 16 * 1024 * 1024,
  /** Default memory budget for parameters, gradients, optimizer state and activation buffers, in bytes (2 GiB). */
  memoryBudget: 2 * 1024 * 1024 * 1024,
} as const;

/** Width of a layer's output given its input width. */
export function outputWidth(layer: LayerSpec, inWidth: number): number {
  switch (layer.kind) {
    case 'dense': return layer.units;
    case 'residual': return layer.body.reduce((w, l) => outputWidth(l, w), inWidth);
    default: return inWidth;
  }
}

/** Number of trainable parameters (W, b, γ, β, projections) of a stack of layers on an input of width `inWidth`. */
export function parameterCount(inWidth: number, layers: readonly LayerSpec[]): number {
  let total = 0, w = inWidth;
  for (const l of layers) {
    if (l.kind === 'dense') total += l.units * w + l.units;
    else if (l.kind === 'batchnorm') total += 2 * w;
    else if (l.kind === 'residual') {
      const out = outputWidth(l, w);
      total += parameterCount(w, l.body) + (out !== w ? out * w + out : 0);
    }
    w = outputWidth(l, w);
  }
  return total;
}
