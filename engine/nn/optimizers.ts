// Optimizers that update the whole parameter buffer in one pass; their state lives in buffers parallel to it.

import type { FloatArray } from './tensor';

/** Optimizer settings as written in the .nnet file. */
export type OptimizerConfig =
  | { readonly kind: 'sgd'; readonly lr: number }
  | { readonly kind: 'adam'; readonly lr: number; readonly beta1: number; readonly beta2: number; readonly eps: number };

/** Updates `params` in place from `grads`; keeps its own state between steps. */
export interface Optimizer {
  readonly config: OptimizerConfig;
  step(params: FloatArray, grads: FloatArray): void;
  /** Steps taken so far. */
  readonly t: number;
}

/** Creates the optimizer for a parameter buffer of `size` entries. */
export function createOptimizer(config: OptimizerConfig, size: number): Optimizer {
  switch (config.kind) {
    case 'sgd':
      return new Sgd(config);
    case 'adam':
      return new Adam(config, size);
    default: {
      const never: never = config;
      throw new Error(`unknown optimizer ${JSON.stringify(never)}`);
    }
  }
}

class Sgd implements Optimizer {
  t = 0;
  constructor(readonly config: OptimizerConfig & { kind: 'sgd' }) {}
  step(params: FloatArray, grads: FloatArray): void {
    const lr = this.config.lr;
    for (let i = 0; i < params.length; i++) params[i] -= lr * grads[i];
    this.t++;
  }
}

class Adam implements Optimizer {
  t = 0;
  /** First moment m, [P]. */
  readonly m: Float64Array;
  /** Second moment v, [P]. */
  readonly v: Float64Array;
  constructor(readonly config: OptimizerConfig & { kind: 'adam' }, size: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  step(params: FloatArray, grads: FloatArray): void {
    const { lr, beta1, beta2, eps } = this.config;
    this.t++;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    const m = this.m, v = this.v;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      params[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  }
}
