// Optimizers (sgd, momentum/Nesterov, rmsprop, adam, adamw): one loop over the whole flat parameter buffer per step, state in parallel buffers.

import { allocateKernelFloats } from './kernelMemory';
import { sgdSimd } from './sgdSimd';
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

/** The buffer of a state whose applied step was omitted and had none to reuse (never read). */
const NO_STEP = new Float32Array(0);

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

/** Shared bookkeeping: step count, the applied-step buffer, argument checks. */
abstract class Base {
  t = 0;
  /** θ_t − θ_{t−1} of the latest step, [P]. */
  protected readonly lastStep: Float32Array;
  constructor(
    readonly size: number,
    shared = false,
  ) {
    // Shared: inside the kernels' memory where it has room (sgdSimd.ts then updates in place), else a buffer of its own.
    this.lastStep =
      shared && typeof SharedArrayBuffer === 'function'
        ? (allocateKernelFloats(size) ?? new Float32Array(new SharedArrayBuffer(size * 4)))
        : new Float32Array(size);
  }

  /**
   * The state whose omitted applied step lastStep holds as restoreState rebuilt it, until anything else writes
   * lastStep (a step, a restore): restoring that state again (Step Back after Step Back within one step) finds the
   * same bits there and skips the rebuild, a loop over every parameter that runs cold (~15–20 ms for N5's 2.1M).
   */
  private rebuiltFor: OptimizerState | null = null;

  /** Checks a step's arguments; every step calls it first, before it writes lastStep. */
  protected check(params: FloatArray, grads: FloatArray, lr: number): void {
    this.rebuiltFor = null;
    if (params.length !== this.size || grads.length !== this.size) {
      throw new RangeError(
        `optimizer was created for ${this.size} parameters, got params [${params.length}] and grads [${grads.length}]`,
      );
    }
    // A NaN or negative lr would silently corrupt every parameter; refuse it instead.
    if (!(lr >= 0) || lr === Infinity) throw new RangeError(`learning rate must be finite and ≥ 0, got ${lr}`);
  }

  /** Every state buffer, lastStep first; subclasses add theirs. */
  protected buffers(): Float32Array[] {
    return [this.lastStep];
  }

  saveState(reuse?: OptimizerState, omitStep = false): OptimizerState {
    return {
      t: this.t,
      stepOmitted: omitStep,
      buffers: this.buffers().map((b, i) => {
        const r = reuse?.buffers[i];
        // An omitted step keeps whatever buffer the reused state had (memory held, so a later full copy need not
        // allocate one); a reused state that had omitted it has no buffer of this size.
        if (i === 0 && omitStep) return r ?? NO_STEP;
        return r && r.length === b.length ? (r.set(b), r) : b.slice();
      }),
    };
  }

  restoreState(s: OptimizerState, rebuild?: StepRebuild): void {
    if (s.stepOmitted && (!rebuild || rebuild.params.length !== this.size || rebuild.previous.length !== this.size))
      throw new Error(
        'internal error: a state saved without its applied step restored without the parameters to rebuild it',
      );
    this.t = s.t;
    this.buffers().forEach((b, i) => {
      if (i > 0 || !s.stepOmitted) b.set(s.buffers[i]);
    });
    const again = this.rebuiltFor === s;
    this.rebuiltFor = null;
    if (!s.stepOmitted) return;
    this.rebuiltFor = s;
    if (again) return;
    // Every kind's update wrote lastStep[i] as the float64 difference of the new and the old stored parameter,
    // rounded to float32 by the store (sgdSimd.ts: the same); the same operation on the same two values gives the
    // same bits.
    const last = this.lastStep,
      p = rebuild!.params,
      q = rebuild!.previous;
    for (let i = 0, n = last.length; i < n; i++) last[i] = p[i] - q[i];
  }

  stepSquares(offset: number, length: number): number {
    this.checkRange(offset, length);
    const d = this.lastStep;
    let s = 0;
    for (let i = offset, end = offset + length; i < end; i++) s += d[i] * d[i];
    return s;
  }

  protected slice(buf: Float32Array, offset: number, length: number): Float32Array {
    return buf.slice(offset, offset + length);
  }

  protected checkRange(offset: number, length: number): void {
    if (
      !Number.isInteger(offset) ||
      !Number.isInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.size
    ) {
      throw new RangeError(`inspect(${offset}, ${length}) is outside the parameter buffer [${this.size}]`);
    }
  }
}

class Sgd extends Base implements Optimizer {
  constructor(
    readonly config: OptimizerConfigOf<'sgd'>,
    size: number,
    shared: boolean,
  ) {
    super(size, shared);
  }

  step(params: FloatArray, grads: FloatArray, lr: number): void {
    this.check(params, grads, lr);
    const wd = this.config.weightDecay;
    const last = this.lastStep;
    if (params instanceof Float32Array) {
      // In WebAssembly SIMD where it runs and pays (sgdSimd.ts: the same bits), else this loop.
      if (grads instanceof Float32Array && sgdSimd(params, grads, last, lr, wd)) {
        this.t++;
        return;
      }
      // The same numbers as the loop below: fround is the rounding of the float32 store, so q is what reading
      // params[i] back would give; without that store-and-reload, N5's 2.1M-parameter update took ~20 % longer.
      for (let i = 0, n = params.length; i < n; i++) {
        const p = params[i],
          q = Math.fround(p - lr * (grads[i] + wd * p));
        params[i] = q;
        last[i] = q - p;
      }
      this.t++;
      return;
    }
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      // With λ = 0 this is exactly p − lr·g (0·p = 0 for finite p), so plain SGD is bit-identical to before decay existed.
      params[i] = p - lr * (grads[i] + wd * p);
      last[i] = params[i] - p;
    }
    this.t++;
  }

  inspect(offset: number, length: number): OptimizerInspection {
    this.checkRange(offset, length);
    return { kind: 'sgd', t: this.t, step: this.slice(this.lastStep, offset, length) };
  }
}

class Momentum extends Base implements Optimizer {
  /** Momentum buffer b, [P]. */
  private readonly buf: Float32Array;
  protected override buffers(): Float32Array[] {
    return [this.lastStep, this.buf];
  }
  constructor(
    readonly config: OptimizerConfigOf<'momentum'>,
    size: number,
  ) {
    super(size);
    this.buf = new Float32Array(size);
  }

  step(params: FloatArray, grads: FloatArray, lr: number): void {
    this.check(params, grads, lr);
    const { momentum: mu, nesterov, weightDecay: wd } = this.config;
    const b = this.buf,
      last = this.lastStep;
    // PyTorch sets b = g on the first step; with b starting at 0 and no dampening, μ·0 + g = g is the same thing.
    if (nesterov) {
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const g = grads[i] + wd * p;
        const bi = mu * b[i] + g;
        b[i] = bi;
        // Nesterov looks ahead along the velocity: the step is g + μ·b_t rather than b_t.
        params[i] = p - lr * (g + mu * bi);
        last[i] = params[i] - p;
      }
    } else {
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const bi = mu * b[i] + grads[i] + wd * p;
        b[i] = bi;
        params[i] = p - lr * bi;
        last[i] = params[i] - p;
      }
    }
    this.t++;
  }

  inspect(offset: number, length: number): OptimizerInspection {
    this.checkRange(offset, length);
    return {
      kind: 'momentum',
      t: this.t,
      step: this.slice(this.lastStep, offset, length),
      buffer: this.slice(this.buf, offset, length),
    };
  }
}

class RmsProp extends Base implements Optimizer {
  /** Running mean of squared gradients v, [P]. */
  private readonly v: Float32Array;
  protected override buffers(): Float32Array[] {
    return [this.lastStep, this.v];
  }
  constructor(
    readonly config: OptimizerConfigOf<'rmsprop'>,
    size: number,
  ) {
    super(size);
    this.v = new Float32Array(size);
  }

  step(params: FloatArray, grads: FloatArray, lr: number): void {
    this.check(params, grads, lr);
    const { alpha, eps, weightDecay: wd } = this.config;
    const oneMinusAlpha = 1 - alpha;
    const v = this.v,
      last = this.lastStep;
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      const g = grads[i] + wd * p;
      const vi = alpha * v[i] + oneMinusAlpha * g * g;
      v[i] = vi;
      // ε outside the square root, as PyTorch: it bounds the step where v is tiny.
      params[i] = p - (lr * g) / (Math.sqrt(vi) + eps);
      last[i] = params[i] - p;
    }
    this.t++;
  }

  inspect(offset: number, length: number): OptimizerInspection {
    this.checkRange(offset, length);
    return {
      kind: 'rmsprop',
      t: this.t,
      step: this.slice(this.lastStep, offset, length),
      v: this.slice(this.v, offset, length),
    };
  }
}

/**
 * Adam and AdamW share the moments and bias correction; they differ only in where λ enters.
 *
 * Seed 000 writes "Adam (incorrect L2)" as θ − lr·(m̂/(√v̂+ε) + λθ), which expands to exactly its AdamW line, so the
 * formula as written is not what Adam+L2 computes. Its prose is right: Adam "applies weight decay to the gradient
 * before computing adaptive learning rates", i.e. g ← g + λθ goes into m and v, so the decay term is divided by √v̂
 * too and parameters with a large gradient history are decayed less. That is what 'adam' does here (as PyTorch
 * Adam); 'adamw' applies −lr·λ·θ outside the adaptive scaling, exactly as the seed's AdamW line.
 */
class AdamFamily extends Base implements Optimizer {
  /** First moment m, [P]. */
  private readonly m: Float32Array;
  /** Second moment v, [P]. */
  private readonly v: Float32Array;
  protected override buffers(): Float32Array[] {
    return [this.lastStep, this.m, this.v];
  }
  constructor(
    readonly config: OptimizerConfigOf<'adam'> | OptimizerConfigOf<'adamw'>,
    size: number,
  ) {
    super(size);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  step(params: FloatArray, grads: FloatArray, lr: number): void {
    this.check(params, grads, lr);
    const { beta1, beta2, eps, weightDecay: wd } = this.config;
    this.t++;
    // Bias correction: m and v start at 0, so early averages are too small by the factor 1 − βᵗ.
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    const ob1 = 1 - beta1,
      ob2 = 1 - beta2;
    const m = this.m,
      v = this.v,
      last = this.lastStep;
    if (this.config.kind === 'adam') {
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const g = grads[i] + wd * p; // L2 in the gradient: λθ is averaged and adaptively scaled like g
        const mi = beta1 * m[i] + ob1 * g;
        const vi = beta2 * v[i] + ob2 * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = p - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
        last[i] = params[i] - p;
      }
    } else {
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const g = grads[i];
        const mi = beta1 * m[i] + ob1 * g;
        const vi = beta2 * v[i] + ob2 * g * g;
        m[i] = mi;
        v[i] = vi;
        // Decoupled: the decay uses the θ from before this step and bypasses m̂/(√v̂+ε) (same as PyTorch's θ·(1 − lr·λ) first).
        params[i] = p - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps) - lr * wd * p;
        last[i] = params[i] - p;
      }
    }
  }

  inspect(offset: number, length: number): OptimizerInspection {
    this.checkRange(offset, length);
    const m = this.slice(this.m, offset, length),
      v = this.slice(this.v, offset, length);
    // Before the first step 1 − β⁰ = 0; report m̂ = m and v̂ = v (both 0) instead of 0/0.
    const c1 = this.t > 0 ? 1 - Math.pow(this.config.beta1, this.t) : 1;
    const c2 = this.t > 0 ? 1 - Math.pow(this.config.beta2, this.t) : 1;
    const mHat = new Float32Array(length),
      vHat = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      mHat[i] = m[i] / c1;
      vHat[i] = v[i] / c2;
    }
    return { kind: this.config.kind, t: this.t, step: this.slice(this.lastStep, offset, length), m, v, mHat, vHat };
  }
}
