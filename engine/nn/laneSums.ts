// The one summation order of the gradient statistics (per-layer Σ|g|, Σ g², max |g|; the global Σ g² that the
// norm and the clip read), in JavaScript: the twin of gradStatsSimd.ts's kernel and the text fastStep.ts generates.
//
// THE ORDER. Within one tensor x[0, n): element i goes to float64 lane i mod 8; each lane starts at +0 and adds its
// elements in index order (v = |float64(x[i])|: Σ adds v, Σ g² adds v·v, rounded to float64 at every add); the eight
// lanes are then combined by the fixed tree ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). The global Σ g² is
// +0 plus each parameter tensor's Σ g², in buffer order (a layer's W, then its b, then the next layer's; see
// tensorCuts). The maximum compares and keeps v where v > max, so a NaN is skipped, and it does not depend on order.
//
// Why: one running sum in index order is a chain of dependent float64 adds, ~4 cycles a weight; eight lanes are
// independent chains that 128-bit SIMD (four f64x2 accumulators per sum) runs several times faster. Every path (the
// wasm kernel, this twin, the generated step's unrolled small layers, one thread or two, whole step or event by
// event) follows this order, so all give the same bits. A lane never holds −0 (it starts at +0 and adds values
// ≥ +0 or NaN), so an empty lane adds exactly nothing: the generated code may leave empty lanes out of the tree.

import type { FloatArray } from './tensor';

/** Float64 lanes of a tensor's sums: element i goes to lane i mod LANES. */
export const LANES = 8;

/** The lanes' combination: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
export function laneTree(
  l0: number,
  l1: number,
  l2: number,
  l3: number,
  l4: number,
  l5: number,
  l6: number,
  l7: number,
): number {
  return l0 + l4 + (l2 + l6) + (l1 + l5 + (l3 + l7));
}

/**
 * Lane state between the blocks and the tail: [0, 8) the Σ|x| lanes, [8, 16) the Σ x² lanes, [16] the maximum.
 * gradStatsSimd.ts's kernel leaves the same layout after the whole blocks, so both finish with the same code.
 */
export const STATE_LENGTH = 2 * LANES + 1;

/** Where absStats writes: Σ|x|, Σ x², max |x|. */
export const S = 0,
  SQ = 1,
  MX = 2;

const state = new Float64Array(STATE_LENGTH);

/**
 * Σ|x|, Σ x² and max |x| of x[from, from + n) in the order of this file's header, into out[S], out[SQ], out[MX].
 * No allocation.
 */
export function absStats(x: FloatArray, from: number, n: number, out: Float64Array): void {
  const blocks = n >> 3;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0,
    q0 = 0,
    q1 = 0,
    q2 = 0,
    q3 = 0,
    q4 = 0,
    q5 = 0,
    q6 = 0,
    q7 = 0,
    mx = 0,
    v: number;
  for (let i = from, end = from + 8 * blocks; i < end; i += 8) {
    v = Math.abs(x[i]);
    s0 += v;
    q0 += v * v;
    if (v > mx) mx = v;
    v = Math.abs(x[i + 1]);
    s1 += v;
    q1 += v * v;
    if (v > mx) mx = v;
    v = Math.abs(x[i + 2]);
    s2 += v;
    q2 += v * v;
    if (v > mx) mx = v;
    v = Math.abs(x[i + 3]);
    s3 += v;
    q3 += v * v;
    if (v > mx) mx = v;
    v = Math.abs(x[i + 4]);
    s4 += v;
    q4 += v * v;
    if (v > mx) mx = v;
    v = Math.abs(x[i + 5]);
    s5 += v;
    q5 += v * v;
    if (v > mx) mx = v;
    v = Math.abs(x[i + 6]);
    s6 += v;
    q6 += v * v;
    if (v > mx) mx = v;
    v = Math.abs(x[i + 7]);
    s7 += v;
    q7 += v * v;
    if (v > mx) mx = v;
  }
  const st = state;
  st[0] = s0;
  st[1] = s1;
  st[2] = s2;
  st[3] = s3;
  st[4] = s4;
  st[5] = s5;
  st[6] = s6;
  st[7] = s7;
  st[8] = q0;
  st[9] = q1;
  st[10] = q2;
  st[11] = q3;
  st[12] = q4;
  st[13] = q5;
  st[14] = q6;
  st[15] = q7;
  st[16] = mx;
  finishAbsStats(st, x, from + 8 * blocks, n & 7, out);
}

/**
 * The tail of absStats: adds x[from, from + r) (r < 8, the elements after the whole blocks: they go to lanes 0 … r−1)
 * to the lane state `st` (see STATE_LENGTH), combines the lanes by laneTree and writes Σ|x|, Σ x², max |x| into out.
 */
export function finishAbsStats(st: Float64Array, x: FloatArray, from: number, r: number, out: Float64Array): void {
  let mx = st[16];
  for (let j = 0; j < r; j++) {
    const v = Math.abs(x[from + j]);
    st[j] += v;
    st[8 + j] += v * v;
    if (v > mx) mx = v;
  }
  out[S] = laneTree(st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7]);
  out[SQ] = laneTree(st[8], st[9], st[10], st[11], st[12], st[13], st[14], st[15]);
  out[MX] = mx;
}

/** Σ x² of x[from, from + n) in the order of this file's header (the Σ g² lanes of absStats, alone). */
export function sumSquares(x: FloatArray, from: number, n: number): number {
  let q0 = 0,
    q1 = 0,
    q2 = 0,
    q3 = 0,
    q4 = 0,
    q5 = 0,
    q6 = 0,
    q7 = 0,
    v: number;
  const end = from + (n & ~7);
  let i = from;
  for (; i < end; i += 8) {
    v = x[i];
    q0 += v * v;
    v = x[i + 1];
    q1 += v * v;
    v = x[i + 2];
    q2 += v * v;
    v = x[i + 3];
    q3 += v * v;
    v = x[i + 4];
    q4 += v * v;
    v = x[i + 5];
    q5 += v * v;
    v = x[i + 6];
    q6 += v * v;
    v = x[i + 7];
    q7 += v * v;
  }
  const r = n & 7;
  if (r > 0) q0 += x[i] * x[i];
  if (r > 1) q1 += x[i + 1] * x[i + 1];
  if (r > 2) q2 += x[i + 2] * x[i + 2];
  if (r > 3) q3 += x[i + 3] * x[i + 3];
  if (r > 4) q4 += x[i + 4] * x[i + 4];
  if (r > 5) q5 += x[i + 5] * x[i + 5];
  if (r > 6) q6 += x[i + 6] * x[i + 6];
  return laneTree(q0, q1, q2, q3, q4, q5, q6, q7);
}

/**
 * The global Σ g²: +0 plus each tensor's sumSquares, in the order of `cuts` (ascending offsets, cuts[0] = 0 and the
 * last = the buffer's length; tensor t is [cuts[t], cuts[t + 1])). Without cuts the buffer is one tensor.
 */
export function sumSquaresByTensor(g: FloatArray, cuts?: ArrayLike<number>): number {
  if (!cuts) return 0 + sumSquares(g, 0, g.length);
  let total = 0;
  for (let t = 0; t + 1 < cuts.length; t++) total += sumSquares(g, cuts[t], cuts[t + 1] - cuts[t]);
  return total;
}

/** The parameter offsets of one node: its W (or γ) at wOff, wSize entries, its b (or β) from bOff. */
interface ParamNode {
  readonly wOff: number;
  readonly bOff: number;
  readonly wSize: number;
}

const cutsOf = new WeakMap<readonly ParamNode[], Int32Array>();

/**
 * The parameter tensors of a model's gradient buffer of `P` entries, as cuts for sumSquaresByTensor: every weighted
 * node's W (or γ) and b (or β) is a tensor of its own (as PyTorch's parameters), in buffer order, and any entries
 * outside them (none in model.ts's layout) form tensors between. Cached per nodes array.
 */
export function tensorCuts(nodes: readonly ParamNode[], P: number): Int32Array {
  const hit = cutsOf.get(nodes);
  if (hit && hit[hit.length - 1] === P) return hit;
  const at = new Set<number>([0, P]);
  for (const n of nodes)
    if (n.wSize > 0) {
      at.add(n.wOff);
      at.add(n.wOff + n.wSize);
      if (n.bOff >= 0) at.add(n.bOff);
    }
  const cuts = Int32Array.from([...at].filter((c) => c >= 0 && c <= P).sort((a, b) => a - b));
  cutsOf.set(nodes, cuts);
  return cuts;
}
