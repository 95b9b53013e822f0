// A network's memory and per-node forward/backward: the layer stack flattened into nodes (a residual block becomes
// a begin node, its body, and an end node where the sum happens), all parameters in one buffer so zeroing grads is
// one fill, and per-node activation buffers sized for the largest batch.

import { LIMITS, type LayerSpec } from '../language/spec';
import { activationBackward, activationForward, type Activation } from './activations';
import { denseBackward, denseForward } from './dense';
import { fillInit } from './init';
import type { Prng } from './prng';
import type { FloatArray } from './tensor';

export type NodeKind = 'dense' | 'activation' | 'dropout' | 'batchnorm' | 'residual_begin' | 'residual_end';

/** One step of the flattened network. */
export interface ModelNode {
  readonly kind: NodeKind;
  /** Layer name (a residual's begin and end share the block's name). */
  readonly name: string;
  readonly spec: LayerSpec;
  /** 0-based source line: the layer's statement, or the `end` line for residual_end. */
  readonly line: number;
  readonly inWidth: number;
  readonly outWidth: number;
  /** Offset of W [out, in] (dense, projection) or γ [w] (batchnorm) in params/grads; -1 if none. */
  readonly wOff: number;
  /** Offset of b [out] (dense, projection) or β [w] (batchnorm); -1 if none. */
  readonly bOff: number;
  /** Entries of W (or γ); 0 if none. */
  readonly wSize: number;
  readonly activation: Activation;
  readonly slope: number;
  /** For residual_end: index of its begin node; for residual_begin: index of its end node; else -1. */
  readonly partner: number;
}

/** Running statistics and per-batch values of one batch-norm node, each [w]. */
export interface BatchNormState {
  readonly mean: FloatArray;
  readonly invStd: FloatArray;
  readonly runningMean: FloatArray;
  readonly runningVar: FloatArray;
}

/**
 * How a forward pass treats dropout and batch norm: `train` draws new dropout masks and uses batch statistics;
 * `replay` is the same but keeps the current masks (for gradient checks); `eval` uses no dropout and running
 * statistics.
 */
export type ForwardMode = 'train' | 'replay' | 'eval';

/**
 * Parameters, gradients and activation buffers of a network for batches of up to `maxBatch` samples.
 * Float32 for training; Float64 (`Float64Array` as `Arr`) for gradient checks.
 */
export class Model<Arr extends FloatArray = Float32Array> {
  readonly nodes: readonly ModelNode[];
  /** All parameters, [P]. */
  readonly params: Arr;
  /** ∂L/∂params, [P], same layout. */
  readonly grads: Arr;
  /** acts[0] = batch input [B, inputSize]; acts[i+1] = output of node i [B, out_i]. */
  readonly acts: Arr[];
  /** Per node [B, out_i]: dense z; batchnorm x̂; dropout mask (0 or 1/(1−p)); residual_end the skip term. */
  readonly zs: Arr[];
  /** δ = ∂L/∂z of dense nodes, [B, out_i] (empty for other kinds). */
  readonly deltas: Arr[];
  /** ∂L/∂(output of node i), [B, out_i]; the loss writes the last one. */
  readonly dOuts: Arr[];
  /** Gradient arriving through the skip path of a residual_begin node, [B, in_i] (empty for other kinds). */
  readonly dSkips: Arr[];
  private readonly bn: (BatchNormState | null)[];

  /**
   * @param evaluatesFor when given, this model is that model's evaluation twin: it reads the same parameters and
   *   running batch-norm statistics but has its own activation buffers (and none for the backward pass), so
   *   measuring validation loss leaves every value of the training step as it was.
   */
  constructor(readonly inputSize: number, layers: readonly LayerSpec[], readonly maxBatch: number, array: new (n: number) => Arr = Float32Array as unknown as new (n: number) => Arr, evaluatesFor?: Model<Arr>) {
    const { nodes, parameterCount } = flattenLayers(inputSize, layers);
    this.nodes = nodes;
    this.params = evaluatesFor ? evaluatesFor.params : new array(parameterCount);
    this.grads = evaluatesFor ? new array(0) : new array(parameterCount);
    const buf = (w: number) => new array(maxBatch * w);
    const backBuf = (w: number) => buf(evaluatesFor ? 0 : w);
    this.acts = [buf(inputSize), ...nodes.map((n) => buf(n.outWidth))];
    this.zs = nodes.map((n) => buf(n.kind === 'dense' || n.kind === 'batchnorm' || n.kind === 'dropout' || n.kind === 'residual_end' ? n.outWidth : 0));
    this.deltas = nodes.map((n) => backBuf(n.kind === 'dense' ? n.outWidth : 0));
    this.dOuts = nodes.map((n) => backBuf(n.outWidth));
    this.dSkips = nodes.map((n) => backBuf(n.kind === 'residual_begin' ? n.inWidth : 0));
    this.bn = nodes.map((n, i) => {
      if (n.kind !== 'batchnorm') return null;
      const shared = evaluatesFor?.bn[i];
      return {
        mean: new array(n.outWidth), invStd: new array(n.outWidth),
        runningMean: shared ? shared.runningMean : new array(n.outWidth), runningVar: shared ? shared.runningVar : new array(n.outWidth).fill(1),
      };
    });
  }

  /** Initialises every parameter: W and b by their layer's initialisers, γ = 1, β = 0, projections Xavier/zeros. */
  initialize(rng: Prng): void {
    for (const n of this.nodes) {
      if (n.kind === 'dense' && n.spec.kind === 'dense') {
        fillInit(n.spec.init, this.params, n.wOff, n.wSize, n.inWidth, n.outWidth, rng);
        fillInit(n.spec.biasInit, this.params, n.bOff, n.outWidth, n.inWidth, n.outWidth, rng);
      } else if (n.kind === 'batchnorm') {
        this.params.fill(1, n.wOff, n.wOff + n.outWidth);
        this.params.fill(0, n.bOff, n.bOff + n.outWidth);
      } else if (n.kind === 'residual_end' && n.wOff >= 0) {
        const inW = this.nodes[n.partner].inWidth;
        fillInit({ kind: 'xavier_uniform' }, this.params, n.wOff, n.wSize, inW, n.outWidth, rng);
        this.params.fill(0, n.bOff, n.bOff + n.outWidth);
      }
    }
  }

  /** The logits of the output: z of a final dense node, or the input of a final activation node. */
  logits(): Arr {
    const i = this.nodes.length - 1;
    return this.nodes[i].kind === 'dense' ? this.zs[i] : this.acts[i];
  }

  /**
   * Forward pass of node i over B samples: reads acts[i], writes acts[i+1] (and zs[i]).
   * `mode` selects dropout masks and batch statistics; `rng` draws the dropout masks in `train` mode.
   */
  forwardNode(i: number, B: number, mode: ForwardMode, rng: Prng): void {
    const n = this.nodes[i], x = this.acts[i], out = this.acts[i + 1], w = n.outWidth, len = B * w;
    switch (n.kind) {
      case 'dense':
        denseForward(this.zs[i], x, this.params, n.wOff, n.bOff, B, n.inWidth, w);
        activationForward(n.activation, out, this.zs[i], B, w, n.slope);
        return;
      case 'activation':
        activationForward(n.activation, out, x, B, w, n.slope);
        return;
      case 'dropout': {
        const p = n.spec.kind === 'dropout' ? n.spec.p : 0, mask = this.zs[i], keep = 1 / (1 - p);
        for (let k = 0; k < len; k++) {
          if (mode === 'eval' || p === 0) mask[k] = 1;
          else if (mode === 'train') mask[k] = rng.next() < p ? 0 : keep;
          out[k] = x[k] * mask[k];
        }
        return;
      }
      case 'batchnorm':
        this.batchNormForward(i, B, mode !== 'eval', mode === 'train');
        return;
      case 'residual_begin':
        out.set(x.subarray(0, len));
        return;
      case 'residual_end': {
        const skipIn = this.acts[n.partner], skip = this.zs[i];
        if (n.wOff >= 0) denseForward(skip, skipIn, this.params, n.wOff, n.bOff, B, this.nodes[n.partner].inWidth, w);
        else skip.set(skipIn.subarray(0, len));
        for (let k = 0; k < len; k++) out[k] = x[k] + skip[k];
        return;
      }
    }
  }

  /**
   * Backward pass of node i: reads dOuts[i] (or, for a fused output, deltas already written by the loss),
   * accumulates parameter gradients with +=, and assigns ∂L/∂(input) into dOuts[i−1] (not for node 0).
   */
  backwardNode(i: number, B: number, fusedOutput: boolean): void {
    const n = this.nodes[i], dOut = this.dOuts[i], dIn = i > 0 ? this.dOuts[i - 1] : null;
    const w = n.outWidth, len = B * w, inLen = B * n.inWidth;
    const fused = fusedOutput && i === this.nodes.length - 1;
    switch (n.kind) {
      case 'dense':
        if (!fused) activationBackward(n.activation, this.deltas[i], dOut, this.zs[i], this.acts[i + 1], B, w, n.slope);
        if (dIn) dIn.fill(0, 0, inLen);
        denseBackward(dIn, this.grads, this.deltas[i], this.acts[i], this.params, n.wOff, n.bOff, B, n.inWidth, w);
        return;
      case 'activation':
        // With a fused output the loss already wrote δ = ∂L/∂(input) into dOuts[i−1].
        if (dIn && !fused) activationBackward(n.activation, dIn, dOut, this.acts[i], this.acts[i + 1], B, w, n.slope);
        return;
      case 'dropout':
        if (dIn) { const mask = this.zs[i]; for (let k = 0; k < len; k++) dIn[k] = dOut[k] * mask[k]; }
        return;
      case 'batchnorm':
        this.batchNormBackward(i, B, dIn);
        return;
      case 'residual_begin':
        if (dIn) { const skip = this.dSkips[i]; for (let k = 0; k < len; k++) dIn[k] = dOut[k] + skip[k]; }
        return;
      case 'residual_end': {
        const begin = this.nodes[n.partner], dSkip = this.dSkips[n.partner];
        if (dIn) dIn.set(dOut.subarray(0, len));
        if (n.wOff >= 0) {
          dSkip.fill(0, 0, B * begin.inWidth);
          denseBackward(dSkip, this.grads, dOut, this.acts[n.partner], this.params, n.wOff, n.bOff, B, begin.inWidth, w);
        } else dSkip.set(dOut.subarray(0, len));
        return;
      }
    }
  }

  private batchNormForward(i: number, B: number, training: boolean, updateRunning: boolean): void {
    const n = this.nodes[i], st = this.bn[i]!, w = n.outWidth, x = this.acts[i], xh = this.zs[i], out = this.acts[i + 1];
    const spec = n.spec.kind === 'batchnorm' ? n.spec : { momentum: 0.1, eps: 1e-5 };
    for (let j = 0; j < w; j++) {
      let mean: number, variance: number;
      if (training) {
        let s = 0;
        for (let r = 0; r < B; r++) s += x[r * w + j];
        mean = s / B;
        let v = 0;
        for (let r = 0; r < B; r++) { const d = x[r * w + j] - mean; v += d * d; }
        variance = v / B;
        // Running statistics as PyTorch keeps them: the unbiased variance, blended with `momentum`.
        if (updateRunning) st.runningMean[j] = (1 - spec.momentum) * st.runningMean[j] + spec.momentum * mean;
        if (updateRunning) st.runningVar[j] = (1 - spec.momentum) * st.runningVar[j] + spec.momentum * (B > 1 ? v / (B - 1) : variance);
      } else {
        mean = st.runningMean[j];
        variance = st.runningVar[j];
      }
      const inv = 1 / Math.sqrt(variance + spec.eps);
      st.mean[j] = mean;
      st.invStd[j] = inv;
      const g = this.params[n.wOff + j], b = this.params[n.bOff + j];
      for (let r = 0; r < B; r++) { const k = r * w + j; xh[k] = (x[k] - mean) * inv; out[k] = g * xh[k] + b; }
    }
  }

  private batchNormBackward(i: number, B: number, dIn: Arr | null): void {
    const n = this.nodes[i], st = this.bn[i]!, w = n.outWidth, xh = this.zs[i], dOut = this.dOuts[i];
    for (let j = 0; j < w; j++) {
      let sumD = 0, sumDX = 0;
      for (let r = 0; r < B; r++) { const k = r * w + j; sumD += dOut[k]; sumDX += dOut[k] * xh[k]; }
      this.grads[n.wOff + j] += sumDX;
      this.grads[n.bOff + j] += sumD;
      if (!dIn) continue;
      // dx = γ·invStd/B · (B·dy − Σdy − x̂·Σ(dy·x̂))
      const scale = (this.params[n.wOff + j] * st.invStd[j]) / B;
      for (let r = 0; r < B; r++) { const k = r * w + j; dIn[k] = scale * (B * dOut[k] - sumD - xh[k] * sumDX); }
    }
  }

  /** Running mean and variance of a batch-norm node (for inspection). */
  batchNormStats(i: number): BatchNormState | null {
    return this.bn[i];
  }
}

/**
 * The nodes of a layer stack in execution order, with their parameter offsets: a residual block becomes a begin
 * node, its body and an end node (with a projection when the body changes the width).
 */
export function flattenLayers(inputSize: number, layers: readonly LayerSpec[]): { nodes: ModelNode[]; parameterCount: number } {
  const nodes: ModelNode[] = [];
  let off = 0;
  const base = { wOff: -1, bOff: -1, wSize: 0, activation: 'identity' as Activation, slope: 0, partner: -1 };
  const flatten = (specs: readonly LayerSpec[], inWidth: number, depth: number): number => {
    // The parser never nests deeper; a spec built elsewhere gets a clear error instead of a stack overflow.
    if (depth > LIMITS.maxNesting) throw new RangeError(`residual blocks nest more than ${LIMITS.maxNesting} deep`);
    let w = inWidth;
    for (const s of specs) {
      switch (s.kind) {
        case 'dense':
          nodes.push({ ...base, kind: 'dense', name: s.name, spec: s, line: s.range.line, inWidth: w, outWidth: s.units, wOff: off, bOff: off + s.units * w, wSize: s.units * w, activation: s.activation, slope: s.slope });
          off += s.units * w + s.units;
          w = s.units;
          break;
        case 'activation':
          nodes.push({ ...base, kind: 'activation', name: s.name, spec: s, line: s.range.line, inWidth: w, outWidth: w, activation: s.activation, slope: s.slope });
          break;
        case 'dropout':
          nodes.push({ ...base, kind: 'dropout', name: s.name, spec: s, line: s.range.line, inWidth: w, outWidth: w });
          break;
        case 'batchnorm':
          nodes.push({ ...base, kind: 'batchnorm', name: s.name, spec: s, line: s.range.line, inWidth: w, outWidth: w, wOff: off, bOff: off + w, wSize: w });
          off += 2 * w;
          break;
        case 'residual': {
          const begin = nodes.length;
          nodes.push({ ...base, kind: 'residual_begin', name: s.name, spec: s, line: s.range.line, inWidth: w, outWidth: w });
          const out = flatten(s.body, w, depth + 1);
          const proj = out !== w;
          nodes.push({ ...base, kind: 'residual_end', name: s.name, spec: s, line: s.endRange.line, inWidth: out, outWidth: out, partner: begin, ...(proj ? { wOff: off, bOff: off + out * w, wSize: out * w } : {}) });
          if (proj) off += out * w + out;
          nodes[begin] = { ...nodes[begin], partner: nodes.length - 1 };
          w = out;
          break;
        }
      }
    }
    return w;
  };
  flatten(layers, inputSize, 0);
  return { nodes, parameterCount: off };
}
