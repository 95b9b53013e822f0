// The one protocol between a host (extension host or standalone debug adapter) and the engine worker thread.
// Both sides import this file; every message is tagged by `kind`, and requests that expect a reply carry an `id`.

/** A snapshot of one tensor as shown by the debugger: row-major values with their shape. */
export interface TensorSnapshot {
  /** Display name, e.g. `W.grad`, `δ = ∂L/∂z`. */
  readonly name: string;
  /** Path usable in expressions, e.g. `h1.W.grad`. */
  readonly path: string;
  readonly shape: readonly number[];
  /** Row-major values (a copy; safe to keep). */
  readonly values: Float32Array;
}

/** Where the runtime is: the event that has just completed. */
export interface RuntimeLocation {
  readonly phase: 'forward' | 'loss' | 'backward' | 'clip' | 'update';
  /** Index of the layer for `forward`/`backward`, else -1. */
  readonly layer: number;
  /** Layer name for `forward`/`backward`, else the phase name. */
  readonly layerName: string;
  /** 1-based line in the .nnet file of the layer (or loss/optimizer line); 0 if none. */
  readonly line: number;
  /** Optimizer steps completed before this one (0-based index of the step in progress). */
  readonly step: number;
  /** 0-based epoch. */
  readonly epoch: number;
}

/** Per-layer gradient statistics for the Gradient Flow view. */
export interface LayerGradStats {
  readonly name: string;
  readonly meanAbsGrad: number;
  readonly maxAbsGrad: number;
}

/** One point of the loss curve. */
export interface LossPoint {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
}

/** Live training progress, throttled by the worker to a few per second. */
export interface Progress {
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly loss: number;
  readonly stepsPerSecond: number;
  readonly gradNormBeforeClip: number;
  readonly gradNormAfterClip: number;
  readonly layers: readonly LayerGradStats[];
  /** Loss points since the previous progress message (per epoch mean loss). */
  readonly newLossPoints: readonly LossPoint[];
}

/** A named number shown beside the tensors (loss, gradient norms, clip coefficient). */
export interface Scalar {
  readonly name: string;
  readonly value: number;
}

/** Why the runtime paused. */
export type StopReason = 'entry' | 'breakpoint' | 'step' | 'pause';

// ---------------------------------------------------------------------------------------------------------------
// Host → worker

export type HostToWorker =
  | { kind: 'start'; source: string; fileName: string; debug: boolean; stopOnEntry: boolean; breakpoints: readonly number[] }
  | { kind: 'setBreakpoints'; layers: readonly number[] }
  | { kind: 'continue' }
  | { kind: 'stepEvent' }
  | { kind: 'pause' }
  | { kind: 'stop' };

// ---------------------------------------------------------------------------------------------------------------
// Worker → host

export type WorkerToHost =
  | { kind: 'started'; layerNames: readonly string[]; parameterCount: number; epochs: number }
  | { kind: 'progress'; progress: Progress }
  | { kind: 'stopped'; reason: StopReason; location: RuntimeLocation; progress: Progress; tensors: readonly TensorSnapshot[]; scalars: readonly Scalar[] }
  | { kind: 'finished'; progress: Progress; stopped: boolean; summary: string }
  | { kind: 'error'; message: string; line: number; step: number | null; layerName: string | null };

/** Compile-time exhaustiveness guard for switches over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
