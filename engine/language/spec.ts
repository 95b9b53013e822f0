// The checked description of a .nnet file that the runtime trains: the output of the parser and checker.

import { kindOf, type LeafSpec } from '../nn/layers';
import type { ResidualSpec } from '../nn/layers/residual';
import type { InitialWeights } from '../io/weights';
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
  /**
   * The range is written but has no effect (a warning): an editor fades it, as it fades unused code, instead of
   * squiggling it; the CLI prints it as a warning.
   */
  readonly unused?: true;
}

/** What every layer spec has; each kind adds its own fields (see engine/nn/layers/). */
export interface LayerBase {
  /** Unique name; layers inside `repeat N` get `_1` … `_N` suffixes. */
  readonly name: string;
  /** The statement, for breakpoints and diagnostics. */
  readonly range: SourceRange;
}

export type { DenseSpec } from '../nn/layers/dense';
export type { ActivationSpec } from '../nn/layers/activation';
export type { DropoutSpec } from '../nn/layers/dropout';
export type { BatchNormSpec } from '../nn/layers/batchnorm';
export type { ResidualSpec } from '../nn/layers/residual';

/** A layer: a statement of one of the registered kinds (engine/nn/layers/index.ts), or a `residual` block. */
export type LayerSpec = LeafSpec | ResidualSpec;

/** Where the samples came from. */
export type DataSource =
  | { readonly kind: 'inline' }
  | {
      readonly kind: 'csv';
      readonly path: string;
      readonly inputs: readonly string[];
      readonly targets: readonly string[];
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
export type ClipSpec =
  { readonly kind: 'norm'; readonly max: number } | { readonly kind: 'value'; readonly max: number };

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
  /** Arrays training starts from instead of the seed's initialisation (`weights "FILE.npz"`); absent: the seed's. */
  readonly weights?: InitialWeights;
}

export { LIMITS } from './limits';

/** Width of a layer's output given its input width. */
export function outputWidth(layer: LayerSpec, inWidth: number): number {
  if (layer.kind === 'residual') return layer.body.reduce((w, l) => outputWidth(l, w), inWidth);
  const k = kindOf(layer);
  return k.outWidth ? k.outWidth(layer, inWidth) : inWidth;
}

/** Number of trainable parameters (W, b, γ, β, projections) of a stack of layers on an input of width `inWidth`. */
export function parameterCount(inWidth: number, layers: readonly LayerSpec[]): number {
  let total = 0,
    w = inWidth;
  for (const l of layers) {
    if (l.kind === 'residual') {
      const out = outputWidth(l, w);
      total += parameterCount(w, l.body) + (out !== w ? out * w + out : 0);
    } else {
      const p = kindOf(l).params?.(l, w);
      if (p) total += p.w + p.b;
    }
    w = outputWidth(l, w);
  }
  return total;
}
