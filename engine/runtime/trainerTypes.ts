// What a Trainer reports and saves: its events, the clip's and gradients' statistics, epoch metrics, a saved state,
// and the error a non-finite number raises. Shared by the engine, the doctor and the debugger.

import type { OptimizerState } from '../nn/optimizers';
import type { Prng } from '../nn/prng';
import type { FloatArray } from '../nn/tensor';

/** The kinds of events in one training step, in order. */
export type Phase = 'forward' | 'loss' | 'backward' | 'clip' | 'update';

/** An event that has just completed (or, from `peek`, is next). */
export interface TrainerEvent {
  readonly phase: Phase;
  /** Node index for forward/backward, else -1. */
  readonly layer: number;
  /** Optimizer step this event belongs to (0-based). */
  readonly step: number;
  readonly epoch: number;
  /** Micro-batch within the step (0-based; always 0 without accumulation). */
  readonly micro: number;
}

/** Mean and max |∂L/∂W| of one node with weights (W of dense layers and projections, γ of batch norm). */
export interface GradStats {
  readonly name: string;
  /** Node index. */
  readonly node: number;
  readonly meanAbsGrad: number;
  readonly maxAbsGrad: number;
}

/** What one clip event saw and did. */
export interface ClipState {
  readonly normBefore: number;
  readonly normAfter: number;
  readonly coefficient: number;
  /** Entries clamped by clip-by-value (0 for clip by norm or none). */
  readonly clippedValues: number;
}

/** Metrics of one completed epoch; accuracies for classification losses only. */
export interface EpochMetrics {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number | null;
  readonly valLoss: number | null;
  readonly valAccuracy: number | null;
}

/** A copy of a trainer's state between two events (see Trainer.saveState). */
export interface TrainerState {
  readonly eventIndex: number;
  readonly pos: number;
  readonly step: number;
  readonly epoch: number;
  readonly batchSize: number;
  readonly loss: number;
  readonly previousLoss: number;
  readonly lr: number;
  readonly baseLr: number;
  readonly clip: ClipState;
  readonly microInEpoch: number;
  readonly microThisStep: number;
  readonly epochLossSum: number;
  readonly epochCorrect: number;
  readonly epochSeen: number;
  readonly stepLossSum: number;
  /** Epochs recorded in the epoch log, and the newest one's metrics (the log may no longer hold it after a long run). */
  readonly epochs: number;
  readonly lastEpoch: EpochMetrics | undefined;
  readonly params: Float32Array;
  /** null at a step start, where the gradients are all zero (halves what a checkpoint copies for plain SGD). */
  readonly grads: Float32Array | null;
  readonly rng: ReturnType<Prng['getState']>;
  readonly trainRows: Int32Array;
  readonly optimizer: OptimizerState;
  /** Per node, the state its kind carries from step to step (batch norm's running statistics), or null. */
  readonly carried: readonly (readonly FloatArray[] | null)[];
  readonly meanAbsGrad: Float64Array;
  readonly maxAbsGrad: Float64Array;
  readonly gradNorm: Float64Array;
}

/** Training stopped by a non-finite number; names where it first appeared. */
export class NonFiniteError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly layer: number,
  ) {
    super(message);
  }
}

/** How a trainer runs (never what it computes: every option gives the same numbers bit for bit). */
export interface TrainerOptions {
  /**
   * Threads for the large dense products: 1, or 2 for a helper thread that takes part of each (denseThreads.ts).
   * Default: 2 where the machine has two or more cores (the helper starts only on the first large product).
   */
  readonly threads?: number;
}
