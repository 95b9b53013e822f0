// The ideas that cross the process boundaries — a tensor, a gradient statistic, a loss point, a layer's detail —
// each declared once here and imported by the worker, the debug adapter, the extension host and the webviews.

/** A tensor as the debugger shows it: row-major values with their shape. */
export interface Tensor<V extends ArrayLike<number> = Float32Array> {
  /** Display name, e.g. `W.grad`, `δ = ∂L/∂z`. */
  readonly name: string;
  /** Path usable in expressions, e.g. `h1.W.grad`. */
  readonly path: string;
  readonly shape: readonly number[];
  /** Row-major values; a live view onto engine memory in the engine, a copy once it has left the trainer. */
  readonly values: V;
}

/** A tensor in a JSON message: its float32 values as base64 of their little-endian bytes (see float32.ts). */
export interface EncodedTensor {
  readonly name: string;
  readonly path: string;
  readonly shape: readonly number[];
  readonly data: string;
}

/** A named number shown beside the tensors (loss, gradient norms, clip coefficient). */
export interface Scalar {
  readonly name: string;
  /** NaN when `pending`. */
  readonly value: number;
  /** The event of the current step that computes it, when it has not run yet (e.g. `loss`, `clip`). */
  readonly pending?: string;
}

/** Per-layer gradient statistics: one bar group of the Gradient Flow view. */
export interface LayerGradStats {
  readonly name: string;
  readonly meanAbsGrad: number;
  readonly maxAbsGrad: number;
  /**
   * ‖ΔW‖ / ‖W‖ of the layer's weights for the optimizer's last applied step (ΔW already includes lr); ~1e-3 is
   * healthy. Absent before the first step; +∞ when ‖W‖ is 0 and the step is not.
   */
  readonly updateRatio?: number;
}

/**
 * One process's global gradient norm in a distributed run, as its probe measured it at its latest step (after DDP's
 * all-reduce the ranks of one step agree: one that differs is out of step or not synchronised).
 */
export interface RankGradNorm {
  /** 0-based rank of the process. */
  readonly rank: number;
  /** L2 norm of all the rank's parameter gradients at its latest step; NaN when unknown. */
  readonly gradNorm: number;
}

/** One point of the loss curve (per epoch). `loss` is NaN when training produced a non-finite loss. */
export interface LossPoint {
  /** 1-based epoch. */
  readonly epoch: number;
  readonly loss: number;
  /** Validation loss of the same epoch; absent when the data has no validation split. */
  readonly valLoss?: number;
}

/** The clipping picture of the step shown: the global norm before/after, and one layer's part of it. */
export interface LayerClip {
  /** Global L2 norm of all gradients before and after clipping (NaN before the step's clip event). */
  readonly normBefore: number;
  readonly normAfter: number;
  /** Scale applied to every gradient (1 when nothing was clipped). */
  readonly coefficient: number;
  /** The spec's `clip norm` threshold; null without clipping by norm. */
  readonly threshold: number | null;
  /** ‖∂L/∂W‖ of this layer before clipping, and its share ‖g_layer‖² / ‖g‖² of the squared global norm. */
  readonly layerNorm: number;
  readonly share: number;
}

/** The optimizer's state for a layer's weights: e.g. Adam's m̂ and v̂, and the step it applied. */
export interface LayerOptimizer<T = Tensor> {
  /** `sgd`, `momentum`, `rmsprop`, `adam`, `adamw`. */
  readonly kind: string;
  /** Learning rate of the latest update and the optimizer's step count. */
  readonly lr: number;
  readonly t: number;
  /** State tensors, shaped like W (e.g. `m̂`, `v̂`, `effective step = lr·m̂/(√v̂+ε)`); empty before the first update. */
  readonly tensors: readonly T[];
}

/**
 * The δ decomposition of a dense layer, δ = ∂L/∂a ⊙ φ′(z): the size of the gradient arriving from above (Wᵀδ′ of
 * the next layer, or the loss) against the size of φ′(z), so a user sees which factor shrank or blew up δ.
 * Norms are over the batch (Frobenius); values are NaN before the layer's first backward pass.
 */
export interface LayerDecomposition {
  /** Where ∂L/∂a comes from: `the loss` or `Wᵀδ′ from <layer>`. */
  readonly upstreamFrom: string;
  /** ‖∂L/∂a‖. */
  readonly upstreamNorm: number;
  /** The activation, and mean and max of φ′(z) over the batch (1 for identity; the fused softmax/sigmoid output has none). */
  readonly activation: string;
  readonly phiPrimeMean: number;
  readonly phiPrimeMax: number;
  /** ‖δ‖ = ‖∂L/∂a ⊙ φ′(z)‖; ‖δ‖ / ‖∂L/∂a‖ is the factor φ′ applied. */
  readonly deltaNorm: number;
}

/** The steps the runtime can show (its rewind history) and the one shown; 1-based, as the Call Stack counts. */
export interface LayerHistory {
  readonly first: number;
  readonly last: number;
  readonly step: number;
  /** True when `step` is where the debugger is paused (not a scrubbed earlier step). */
  readonly live: boolean;
}

/**
 * What the Layer Inspector shows of one layer, generic in how its tensors travel: `Tensor` from the worker,
 * `EncodedTensor` over DAP JSON.
 */
export interface LayerDetail<T = Tensor> {
  /** The layer's name. */
  readonly layer: string;
  /** E.g. `h1 · dense 2→4 tanh`. */
  readonly title: string;
  /** E.g. `backward h1 · step 3 · epoch 1`. */
  readonly where: string;
  readonly tensors: readonly T[];
  readonly scalars: readonly Scalar[];
  readonly clip: LayerClip | null;
  readonly optimizer: LayerOptimizer<T> | null;
  readonly decomposition: LayerDecomposition | null;
  readonly history: LayerHistory | null;
}

/** One sample of the global gradient norm, before and after clipping. */
export interface GradNormPoint {
  readonly step: number;
  readonly before: number;
  readonly after: number;
}

/** One sample of the loss per optimizer step: the mean loss of its mini-batches. */
export interface StepLossPoint {
  readonly step: number;
  readonly loss: number;
}

/** Optimizer steps in a stretch of a run, and how many of them clipping by norm scaled down (every step counted). */
export interface StepCount {
  readonly steps: number;
  readonly clipped: number;
}
