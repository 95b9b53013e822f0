// Number handling for the log-scale charts: decade bounds and ticks, clamping of zero/negative/NaN, labels.

import { formatNumber } from '../page';

/** Nothing below this is drawn as a distinct magnitude: gradients this small have vanished for any purpose. */
export const LOG_FLOOR = 1e-12;

/** 10^e exactly as the decimal literal reads (Math.pow(10, -4) is 0.00009999999999999999). */
function pow10(e: number): number {
  return Number(`1e${e}`);
}

/** Axis limits in whole powers of ten, so every decade gridline sits at a labelled tick. */
export interface LogBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * Bounds covering the finite positive values. The minimum sits at least a decade below the smallest value so
 * that value still draws a visible bar; zeros, negatives and values under the floor are drawn at the minimum.
 */
export function logBounds(values: Iterable<number>): LogBounds {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v) && v > 0) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return { min: 1e-3, max: 1 };
  const floorExp = Math.round(Math.log10(LOG_FLOOR));
  let eLo = Math.floor(Math.log10(Math.max(lo, LOG_FLOOR)));
  if (pow10(eLo) >= lo * (1 - 1e-9)) eLo -= 1;
  eLo = Math.max(eLo, floorExp);
  let eHi = Math.ceil(Math.log10(hi) - 1e-9);
  if (eHi <= eLo) eHi = eLo + 1;
  return { min: pow10(eLo), max: pow10(eHi) };
}

/** The value to draw on a log axis: non-finite values are gaps (null); the rest are clamped to the axis minimum. */
export function logDisplayValue(v: number, min: number): number | null {
  if (!Number.isFinite(v)) return null;
  return v > min ? v : min;
}

/**
 * Log-axis ticks from `min` to `max` (both powers of ten). Over one or two decades, 1-2-5 steps, since decades alone
 * would leave two labels; over more, powers of ten thinned to at most `maxLabels` so a short chart stays readable.
 */
export function logTicks(min: number, max: number, maxLabels: number): { value: number }[] {
  const lo = Math.round(Math.log10(min));
  const hi = Math.round(Math.log10(max));
  const ticks: { value: number }[] = [];
  if (hi - lo <= 2 && 3 * (hi - lo) + 1 <= maxLabels) {
    for (let e = lo; e < hi; e++) for (const m of [1, 2, 5]) ticks.push({ value: Number(`${m}e${e}`) });
    ticks.push({ value: pow10(hi) });
    return ticks;
  }
  const step = Math.max(1, Math.ceil((hi - lo) / Math.max(1, maxLabels - 1)));
  // Counting down from the top keeps the largest magnitudes, which matter most for exploding gradients, labelled.
  for (let e = hi; e >= lo; e -= step) ticks.unshift({ value: pow10(e) });
  return ticks;
}

/** A log-axis tick as a short label: 0.01 … 5000 in full, else `1e-6`, `5e-6`. */
export function formatLogTick(value: number): string {
  const e = Math.floor(Math.log10(value) + 1e-9);
  const m = Math.round(value / pow10(e));
  if (e >= -2 && e <= 3) return String(Number(`${m}e${e}`));
  return `${m}e${e}`;
}

/** A gradient or loss value for tooltips and tables: exact enough to compare, short enough for a sidebar. */
export function formatValue(v: number): string {
  return formatNumber(v, 2);
}
