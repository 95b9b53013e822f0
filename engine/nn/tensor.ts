// Tensor views and their summaries: the shapes and statistics the debugger shows next to every buffer.

import { LANES, laneTree } from './laneSums';
import { laneSumsSimd } from './summarySimd';

/** Float storage used by the engine: Float32 for training, Float64 for gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/** True when `a` lies in a SharedArrayBuffer: another thread (denseThreads.ts's helper) can read and write it. */
export function isShared(a: FloatArray): boolean {
  return typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer;
}

/** Summary statistics of a tensor. */
export interface TensorSummary {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Euclidean (Frobenius) norm. */
  readonly norm: number;
  readonly meanAbs: number;
  readonly maxAbs: number;
  /** Count of NaN or ±Inf entries. */
  readonly nonFinite: number;
}

/** Computes mean, min, max, norm, mean |x|, max |x| and the non-finite count in one pass. */
export function summarize(data: ArrayLike<number>): TensorSummary {
  return (data instanceof Float32Array && summarizeFinite32(data)) || summarizeAny(data);
}

/**
 * The summary of a float32 tensor with no NaN or ±Inf (null when it has one), in the order summarizeAny sums, so
 * the same bits. Its own monomorphic loop without the per-entry finiteness test: a stop of N5 summarizes 1 M
 * weights, which the general loop took 5–25 ms over.
 */
function summarizeFinite32(data: Float32Array): TensorSummary | null {
  const n = data.length;
  const l = new Float64Array(3 * LANES),
    minMax = new Float64Array(2);
  let i = laneSumsSimd(data, l, minMax) || blockSums(data, l, minMax);
  let min = minMax[0],
    max = minMax[1];
  for (; i < n; i++) {
    const v = data[i],
      j = i & 7;
    l[j] += v;
    l[8 + j] += v * v;
    l[16 + j] += Math.abs(v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const sumSq = tree(l, 8);
  // A NaN or ±Inf entry makes the sum of squares NaN or Inf; finite float32 squares cannot overflow a float64 sum.
  if (!Number.isFinite(sumSq)) return null;
  return n
    ? {
        mean: tree(l, 0) / n,
        min,
        max,
        norm: Math.sqrt(sumSq),
        meanAbs: tree(l, 16) / n,
        maxAbs: Math.max(-min, max),
        nonFinite: 0,
      }
    : null;
}

/**
 * summarizeFinite32's sums over the whole blocks of eight (summarySimd.ts's laneSumsSimd, in JavaScript): the lanes
 * into l, min and max into minMax; returns the floats covered.
 */
function blockSums(data: Float32Array, l: Float64Array, minMax: Float64Array): number {
  const n = data.length;
  let min = Infinity,
    max = -Infinity,
    a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    a4 = 0,
    a5 = 0,
    a6 = 0,
    a7 = 0,
    q0 = 0,
    q1 = 0,
    q2 = 0,
    q3 = 0,
    q4 = 0,
    q5 = 0,
    q6 = 0,
    q7 = 0,
    b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0,
    b7 = 0;
  // Whole blocks of eight with the lanes in locals (a: Σ x, q: Σ x², b: Σ|x|), the tail in l.
  let i = 0;
  for (const end = n & ~7; i < end; i += 8) {
    const v0 = data[i + 0];
    a0 += v0;
    q0 += v0 * v0;
    b0 += Math.abs(v0);
    if (v0 < min) min = v0;
    if (v0 > max) max = v0;
    const v1 = data[i + 1];
    a1 += v1;
    q1 += v1 * v1;
    b1 += Math.abs(v1);
    if (v1 < min) min = v1;
    if (v1 > max) max = v1;
    const v2 = data[i + 2];
    a2 += v2;
    q2 += v2 * v2;
    b2 += Math.abs(v2);
    if (v2 < min) min = v2;
    if (v2 > max) max = v2;
    const v3 = data[i + 3];
    a3 += v3;
    q3 += v3 * v3;
    b3 += Math.abs(v3);
    if (v3 < min) min = v3;
    if (v3 > max) max = v3;
    const v4 = data[i + 4];
    a4 += v4;
    q4 += v4 * v4;
    b4 += Math.abs(v4);
    if (v4 < min) min = v4;
    if (v4 > max) max = v4;
    const v5 = data[i + 5];
    a5 += v5;
    q5 += v5 * v5;
    b5 += Math.abs(v5);
    if (v5 < min) min = v5;
    if (v5 > max) max = v5;
    const v6 = data[i + 6];
    a6 += v6;
    q6 += v6 * v6;
    b6 += Math.abs(v6);
    if (v6 < min) min = v6;
    if (v6 > max) max = v6;
    const v7 = data[i + 7];
    a7 += v7;
    q7 += v7 * v7;
    b7 += Math.abs(v7);
    if (v7 < min) min = v7;
    if (v7 > max) max = v7;
  }
  l.set([a0, a1, a2, a3, a4, a5, a6, a7, q0, q1, q2, q3, q4, q5, q6, q7, b0, b1, b2, b3, b4, b5, b6, b7]);
  minMax[0] = min;
  minMax[1] = max;
  return i;
}

/**
 * Sums in laneSums.ts's order (a gradient tensor's ‖·‖ and mean |·| are then its layer's statistics to the bit),
 * over the finite entries: the k-th finite entry goes to lane k mod 8, so a NaN leaves the others' sums as they were.
 */
function summarizeAny(data: ArrayLike<number>): TensorSummary {
  const n = data.length;
  const l = new Float64Array(3 * LANES);
  let min = Infinity,
    max = -Infinity,
    maxAbs = 0,
    nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    const j = (i - nonFinite) & 7;
    l[j] += v;
    l[8 + j] += v * v;
    const a = Math.abs(v);
    l[16 + j] += a;
    if (v < min) min = v;
    if (v > max) max = v;
    if (a > maxAbs) maxAbs = a;
  }
  const finite = n - nonFinite;
  return {
    mean: finite ? tree(l, 0) / finite : NaN,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    norm: Math.sqrt(tree(l, 8)),
    meanAbs: finite ? tree(l, 16) / finite : NaN,
    maxAbs: finite ? maxAbs : NaN,
    nonFinite,
  };
}

/** laneTree of the eight lanes l[at, at + 8). */
function tree(l: Float64Array, at: number): number {
  return laneTree(l[at], l[at + 1], l[at + 2], l[at + 3], l[at + 4], l[at + 5], l[at + 6], l[at + 7]);
}

/** Formats a shape as `4×2`. */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/**
 * A number in a summary (tensor statistics, norms, losses in tables): 4 significant digits, exponent form below
 * 1e-3 and from 1e5. Every summary in the product uses this one, so the same statistic reads the same everywhere.
 */
export function formatSummary(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/**
 * The shortest decimal that reads back as the same float32 (`-0.01233227`, not the `-0.012332265265285969` of its
 * widening to float64); `NaN`, `Inf`, `-Inf` by name. Copying it back into a float32 gives the exact value.
 */
export function formatFloat32(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  const f = Math.fround(v);
  if (f === 0) return '0'; // −0 is noise in a gradient display
  for (let digits = 1; digits < 9; digits++) {
    const s = f.toPrecision(digits);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(Number(f.toPrecision(9)));
}

/**
 * A single value exactly as the engine holds it: a number that is exactly a float32 (every tensor entry) in its
 * shortest float32 form, any other number (a float64 such as a loss or a mean) in its shortest float64 form.
 */
export function formatExact(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  return Math.fround(v) === v ? formatFloat32(v) : String(v);
}

/** One-line description: `Float32[4×2] mean 0.1 min … max … ‖·‖ …`. */
export function describeTensor(shape: readonly number[], data: ArrayLike<number>, dtype = 'Float32'): string {
  const s = summarize(data);
  const nf = s.nonFinite ? ` non-finite ${s.nonFinite}` : '';
  return `${dtype}[${formatShape(shape)}] mean ${formatSummary(s.mean)} min ${formatSummary(s.min)} max ${formatSummary(s.max)} ‖·‖ ${formatSummary(s.norm)}${nf}`;
}

/** Converts a flat row-major buffer to nested arrays of the given shape. */
export function toNested(shape: readonly number[], data: ArrayLike<number>): unknown {
  if (shape.length === 0) return data[0];
  if (shape.length === 1) return Array.from({ length: shape[0] }, (_, i) => data[i]);
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) =>
    toNested(shape.slice(1), Array.prototype.slice.call(data, i * inner, (i + 1) * inner)),
  );
}
