// The loss and clip events of a training step over the model's buffers: the loss and the gradient the backward pass
// starts from, then the gradients' statistics, global norm and clipping; and the NonFiniteErrors that name where a
// step broke.

import type { ClipSpec } from '../language/spec';
import { clipByValue, clipToNorm } from '../nn/clip';
import { sumSquares, sumSquaresByTensor, tensorCuts } from '../nn/laneSums';
import { lossBackward, lossForward, type Loss } from '../nn/losses';
import type { Model } from '../nn/model';
import { allFinite, measureSegment, scale } from './batchMath';
import { NonFiniteError, type ClipState } from './trainerTypes';

/** Where the step is, for the messages of a NonFiniteError: completed steps and epochs (0-based). */
export interface StepPlace {
  readonly step: number;
  readonly epoch: number;
}

/**
 * The loss event of a micro-batch of `B` samples: the loss of the model's output against `y` [B, K], and, when it is
 * finite, ∂L/∂(output) (or, `fused`, δ of the output node) written where the backward pass reads it, scaled by
 * 1/`micro` when a step accumulates `micro` micro-batches. A non-finite loss is returned with nothing written (see
 * nonFiniteLoss).
 */
export function lossEvent(
  loss: Loss,
  m: Model,
  y: Float32Array,
  B: number,
  K: number,
  fused: boolean,
  micro: number,
): number {
  const L = m.nodes.length,
    out = m.acts[L];
  const value = lossForward(loss, m.logits(), out, y, B, K, fused);
  if (!Number.isFinite(value)) return value;
  // The fused δ goes where the last node's backward reads it (its kind says where).
  const dz = fused ? m.fusedDelta() : null;
  lossBackward(loss, m.dOuts[L - 1], dz, out, y, B, K, fused);
  if (micro > 1) {
    const s = 1 / micro;
    scale(m.dOuts[L - 1], B * K, s);
    if (dz) scale(dz, B * K, s);
  }
  return value;
}

/** The error of a non-finite `loss` of a micro-batch of `B` samples: it names the first node whose output is not finite. */
export function nonFiniteLoss(m: Model, B: number, loss: number, at: StepPlace): NonFiniteError {
  const bad = m.nodes.findIndex((n, i) => !allFinite(m.acts[i + 1], B * n.outWidth));
  const where = bad >= 0 ? ` (first non-finite values in the output of '${m.nodes[bad].name}')` : '';
  return new NonFiniteError(
    `loss is ${loss} at step ${at.step + 1}, epoch ${at.epoch + 1}${where}`,
    at.step,
    bad >= 0 ? bad : m.nodes.length - 1,
  );
}

/** Per weighted node, [nodes]: mean and max |∂L/∂W| and ‖∂L/∂W‖, measured before clipping. */
export interface GradientStatistics {
  readonly meanAbs: Float64Array;
  readonly maxAbs: Float64Array;
  readonly norm: Float64Array;
}

/**
 * The clip event: measures the gradients (`stats`), clips them as `clip` says (none, by global norm, by value) and
 * returns the clip's numbers (a non-finite norm before clipping: see nonFiniteGradients).
 */
export function clipEvent(m: Model, clip: ClipSpec | null, stats: GradientStatistics): ClipState {
  const sumSq = measureGradients(m, stats);
  const g = m.grads;
  if (!clip) {
    // clipByGlobalNorm(g, Infinity, undefined, tensorCuts(…)) to the bit, from the statistics' pass (a second pass
    // cost N5 ~5 % a step).
    const norm = Math.sqrt(sumSq);
    return { normBefore: norm, normAfter: norm, coefficient: 1, clippedValues: 0 };
  }
  if (clip.kind === 'value') {
    const norm = Math.sqrt(sumSq);
    const r = clipByValue(g, clip.max);
    return {
      normBefore: norm,
      normAfter: Math.sqrt(sumSquaresByTensor(g, tensorCuts(m.nodes, g.length))),
      coefficient: 1,
      clippedValues: r.clipped,
    };
  }
  const r = clipToNorm(g, clip.max, sumSq);
  return { normBefore: r.normBefore, normAfter: r.normAfter, coefficient: r.coefficient, clippedValues: 0 };
}

/** The error of a non-finite gradient `norm`: it names the first layer whose gradients are not finite. */
export function nonFiniteGradients(m: Model, norm: number, at: StepPlace): NonFiniteError {
  const g = m.grads,
    bad = m.nodes.findIndex((n) => n.wSize > 0 && !allFinite(g.subarray(n.wOff, n.wOff + n.wSize), n.wSize));
  const name = m.nodes[Math.max(bad, 0)].name;
  return new NonFiniteError(
    `gradient norm is ${norm} at step ${at.step + 1}, epoch ${at.epoch + 1}: layer '${name}' has non-finite gradients`,
    at.step,
    Math.max(bad, 0),
  );
}

let squares = new Float64Array(0);

/**
 * Records per-node gradient statistics and returns Σ g² over all gradients: +0 plus each parameter tensor's Σ g² in
 * buffer order (laneSums.ts), a weight matrix's taken from its statistics' pass, as the generated step sums it.
 */
function measureGradients(m: Model, stats: GradientStatistics): number {
  const g = m.grads,
    nodes = m.nodes,
    cuts = tensorCuts(nodes, g.length);
  if (squares.length < nodes.length) squares = new Float64Array(nodes.length);
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k];
    if (n.wSize) squares[k] = measureSegment(g, n.wOff, n.wSize, k, stats.meanAbs, stats.maxAbs, stats.norm);
  }
  // The tensors in buffer order: a node's W where the next weighted node's lies, else a sum of its own.
  let total = 0,
    k = 0;
  for (let t = 0; t + 1 < cuts.length; t++) {
    const from = cuts[t],
      n = cuts[t + 1] - from;
    while (k < nodes.length && !(nodes[k].wSize && nodes[k].wOff >= from)) k++;
    const w = k < nodes.length && nodes[k].wOff === from && nodes[k].wSize === n;
    total += w ? squares[k++] : sumSquares(g, from, n);
  }
  return total;
}
