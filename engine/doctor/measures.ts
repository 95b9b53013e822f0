// Measurements over what the trainer keeps, shared by the doctor's rules and the debugger's exception filters
// (debugger/stopRules.ts), so a filter and a rule of the same name measure the same thing.

import { ACTIVATION_TRAITS, type Activation } from '../nn/activations';
import { nodeOps } from '../nn/layers';
import type { ModelNode } from '../nn/model';
import type { Trainer } from '../runtime/trainer';
import type { DoctorThresholds } from './thresholds';
import { UpdateLog } from './updateLog';

/** True for a node whose activation can die (ReLU): its units' outputs are 0 wherever φ′ is 0. */
export function isDyingLayer(n: { readonly activation?: string }): boolean {
  return ACTIVATION_TRAITS[n.activation as Activation]?.dies === true;
}

/** True for a node with a weight matrix (W of dense, P of a residual projection; not γ of a normalisation). */
export function hasWeightMatrix(n: ModelNode): boolean {
  const names = nodeOps(n.kind).paramNames;
  return n.wSize > 0 && !!names && !names.wIsVector;
}

/** ‖∂L/∂W‖ of every weighted node, in network order: the trainer measured them in its clip pass, before clipping. */
export function layerGradNorms(t: Trainer): { node: number; norm: number }[] {
  return t.model.nodes.flatMap((n, node) => (n.wSize ? [{ node, norm: t.gradNorm[node] }] : []));
}

/** Index of the last node with weights (the output layer the vanishing ratio refers to), or -1. */
export function lastWeightedNode(nodes: readonly ModelNode[]): number {
  let last = nodes.length - 1;
  while (last >= 0 && !nodes[last].wSize) last--;
  return last;
}

/**
 * True if some weighted node's ‖∂L/∂W‖ is below `ratio` × the last weighted node's, or its mean |∂L/∂W| below
 * `floor` (allocates nothing: runs every step).
 */
export function vanishes(t: Trainer, ratio: number, floor: number): boolean {
  const nodes = t.model.nodes,
    norms = t.gradNorm;
  for (let i = 0; i < nodes.length; i++) if (nodes[i].wSize && t.meanAbsGrad[i] < floor) return true;
  const last = lastWeightedNode(nodes);
  const ref = last >= 0 ? norms[last] : 0;
  if (!(ref > 0)) return false;
  for (let i = 0; i < last; i++) if (nodes[i].wSize && norms[i] < ratio * ref) return true;
  return false;
}

/** Fraction of units whose output is 0 for every sample of the batch. */
export function deadFraction(a: ArrayLike<number>, B: number, w: number): number {
  let dead = 0;
  for (let j = 0; j < w; j++) {
    let alive = false;
    for (let r = 0; r < B && !alive; r++) alive = a[r * w + j] !== 0;
    if (!alive) dead++;
  }
  return w ? dead / w : 0;
}

/** Variance of the first n entries of a. */
export function variance(a: ArrayLike<number>, n: number): number {
  let s = 0,
    sq = 0;
  for (let i = 0; i < n; i++) {
    s += a[i];
    sq += a[i] * a[i];
  }
  const mean = n ? s / n : 0;
  return n ? Math.max(0, sq / n - mean * mean) : 0;
}

/** Where each of `nodes` (weight matrices) sits in the parameters, as [start, end) pairs: what measureUpdate walks. */
export function matrixRanges(t: Trainer, nodes: readonly number[]): Int32Array {
  const out = new Int32Array(2 * nodes.length);
  nodes.forEach((i, k) => {
    const n = t.model.nodes[i];
    out[2 * k] = n.wOff;
    out[2 * k + 1] = n.wOff + n.wSize;
  });
  return out;
}

/**
 * What a doctor measures the updates with (DoctorObserver's fields of the same names): when a rule asked
 * (needsUpdates), a copy of the parameters before the update and the log of `capacity` entries the measurements go
 * to, else null; and where the weight matrices sit in the parameters (matrixRanges).
 */
export function updateMeasures(
  t: Trainer,
  asked: boolean,
  capacity: number,
): { previous: Float32Array | null; log: UpdateLog | null; ranges: Int32Array } {
  const matrices = t.model.nodes.flatMap((n, i) => (hasWeightMatrix(n) ? [i] : []));
  return {
    previous: asked ? new Float32Array(t.model.params.length) : null,
    log: asked ? new UpdateLog(capacity, matrices) : null,
    ranges: matrixRanges(t, matrices),
  };
}

/**
 * Copies the entries of `src` within `ranges` (matrixRanges) into `dst`: the weights measureUpdate compares, before
 * a measured update. A short range element by element: TypedArray.prototype.set costs a tiny network's measured step
 * more than its weights; a long one by set, at memcpy's speed.
 */
export function copyRanges(src: Float32Array, dst: Float32Array, ranges: Int32Array): void {
  for (let k = 0; k < ranges.length; k += 2) {
    const start = ranges[k],
      end = ranges[k + 1];
    if (end - start > 64) {
      dst.set(src.subarray(start, end), start);
      continue;
    }
    // Four entries an iteration: V8 checks both arrays once per iteration, not at every entry.
    let i = start;
    for (; i + 4 <= end; i += 4) {
      dst[i] = src[i];
      dst[i + 1] = src[i + 1];
      dst[i + 2] = src[i + 2];
      dst[i + 3] = src[i + 3];
    }
    for (; i < end; i++) dst[i] = src[i];
  }
}

/**
 * One pass over each weight matrix after an update, into the entry after the last of `log` (whose `length` the
 * caller advances; `ranges` from matrixRanges of log.nodes): ‖ΔW‖/‖W before‖ and whether every entry stayed within
 * the unchanged-weights tolerance. Reads only typed arrays: it runs at every measured step, where a walk over the
 * model's nodes cost more than the weights of a tiny network.
 */
export function measureUpdate(
  params: Float32Array,
  before: Float32Array,
  ranges: Int32Array,
  log: UpdateLog,
  th: DoctorThresholds,
): void {
  const rtol = th.unchangedRtol,
    atol = th.unchangedAtol,
    ratio = log.ratio,
    unchanged = log.unchanged,
    o = log.length * log.width;
  for (let k = 0, m = ranges.length >> 1; k < m; k++) {
    let d2 = 0,
      w2 = 0,
      same = 1;
    for (let i = ranges[2 * k], end = ranges[2 * k + 1]; i < end; i++) {
      const b = before[i],
        d = params[i] - b;
      d2 += d * d;
      w2 += b * b;
      // (Once one entry moved past the tolerance, the others need not be tested.)
      if (same === 1 && Math.abs(d) > atol + rtol * Math.abs(b)) same = 0;
    }
    ratio[o + k] = Math.sqrt(d2) / Math.sqrt(w2);
    unchanged[o + k] = same;
  }
}
