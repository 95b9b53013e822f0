// How much a .nnet file may ask for: sizes, depth, memory. Its own module so the layer kinds can read it without
// importing spec.ts (which imports them).

/** Limits that keep a file from asking for more than this engine should attempt. */
export const LIMITS = {
  maxUnits: 8192,
  maxLayers: 1024,
  maxRepeat: 256,
  /** How deep `residual` / `repeat` blocks may nest; every walk of the layer tree relies on it. */
  maxNesting: 32,
  maxParameters: 20_000_000,
  maxSamples: 100_000,
  maxEpochs: 10_000_000,
  /** Largest .nnet file read, in bytes. */
  maxSourceBytes: 16 * 1024 * 1024,
  /** Default memory budget for parameters, gradients, optimizer state and activation buffers, in bytes (2 GiB). */
  memoryBudget: 2 * 1024 * 1024 * 1024,
} as const;
