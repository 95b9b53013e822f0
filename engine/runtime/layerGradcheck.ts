// Gradient check of one layer where the debugger is paused: its analytic W, b and δ, recomputed in float64 by the
// same node code on a copy of the network, against central differences on the current batch. The trainer is read,
// never written, so the paused run continues with exactly the numbers it had.

import { activationForward } from '../nn/activations';
import { fusedActivation, lossBackward, lossForward } from '../nn/losses';
import { nodeOps } from '../nn/layers';
import { Model } from '../nn/model';
import { Prng } from '../nn/prng';
import { REL_FLOOR, trainerCheckInput, type CheckInput } from './gradcheck';
import type { Trainer } from './trainer';

/** Worst relative error at or below which a tensor's gradient is called right (float64 differences). */
export const GRADCHECK_TOLERANCE = 1e-6;
/** Entries checked per tensor at most (evenly spaced); each costs four forward passes from the layer on. */
export const GRADCHECK_MAX_ENTRIES = 64;
/**
 * Multiply-adds the finite differences may spend (~1–2 s of float64 JavaScript): a layer deep in a large network
 * checks fewer entries (at least 2 per tensor), so the paused worker answers in seconds, not minutes.
 */
export const GRADCHECK_WORK = 2e9;

/** How many times an entry above RETRY_ABOVE is measured again with the step halved. */
const SMALLER_STEPS = 2;
/** Relative error above which an entry is measured again: a tenth of the tolerance, so no verdict rests on h alone. */
const RETRY_ABOVE = GRADCHECK_TOLERANCE / 10;

/** ∂loss/∂entry k by the five-point central difference: error O(h⁴), so h can stay large enough that the loss's
 * round-off, which grows with depth, does not swamp it (the two-point form at 1e-6 errs by ~4e-6 on residual.nnet). */
function fivePoint(perturb: (k: number, by: number) => number, k: number, h: number): number {
  return (8 * (perturb(k, h) - perturb(k, -h)) - (perturb(k, 2 * h) - perturb(k, -2 * h))) / (12 * h);
}

/** Which gradient of the layer a result is about. */
export type CheckedTensor = 'gradW' | 'gradb' | 'delta';

/** The check of one tensor of the layer. */
export interface TensorCheck {
  readonly key: CheckedTensor;
  /** Display name, e.g. `W.grad`, `δ = ∂L/∂z`. */
  readonly label: string;
  /** Expression path of the analytic tensor, e.g. `h1.W.grad`. */
  readonly path: string;
  /** Largest |analytic − numeric| / max(|analytic| + |numeric|, 1e-3), as in gradcheck.ts. */
  readonly maxRelError: number;
  readonly maxAbsError: number;
  /** Flat index of the entry with the largest relative error. */
  readonly worst: number;
  readonly analytic: number;
  readonly numeric: number;
  readonly checked: number;
  /** Entries left out because moving them moved a ReLU input across 0 (a kink: no derivative to compare with). */
  readonly skipped: number;
  readonly total: number;
  /** maxRelError ≤ GRADCHECK_TOLERANCE. */
  readonly ok: boolean;
}

/** Options: entries per tensor and the finite-difference step. */
export interface LayerCheckOptions {
  readonly maxEntries?: number;
  /** Multiply-adds all finite differences together may cost (default GRADCHECK_WORK). */
  readonly maxWork?: number;
  readonly h?: number;
}

/**
 * Checks node `node`'s parameter gradients (W and b, or γ and β, or a projection's P and c) and its δ (∂L/∂z of a
 * dense node, else ∂L/∂ of its output) against float64 five-point central differences of the loss on the given batch
 * (step h, default 1e-4; an entry that disagrees is measured again at h/2 and h/4).
 */
export function checkLayer(input: CheckInput, node: number, opts: LayerCheckOptions = {}): TensorCheck[] {
  const { spec, batch: B } = input;
  const h = opts.h ?? 1e-4;
  const m = new Model(spec.inputSize, spec.layers, B, Float64Array);
  const L = m.nodes.length,
    K = m.nodes[L - 1].outWidth,
    last = m.nodes[L - 1],
    n = m.nodes[node];
  if (!n) throw new RangeError(`no node ${node}`);
  const fusedAct = fusedActivation(spec.loss);
  const fused =
    fusedAct !== null && last.activation === fusedAct && (last.kind === 'dense' || last.kind === 'activation');
  m.params.set(Array.from(input.params));
  m.acts[0].set(Array.from(input.x));
  const y = Float64Array.from(input.y);
  m.nodes.forEach((d, i) => {
    if (nodeOps(d.kind).draws) m.zs[i].set(Array.from(input.masks?.get(i) ?? new Float64Array(B * d.outWidth).fill(1)));
  });
  const rng = new Prng(0); // replay mode draws nothing: dropout masks stay as set above
  // ReLU inputs (a dense node's z, an activation node's input): a difference that moves one across 0 measures the
  // kink, not the derivative, so such entries are skipped rather than reported as wrong.
  const kinks = m.nodes.flatMap((d, i) =>
    d.activation === 'relu' || d.activation === 'leaky_relu' ? [d.kind === 'dense' ? m.zs[i] : m.acts[i]] : [],
  );
  const pattern = (): number => {
    let hash = 0;
    for (const z of kinks)
      for (let k = 0, n = z.length; k < n; k++) hash = (Math.imul(hash, 31) + (z[k] > 0 ? 1 : 2)) | 0;
    return hash;
  };
  let crossed = false;
  const lossFrom = (first: number): number => {
    for (let i = first; i < L; i++) m.forwardNode(i, B, 'replay', rng);
    if (kinks.length && pattern() !== base) crossed = true;
    return lossForward(spec.loss, m.logits(), m.acts[L], y, B, K, fused);
  };
  let base = 0;
  lossFrom(0);
  base = pattern();
  m.grads.fill(0);
  const dz = !fused ? null : last.kind === 'dense' ? m.deltas[L - 1] : (m.dOuts[L - 2] ?? null);
  lossBackward(spec.loss, m.dOuts[L - 1], dz, m.acts[L], y, B, K, fused);
  for (let i = L - 1; i >= 0; i--) m.backwardNode(i, B, fused);

  // What one forward pass from this node on costs, roughly: a multiply-add per weight per sample, plus the outputs.
  let work = 0;
  for (let i = node; i < L; i++) work += B * (m.nodes[i].wSize + m.nodes[i].outWidth);
  const tensors = n.wSize ? 3 : 1;
  const maxEntries = Math.min(
    opts.maxEntries ?? GRADCHECK_MAX_ENTRIES,
    Math.max(2, Math.floor((opts.maxWork ?? GRADCHECK_WORK) / (4 * tensors * Math.max(work, 1)))),
  );
  const ops = nodeOps(n.kind),
    dense = n.kind === 'dense';
  const name = n.name;
  const out: TensorCheck[] = [];
  const check = (
    key: CheckedTensor,
    label: string,
    path: string,
    analytic: ArrayLike<number>,
    total: number,
    /** The loss with entry k moved by `by` (the entry is put back before it returns). */
    perturb: (k: number, by: number) => number,
  ): void => {
    const count = Math.min(total, maxEntries);
    let maxRel = 0,
      skipped = 0,
      maxAbs = 0,
      worst = 0,
      wa = 0,
      wn = 0;
    for (let c = 0; c < count; c++) {
      const k = Math.floor((c * total) / count);
      crossed = false;
      const a = analytic[k],
        relTo = (n: number) => Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), REL_FLOOR);
      let numeric = fivePoint(perturb, k, h);
      if (crossed) {
        skipped++;
        continue;
      }
      let rel = relTo(numeric);
      // The difference's error shrinks as h⁴; a wrong gradient's does not. So an entry that does not agree well
      // within the tolerance is measured again at h/2 and h/4 and keeps its best agreement: batch norm over a batch
      // whose unit barely varies has large higher derivatives (deep-sigmoid-batchnorm.nnet's h_1 δ errs by 2e-5 at
      // h = 1e-4, by 8e-8 at h/4).
      for (let r = 1; r <= SMALLER_STEPS && rel > RETRY_ABOVE; r++) {
        const again = fivePoint(perturb, k, h / 2 ** r);
        if (crossed) break;
        if (relTo(again) < rel) [numeric, rel] = [again, relTo(again)];
      }
      const abs = Math.abs(a - numeric);
      maxAbs = Math.max(maxAbs, abs);
      if (rel > maxRel || c === skipped) [maxRel, worst, wa, wn] = [rel, k, a, numeric];
    }
    out.push({
      key,
      label,
      path,
      maxRelError: maxRel,
      maxAbsError: maxAbs,
      worst,
      analytic: wa,
      numeric: wn,
      checked: count - skipped,
      skipped,
      total,
      ok: maxRel <= GRADCHECK_TOLERANCE,
    });
  };

  if (n.wSize) {
    const analytic = Float64Array.from(m.grads);
    const [wLabel, wPath] = ops.paramNames?.w ?? ['W', 'W'],
      [bLabel, bPath] = ops.paramNames?.b ?? ['b', 'b'];
    // Parameters of this node change only its output and what follows: the forward pass restarts at the node.
    const param = (off: number) => (k: number, by: number) => {
      const p = off + k,
        old = m.params[p];
      m.params[p] = old + by;
      const l = lossFrom(node);
      m.params[p] = old;
      return l;
    };
    check('gradW', `${wLabel}.grad`, `${name}.${wPath}.grad`, analytic.subarray(n.wOff), n.wSize, param(n.wOff));
    check('gradb', `${bLabel}.grad`, `${name}.${bPath}.grad`, analytic.subarray(n.bOff), n.outWidth, param(n.bOff));
  }

  // δ: a dense node's ∂L/∂z (z moved, a = φ(z) recomputed, the layers above run again), or ∂L/∂(output) of any
  // other node. A fused final activation node's output is not what the loss reads (it reads the logits): skipped.
  const finalActivation = fused && node === L - 1 && n.kind === 'activation';
  if (!finalActivation) {
    lossFrom(node); // the buffers from here on still hold the last parameter perturbation's pass
    const size = B * n.outWidth;
    const buf = dense ? m.zs[node] : m.acts[node + 1];
    const analytic = Float64Array.from((dense ? m.deltas[node] : m.dOuts[node]).subarray(0, size));
    const saved = Float64Array.from(buf.subarray(0, size));
    const moveDelta = (k: number, by: number): number => {
      buf[k] = saved[k] + by;
      if (dense) activationForward(n.activation, m.acts[node + 1], m.zs[node], B, n.outWidth, n.slope);
      const l = lossFrom(node + 1);
      buf[k] = saved[k];
      return l;
    };
    check('delta', dense ? 'δ = ∂L/∂z' : '∂L/∂a', dense ? `${name}.delta` : `${name}.dA`, analytic, size, moveDelta);
  }
  return out;
}

/**
 * checkLayer on a trainer's current parameters and micro-batch, with dropout's masks as drawn. Reads the trainer
 * only: its buffers are copied into a float64 model of its own.
 */
export function checkTrainerLayer(t: Trainer, node: number, opts: LayerCheckOptions = {}): TensorCheck[] {
  return checkLayer(trainerCheckInput(t), node, opts);
}

/** One line per tensor: `h1.W.grad  max rel error 3.1e-11 (16 of 16 entries)  ok`. */
export function formatLayerCheck(layer: string, checks: readonly TensorCheck[], step: number): string {
  if (!checks.length) return `Gradient check of ${layer} at step ${step}: nothing to check (no parameters, no δ)`;
  const width = Math.max(...checks.map((c) => c.path.length));
  const lines = checks.map((c) => {
    const verdict = c.ok
      ? 'ok'
      : `WRONG (entry ${c.worst}: analytic ${c.analytic.toPrecision(6)}, numeric ${c.numeric.toPrecision(6)})`;
    const skipped = c.skipped ? `, ${c.skipped} at a ReLU kink skipped` : '';
    return `  ${c.path.padEnd(width)}  max rel error ${c.maxRelError.toExponential(1)}  (${c.checked} of ${c.total} entries${skipped})  ${verdict}`;
  });
  const bad = checks.filter((c) => !c.ok).length;
  const summary = bad
    ? `${bad} of ${checks.length} gradients disagree with finite differences (tolerance ${GRADCHECK_TOLERANCE})`
    : `all ${checks.length} gradients agree with finite differences (tolerance ${GRADCHECK_TOLERANCE})`;
  return [
    `Gradient check of ${layer} at step ${step} (float64 central differences, current batch): ${summary}`,
    ...lines,
  ].join('\n');
}
