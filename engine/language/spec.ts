// The checked description of a .nnet file that the runtime trains: the output of the parser and checker.

import type { Activation } from '../nn/activations';
import type { Init } from '../nn/init';
import type { Loss } from '../nn/losses';
import type { OptimizerConfig } from '../nn/optimizers';

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

/** A dense layer: z = x·Wᵀ + b, a = φ(z). */
export interface DenseSpec {
  readonly kind: 'dense';
  readonly name: string;
  readonly units: number;
  readonly activation: Activation;
  readonly init: Init;
  /** The whole statement, for breakpoints and diagnostics. */
  readonly range: SourceRange;
}

/** Inline data: one row per sample. */
export interface DataSpec {
  /** [N][inputs] */
  readonly x: readonly (readonly number[])[];
  /** [N][outputs] */
  readonly y: readonly (readonly number[])[];
  readonly range: SourceRange;
}

/** Training settings with defaults applied. */
export interface TrainSpec {
  readonly epochs: number;
  /** Mini-batch size; equals the number of samples for full-batch training. */
  readonly batch: number;
  readonly optimizer: OptimizerConfig;
  /** Max global gradient norm, or null for no clipping. */
  readonly clipNorm: number | null;
  readonly seed: number;
  /** Lines of the optimizer and clip statements (0-based), -1 if absent. */
  readonly optimizerLine: number;
  readonly clipLine: number;
}

/** A whole network file after checking. */
export interface NetworkSpec {
  readonly name: string;
  readonly inputSize: number;
  readonly inputRange: SourceRange;
  readonly layers: readonly DenseSpec[];
  readonly loss: Loss;
  readonly lossRange: SourceRange;
  readonly data: DataSpec;
  readonly train: TrainSpec;
}

/** Limits that keep a file from asking for more than this engine should attempt. */
export const LIMITS = {
  maxUnits: 8192,
  maxLayers: 256,
  maxParameters: 20_000_000,
  maxSamples: 100_000,
  maxEpochs: 10_000_000,
} as const;

/** Number of trainable parameters of a network. */
export function parameterCount(inputSize: number, layers: readonly { units: number }[]): number {
  let fanIn = inputSize, total = 0;
  for (const l of layers) {
    total += l.units * fanIn + l.units;
    fanIn = l.units;
  }
  return total;
}
