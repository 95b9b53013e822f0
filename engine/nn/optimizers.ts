// Optimizers (sgd, momentum/Nesterov, rmsprop, adam, adamw): their settings and defaults, what one can be asked,
// and the factory; the update rules themselves are in optimizerKinds.ts.

import { AdamFamily, Momentum, RmsProp, Sgd } from './optimizerKinds';
import type { FloatArray } from './tensor';

/**
 * Optimizer settings as written in the .nnet file. `lr` is the base learning rate; the learning rate actually used
 * at a step is passed to {@link Optimizer.step} (so a schedule can vary it). `weightDecay` is λ; g is the gradient.
 * - sgd: θ ← θ − lr·(g + λθ).
 * - momentum: torch.optim.SGD with momentum μ, dampening 0: b ← μb + (g + λθ); θ ← θ − lr·b, or with Nesterov
 *   θ ← θ − lr·(g + λθ + μb).
 * - rmsprop: torch.optim.RMSprop (not centred, no momentum): g ← g + λθ; v ← αv + (1−α)g²; θ ← θ − lr·g/(√v + ε).
 * - adam: torch.optim.Adam, bias-corrected, L2 in the gradient: g ← g + λθ before the moments.
 * - adamw: decoupled decay as seed 000 writes it: θ ← θ − lr·m̂/(√v̂ + ε) − lr·λ·θ.
 */
export type OptimizerConfig =
  | { readonly kind: 'sgd'; readonly lr: number; readonly weightDecay: number }
  | {
      readonly kind: 'momentum';
      readonly lr: number;
      readonly momentum: number;
      readonly nesterov: boolean;
      readonly weightDecay: number;
    }
  | {
      readonly kind: 'rmsprop';
      readonly lr: number;
      readonly alpha: number;
      readonly eps: number;
      readonly weightDecay: number;
    }
  | {
      readonly kind: 'adam';
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
    }
  | {
      readonly kind: 'adamw';
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
    };

/** The optimizer kinds: 'sgd' | 'momentum' | 'rmsprop' | 'adam' | 'adamw'. */
export type OptimizerKind = OptimizerConfig['kind'];

/** The config of one optimizer kind. */
export type OptimizerConfigOf<K extends OptimizerKind> = Extract<OptimizerConfig, { kind: K }>;

/**
 * Default hyper-parameters per kind: PyTorch's defaults, except lr 0.1 for sgd and momentum (PyTorch has no default
 * there; 0.1 suits the small networks of the seeds) and adamw's λ = 0.01 (PyTorch's AdamW default).
 */
export const OPTIMIZER_DEFAULTS: { readonly [K in OptimizerKind]: OptimizerConfigOf<K> } = Object.freeze({
  sgd: Object.freeze({ kind: 'sgd', lr: 0.1, weightDecay: 0 }),
  momentum: Object.freeze({ kind: 'momentum', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 }),
  rmsprop: Object.freeze({ kind: 'rmsprop', lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0 }),
  adam: Object.freeze({ kind: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }),
  adamw: Object.freeze({ kind: 'adamw', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }),
});

/**
 * Optimizer state of one slice [offset, offset + length) of the parameter buffer, as copies. `step` is the change
 * actually applied to θ by the latest step (θ_t − θ_{t−1}, as stored, so an update lost to float32 rounding shows
 * as 0); zeros before the first step. `t` is the number of steps taken.
 */
export type OptimizerInspection =
  | { readonly kind: 'sgd'; readonly t: number; readonly step: Float32Array }
  | {
      readonly kind: 'momentum';
      readonly t: number;
      readonly step: Float32Array;
      /** Momentum buffer b. */ readonly buffer: Float32Array;
    }
  | {
      readonly kind: 'rmsprop';
      readonly t: number;
      readonly step: Float32Array;
      /** Running mean of g². */ readonly v: Float32Array;
    }
  | {
      readonly kind: 'adam' | 'adamw';
      readonly t: number;
      readonly step: Float32Array;
      /** First moment m and second moment v (biased, as stored). */
      readonly m: Float32Array;
      readonly v: Float32Array;
      /** Bias-corrected m̂ = m/(1−β₁ᵗ) and v̂ = v/(1−β₂ᵗ) (equal to m and v before the first step). */
      readonly mHat: Float32Array;
      readonly vHat: Float32Array;
    };

/** Updates `params` in place from `grads`; keeps its own state between steps. */
export interface Optimizer {
  readonly config: OptimizerConfig;
  /**
   * One update of the whole buffer with learning rate `lr` (the schedule's value for this step; `config.lr` is the
   * base). `params` and `grads` must have the size the optimizer was created for. `grads` is not modified.
   * Allocates nothing. Throws RangeError on a size mismatch or a negative or non-finite `lr`.
   */
  step(params: FloatArray, grads: FloatArray, lr: number): void;
  /** Steps taken so far. */
  readonly t: number;
  /** Copies of the state of parameters [offset, offset + length), e.g. one layer's W. Throws RangeError when out of range. */
  inspect(offset: number, length: number): OptimizerInspection;
  /** Σ (θ_t − θ_{t−1})² over [offset, offset + length), in float64, without copying (the live update-ratio chart). */
  stepSquares(offset: number, length: number): number;
  /**
   * A copy of the whole state (step count and every buffer), for rewinding; into `reuse`'s buffers when given.
   * `omitStep`: the applied step (buffers[0]) is not copied (see OptimizerState.stepOmitted).
   */
  saveState(reuse?: OptimizerState, omitStep?: boolean): OptimizerState;
  /**
   * Puts back a state from `saveState` of this optimizer. A state saved without its applied step needs `rebuild`:
   * the parameters saved with it and those before the step that led to them (throws Error without).
   */
  restoreState(s: OptimizerState, rebuild?: StepRebuild): void;
}

/** The whole state of an optimizer: its step count and copies of its buffers, in a fixed order. */
export interface OptimizerState {
  readonly t: number;
  readonly buffers: readonly Float32Array[];
  /**
   * True when buffers[0], the applied step θ_t − θ_{t−1}, was not copied (what it holds is not read): it is rebuilt
   * on restoring from θ_t and θ_{t−1} (StepRebuild). It only shows what the last update did, nothing trains on it,
   * and a history that keeps the state one step earlier already holds θ_{t−1}: N5's checkpoints copy 8.4 MB less.
   */
  readonly stepOmitted?: boolean;
}

/** The parameters a state was saved with (θ_t) and those the update before it started from (θ_{t−1}). */
export interface StepRebuild {
  readonly params: FloatArray;
  readonly previous: FloatArray;
}

/**
 * Creates the optimizer for a parameter buffer of `size` entries; its state buffers are allocated here, once.
 * `shared`: plain SGD's applied-step buffer lies in a SharedArrayBuffer, so that with params and grads shared too
 * (Model's `shared`) the dense helper thread can update its share of a large buffer (sgdSimd.ts).
 */
export function createOptimizer(config: OptimizerConfig, size: number, shared = false): Optimizer {
  if (!Number.isInteger(size) || size < 0)
    throw new RangeError(`optimizer size must be a non-negative integer, got ${size}`);
  switch (config.kind) {
    case 'sgd':
      return new Sgd(config, size, shared);
    case 'momentum':
      return new Momentum(config, size);
    case 'rmsprop':
      return new RmsProp(config, size);
    case 'adam':
    case 'adamw':
      return new AdamFamily(config, size);
    default: {
      const never: never = config;
      throw new Error(`unknown optimizer ${JSON.stringify(never)}`);
    }
  }
}
