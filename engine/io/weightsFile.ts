// Reading the .npz a `weights` line names, for the callers that read files synchronously (the CLI, the training
// worker): the same confinement as CSV data (inside the workspace or the .nnet file's folder, symlinks resolved).

import path from 'node:path';
import { readFileBytes, readInside } from '../data/files';
import type { ReadWeights } from '../language/context';
import { MAX_NPZ_BYTES, readNpz } from './npzRead';

/** Largest weights file read: enough for float64 arrays of the most parameters a network may have (20 million). */
export const MAX_WEIGHTS_FILE_BYTES = MAX_NPZ_BYTES;

/**
 * A `readWeights` for `parseNnet` that reads paths relative to the folder of `nnetFile`, inside `root` (default:
 * that folder), files of at most `maxBytes`, inflating no more than the network's budget. Never throws.
 */
export function nodeReadWeights(
  nnetFile: string,
  root: string = path.dirname(nnetFile),
  maxBytes = MAX_WEIGHTS_FILE_BYTES,
): ReadWeights {
  return (relPath, budget) =>
    readInside(nnetFile, root, relPath, (real) => {
      const r = readFileBytes(real, maxBytes, relPath);
      return 'error' in r ? r : readNpz(r.bytes, { name: `'${relPath}'`, maxBytes: Math.min(budget, MAX_NPZ_BYTES) });
    });
}
