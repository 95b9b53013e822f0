// Gradient check on demand: analytic gradients against central differences in float64, per weighted layer, for a
// network at given parameters and batch (dropout masks held fixed). Used by tests and available to the debugger.

import type { NetworkSpec } from '../language/spec';
import { lossBackward, lossForward } from '../nn/losses';
import { nodeOps } from '../nn/layers';
import { Model } from '../nn/model';
import { Prng } from '../nn/prng';
import type { Trainer } from './trainer';

/** Below this, |analytic| + |numeric| is taken as this: relative errors of near-zero gradients stay meaningful. */
export const REL_FLOOR = 1e-3;

/** The result for one node with parameters. */
export interface LayerCheck {
  readonly name: string;
  readonly node: number;
  /**
   * Largest |analytic − numeric| / max(|analytic| + |numeric|, 1e-3) over the checked entries. The floor keeps
   * gradients that are (close to) zero — a bias before batch norm, say — from turning float64 round-off of the
   * differences (~1e-10) into a large ratio: below it the measure is an absolute error scaled by 1e3.
   */
  readonly maxRelError: number;
  /** Largest |analytic − numeric|. */
  readonly maxAbsError: number;
  readonly checked: number;
}

/** What to check: parameters, one batch, and dropout masks by node index (all entries kept if absent). */
export interface CheckInput {
  readonly spec: NetworkSpec;
  readonly params: ArrayLike<number>;
  /** [B, inputs] */
  readonly x: ArrayLike<number>;
  /** [B, outputs] */
  readonly y: ArrayLike<number>;
  readonly batch: number;
  readonly masks?: ReadonlyMap<number, ArrayLike<number>>;
}

/**
 * Compares analytic and central-difference gradients of every parameter (or `maxPerNode` evenly spaced ones per
 * node) with step h, everything in float64.
 */
export function gradientCheck(input: CheckInput, opts: { maxPerNode?: number; h?: number } = {}): LayerCheck[] {
  const { spec, batch: B } = input;
  const h = opts.h ?? 1e-6,
    maxPerNode = opts.maxPerNode ?? Infinity;
  const m = new Model(spec.inputSize, spec.layers, B, Float64Array);
  const L = m.nodes.length,
    K = m.nodes[L - 1].outWidth;
  const fused = m.fusesWith(spec.loss);
  m.params.set(Array.from(input.params));
  m.acts[0].set(Array.from(input.x));
  const y = Float64Array.from(input.y);
  // What training drew at random (dropout's mask) is held fixed: every entry kept unless given.
  m.nodes.forEach((n, i) => {
    if (nodeOps(n.kind).draws) m.zs[i].set(Array.from(input.masks?.get(i) ?? new Float64Array(B * n.outWidth).fill(1)));
  });
  const rng = new Prng(0); // unused in replay mode: masks stay as set above

  const loss = (): number => {
    for (let i = 0; i < L; i++) m.forwardNode(i, B, 'replay', rng);
    return lossForward(spec.loss, m.logits(), m.acts[L], y, B, K, fused);
  };
  loss();
  m.grads.fill(0);
  const dz = fused ? m.fusedDelta() : null;
  lossBackward(spec.loss, m.dOuts[L - 1], dz, m.acts[L], y, B, K, fused);
  for (let i = L - 1; i >= 0; i--) m.backwardNode(i, B, fused);
  const analytic = Float64Array.from(m.grads);

  return m.nodes.flatMap((n, node) => {
    if (!n.wSize) return [];
    const size = n.bOff + n.outWidth - n.wOff; // W and b (γ and β) are adjacent; b has one entry per output
    const count = Math.min(size, maxPerNode);
    let maxRel = 0,
      maxAbs = 0;
    for (let k = 0; k < count; k++) {
      const p = n.wOff + Math.floor((k * size) / count);
      const old = m.params[p];
      m.params[p] = old + h;
      const up = loss();
      m.params[p] = old - h;
      const down = loss();
      m.params[p] = old;
      const numeric = (up - down) / (2 * h),
        a = analytic[p];
      const abs = Math.abs(a - numeric);
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, abs / Math.max(Math.abs(a) + Math.abs(numeric), REL_FLOOR));
    }
    return [
      {
        name: nodeOps(n.kind).paramsLabel?.(n) ?? n.name,
        node,
        maxRelError: maxRel,
        maxAbsError: maxAbs,
        checked: count,
      },
    ];
  });
}

/**
 * A trainer's current parameters and micro-batch (after that batch's forward pass) as a check input, with dropout's
 * masks as drawn. Views of the trainer's buffers: the checks copy what they change.
 */
export function trainerCheckInput(t: Trainer): CheckInput {
  const B = t.batchSize,
    m = t.model;
  const masks = new Map<number, ArrayLike<number>>();
  m.nodes.forEach((n, i) => {
    if (nodeOps(n.kind).draws) masks.set(i, m.zs[i].subarray(0, B * n.outWidth));
  });
  return {
    spec: t.spec,
    params: m.params,
    x: m.acts[0].subarray(0, B * t.spec.inputSize),
    y: t.yBatch.subarray(0, B * t.outputs),
    batch: B,
    masks,
  };
}

/** Gradient check of a trainer at its current parameters and micro-batch (after that batch's forward pass). */
export function checkTrainer(t: Trainer, opts: { maxPerNode?: number; h?: number } = {}): LayerCheck[] {
  return gradientCheck(trainerCheckInput(t), opts);
}
