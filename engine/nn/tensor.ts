// Tensor views and their summaries: the shapes and statistics the debugger shows next to every buffer.

/** Float storage used by the engine: Float32 for training, Float64 for gradient checks. */
export type FloatArray = Float32Array | Float64Array;

/** A named, shaped view onto a float buffer (row-major). */
export interface TensorView {
  readonly shape: readonly number[];
  readonly data: FloatArray;
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
  const n = data.length;
  let sum = 0, sumSq = 0, sumAbs = 0, min = Infinity, max = -Infinity, maxAbs = 0, nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    sum += v;
    sumSq += v * v;
    const a = Math.abs(v);
    sumAbs += a;
    if (v < min) min = v;
    if (v > max) max = v;
    if (a > maxAbs) maxAbs = a;
  }
  const finite = n - nonFinite;
  return {
    mean: finite ? sum / finite : NaN,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    norm: Math.sqrt(sumSq),
    meanAbs: finite ? sumAbs / finite : NaN,
    maxAbs: finite ? maxAbs : NaN,
    nonFinite,
  };
}

/** Formats a shape as `4×2`. */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** Formats a number compactly for summaries (4 significant digits). */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** One-line description: `Float32[4×2] mean 0.1 min … max … ‖·‖ …`. */
export function describeTensor(shape: readonly number[], data: ArrayLike<number>, dtype = 'Float32'): string {
  const s = summarize(data);
  const nf = s.nonFinite ? ` non-finite ${s.nonFinite}` : '';
  return `${dtype}[${formatShape(shape)}] mean ${formatNumber(s.mean)} min ${formatNumber(s.min)} max ${formatNumber(s.max)} ‖·‖ ${formatNumber(s.norm)}${nf}`;
}

/** Converts a flat row-major buffer to nested arrays of the given shape. */
export function toNested(shape: readonly number[], data: ArrayLike<number>): unknown {
  if (shape.length === 0) return data[0];
  if (shape.length === 1) return Array.from({ length: shape[0] }, (_, i) => data[i]);
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) =>
    toNested(shape.slice(1), Array.prototype.slice.call(data, i * inner, (i + 1) * inner)));
}
