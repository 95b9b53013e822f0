// Pure numerics of the Layer Inspector (no DOM): statistics, histogram bins, the diverging colour scale and the
// display grid that downsamples large tensors while hover keeps exact values.

import { formatNumber } from '../page';

/** Summary statistics over the finite values; `nonFinite` counts the rest. */
export interface TensorStats {
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** L2 norm. */
  readonly norm: number;
  /** Fraction of all values that are exactly zero. */
  readonly fractionZero: number;
  readonly nonFinite: number;
}

/** Stats of a tensor's values; two passes, so the std stays exact when |mean| ≫ std. */
export function tensorStats(values: ArrayLike<number>): TensorStats {
  let n = 0,
    sum = 0,
    sq = 0,
    min = Infinity,
    max = -Infinity,
    zeros = 0,
    bad = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      bad++;
      continue;
    }
    n++;
    sum += v;
    sq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
  }
  const mean = n ? sum / n : NaN;
  // Two-pass variance: the one-pass formula loses everything when |mean| ≫ std.
  let dev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) dev += (v - mean) * (v - mean);
  }
  return {
    count: values.length,
    mean,
    std: n ? Math.sqrt(dev / n) : NaN,
    min: n ? min : NaN,
    max: n ? max : NaN,
    norm: Math.sqrt(sq),
    fractionZero: values.length ? zeros / values.length : NaN,
    nonFinite: bad,
  };
}

/** Equal-width bins over [lo, hi] of the finite values; the last bin includes hi. */
export interface Histogram {
  readonly lo: number;
  readonly hi: number;
  readonly counts: number[];
}

/** `bins` equal-width bins over the finite values' [min, max]; all-NaN tensors get empty bins over [0, 0]. */
export function histogram(
  values: ArrayLike<number>,
  bins: number,
  stats: TensorStats = tensorStats(values),
): Histogram {
  const counts = new Array<number>(Math.max(1, bins)).fill(0);
  if (!Number.isFinite(stats.min)) return { lo: 0, hi: 0, counts };
  let lo = stats.min,
    hi = stats.max;
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const scale = counts.length / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(counts.length - 1, Math.floor((v - lo) * scale))]++;
  }
  return { lo, hi, counts };
}

/** An sRGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/**
 * Diverging scale centred on 0: `neutral` at 0, `negative` at −limit and below, `positive` at +limit and above,
 * linear in between (per channel, in sRGB). NaN and ±∞ get `invalid`.
 */
export function divergingColor(
  v: number,
  limit: number,
  negative: Rgb,
  neutral: Rgb,
  positive: Rgb,
  invalid: Rgb,
): Rgb {
  if (!Number.isFinite(v)) return invalid;
  if (!(limit > 0)) return neutral;
  const t = Math.min(1, Math.abs(v) / limit);
  const end = v < 0 ? negative : positive;
  return [
    Math.round(neutral[0] + (end[0] - neutral[0]) * t),
    Math.round(neutral[1] + (end[1] - neutral[1]) * t),
    Math.round(neutral[2] + (end[2] - neutral[2]) * t),
  ];
}

/** How a tensor is laid out as rows × cols for a heat map: 1-D tensors are one row; higher ranks fold into columns. */
export function matrixShape(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  return { rows: shape[0], cols: shape.slice(1).reduce((a, b) => a * b, 1) };
}

/**
 * Cells of the drawn heat map: at most `maxCells` per side; each cell covers a block of rows × cols and shows the
 * block's value of largest magnitude (so a single exploding entry never averages away). Returns the block sizes.
 */
export function displayGrid(
  rows: number,
  cols: number,
  maxCells: number,
): { rowStep: number; colStep: number; drawRows: number; drawCols: number } {
  const rowStep = Math.max(1, Math.ceil(rows / maxCells));
  const colStep = Math.max(1, Math.ceil(cols / maxCells));
  return { rowStep, colStep, drawRows: Math.ceil(rows / rowStep), drawCols: Math.ceil(cols / colStep) };
}

/** The block's value of largest magnitude (a non-finite value wins, so NaN is never hidden). */
export function blockValue(
  values: ArrayLike<number>,
  cols: number,
  r0: number,
  c0: number,
  rowStep: number,
  colStep: number,
  rows: number,
): number {
  let best = 0,
    bestAbs = -1;
  for (let r = r0; r < Math.min(rows, r0 + rowStep); r++) {
    for (let c = c0; c < Math.min(cols, c0 + colStep); c++) {
      const i = r * cols + c;
      if (i >= values.length) return best;
      const v = values[i];
      if (!Number.isFinite(v)) return v;
      const a = Math.abs(v);
      if (a > bestAbs) {
        bestAbs = a;
        best = v;
      }
    }
  }
  return best;
}

/** The largest finite |value|: the colour scale's limit, so the scale is symmetric about 0. */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (Number.isFinite(a) && a > m) m = a;
  }
  return m;
}

/** Index text for a flat index in a tensor of `shape`, e.g. `[3][2]`. */
export function indexLabel(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return idx.map((i) => `[${i}]`).join('');
}

/** A value for the stats table and hover: 4 significant digits, exponent outside [1e-3, 1e4). */
export function formatStat(v: number): string {
  return formatNumber(v, 3);
}

/** A share in [0, 1] as a percentage for display, e.g. `25%`; NaN/∞ print as such. */
export function formatPercent(share: number): string {
  return Number.isFinite(share) ? `${formatStat(share * 100)}%` : formatStat(share);
}

/** The factor φ′(z) applied to the gradient from above, ‖δ‖ / ‖∂L/∂a‖, and a sentence that names the culprit. */
export function deltaVerdict(
  upstreamNorm: number,
  deltaNorm: number,
  activation: string,
): { factor: number; verdict: string } {
  const factor = deltaNorm / upstreamNorm;
  if (Number.isNaN(upstreamNorm) && Number.isNaN(deltaNorm))
    return { factor, verdict: 'No δ yet: the layer has not run backward.' };
  if (!Number.isFinite(upstreamNorm) || !Number.isFinite(deltaNorm)) {
    return {
      factor,
      verdict: `The gradient is not finite (‖∂L/∂a‖ = ${formatStat(upstreamNorm)}, ‖δ‖ = ${formatStat(deltaNorm)}).`,
    };
  }
  if (upstreamNorm === 0)
    return { factor, verdict: 'No gradient arrives from above (‖∂L/∂a‖ = 0): φ′(z) has nothing to scale.' };
  const x = `×${formatStat(factor)}`;
  // Below ½ the layer loses most of its gradient; stacked, such factors multiply (0.25ⁿ for sigmoids).
  if (factor < 0.5) {
    // A ReLU does not saturate: it shrinks the gradient by switching units off.
    const why = /relu/i.test(activation)
      ? 'most units are inactive (φ′ = 0)'
      : factor < 0.1
        ? 'the activation is saturated'
        : /sigmoid/i.test(activation)
          ? 'sigmoid′(z) ≤ 0.25, so every sigmoid layer the gradient passes through shrinks it at least 4×'
          : 'φ′(z) is well below 1 where the gradient is';
    return { factor, verdict: `φ′(z) shrinks the gradient ${x}: ${why}.` };
  }
  if (factor > 2)
    return {
      factor,
      verdict: `φ′(z) grows the gradient ${x}: the activation's slope exceeds 1 where the gradient is.`,
    };
  return { factor, verdict: `φ′(z) passes the gradient through (${x}): the size of δ comes from above.` };
}

/**
 * Bar lengths in [0, 1] for positive values on one shared log₁₀ axis [lo, hi] (decades); the axis starts a decade
 * below the smallest value so it still gets a visible bar. Zero, negative and non-finite values get no bar.
 */
export function logBars(values: readonly number[]): { lo: number; hi: number; lengths: number[] } {
  const logs = values.map((v) => (Number.isFinite(v) && v > 0 ? Math.log10(v) : NaN));
  const ok = logs.filter((l) => !Number.isNaN(l));
  if (!ok.length) return { lo: 0, hi: 1, lengths: values.map(() => 0) };
  const lo = Math.floor(Math.min(...ok)) - 1;
  const hi = Math.max(lo + 1, Math.ceil(Math.max(...ok)));
  return { lo, hi, lengths: logs.map((l) => (Number.isNaN(l) ? 0 : (l - lo) / (hi - lo))) };
}
