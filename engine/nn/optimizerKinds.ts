// The optimizers' update rules, one loop over the whole flat parameter buffer per step with the state in parallel
// buffers, and their shared bookkeeping (step count, applied step, saving and restoring the state); optimizers.ts
// says what each computes and makes them.

import { allocateKernelFloats } from './kernelMemory';
import type { Optimizer, OptimizerConfigOf, OptimizerInspection, OptimizerState, StepRebuild } from './optimizers';
import { sgdSimd } from './sgdSimd';
import type { FloatArray } from './tensor';

/** The buffer of a state whose applied step was omitted and had none to reuse (never read). */
const NO_STEP = new Float32Array(0);

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

export class Sgd extends Base implements Optimizer {
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

export class Momentum extends Base implements Optimizer {
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

export class RmsProp extends Base implements Optimizer {
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
export class AdamFamily extends Base implements Optimizer {
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
