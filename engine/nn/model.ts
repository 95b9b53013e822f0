// A dense network's memory: all parameters in one buffer (so zeroing grads is one fill) and per-layer activations.

import type { DenseSpec } from '../language/spec';
import { activationBackward, activationForward } from './activations';
import { denseBackward, denseForward } from './dense';
import { initWeights } from './init';
import type { Prng } from './prng';

/** Where one layer's W and b live in the parameter buffer. */
export interface LayerLayout {
  readonly spec: DenseSpec;
  /** Width of the layer input C. */
  readonly fanIn: number;
  /** Width of the layer output OC. */
  readonly units: number;
  /** Offset of W [OC, C] in params/grads. */
  readonly wOff: number;
  /** Offset of b [OC] in params/grads. */
  readonly bOff: number;
}

/** Parameters, gradients and activation buffers of a dense network for batches of up to `maxBatch` samples. */
export class Model {
  readonly layers: readonly LayerLayout[];
  /** All parameters, [P]: W1, b1, W2, b2, … */
  readonly params: Float32Array;
  /** ∂L/∂params, [P], same layout. */
  readonly grads: Float32Array;
  /** acts[0] = batch input x [B, inputSize]; acts[i+1] = a of layer i [B, units_i]. */
  readonly acts: Float32Array[];
  /** z of layer i, [B, units_i]. */
  readonly zs: Float32Array[];
  /** δ = ∂L/∂z of layer i, [B, units_i]. */
  readonly deltas: Float32Array[];
  /** ∂L/∂a of layer i, [B, units_i]; dActs[L-1] is written by the loss. */
  readonly dActs: Float32Array[];

  constructor(readonly inputSize: number, specs: readonly DenseSpec[], readonly maxBatch: number) {
    const layers: LayerLayout[] = [];
    let off = 0, fanIn = inputSize;
    for (const spec of specs) {
      layers.push({ spec, fanIn, units: spec.units, wOff: off, bOff: off + spec.units * fanIn });
      off += spec.units * fanIn + spec.units;
      fanIn = spec.units;
    }
    this.layers = layers;
    this.params = new Float32Array(off);
    this.grads = new Float32Array(off);
    this.acts = [new Float32Array(maxBatch * inputSize), ...layers.map((l) => new Float32Array(maxBatch * l.units))];
    this.zs = layers.map((l) => new Float32Array(maxBatch * l.units));
    this.deltas = layers.map((l) => new Float32Array(maxBatch * l.units));
    this.dActs = layers.map((l) => new Float32Array(maxBatch * l.units));
  }

  /** Initialises every W by its layer's initialiser and every b to zero. */
  initialize(rng: Prng): void {
    for (const l of this.layers) {
      initWeights(l.spec.init, this.params, l.wOff, l.fanIn, l.units, rng);
      this.params.fill(0, l.bOff, l.bOff + l.units);
    }
  }

  /** Forward pass of layer i over a batch of B samples (reads acts[i], writes zs[i] and acts[i+1]). */
  forwardLayer(i: number, B: number): void {
    const l = this.layers[i];
    denseForward(this.zs[i], this.acts[i], this.params, l.wOff, l.bOff, B, l.fanIn, l.units);
    activationForward(l.spec.activation, this.acts[i + 1], this.zs[i], B * l.units);
  }

  /**
   * Backward pass of layer i: δ = ∂L/∂a ⊙ φ′(z); dW += δᵀx; db += Σδ; ∂L/∂a of layer i−1 = δ·W.
   * Expects grads zeroed at the start of the step and dActs[i] filled by the layer above (or the loss).
   */
  backwardLayer(i: number, B: number): void {
    const l = this.layers[i];
    const n = B * l.units;
    activationBackward(l.spec.activation, this.deltas[i], this.dActs[i], this.zs[i], this.acts[i + 1], n);
    const dx = i > 0 ? this.dActs[i - 1] : null;
    if (dx) dx.fill(0, 0, B * l.fanIn);
    denseBackward(dx, this.grads, this.deltas[i], this.acts[i], this.params, l.wOff, l.bOff, B, l.fanIn, l.units);
  }
}
