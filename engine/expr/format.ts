// Display of values and errors: numbers to 6 significant digits, small tensors as values, large ones summarized.

import { describeTensor, toNested } from '../nn/tensor';
import { dtypeOf, isTensor, sizeOf, type ExprError, type Value } from './values';

/** Tensors with at most this many entries are shown as their values rather than as a summary. */
export const SMALL_TENSOR = 8;

/** Options for `formatValue`. */
export interface FormatOptions {
  /** Show strings in double quotes (as a REPL would); default false (as a logpoint would). */
  readonly quoteStrings?: boolean;
}

/** A number to 6 significant digits (`0.693147`, `1.23457e-7`, `1.5e+20`); integers below 10¹⁵ exactly; `NaN`, `Inf`, `-Inf`. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (Math.abs(v) >= 1e15) return v.toExponential(5).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(6)));
}

/**
 * A value for display: numbers via `formatNumber`, `true`/`false`, strings, small tensors (≤ 8 entries) as nested
 * lists (`[[1, 2], [3, 4]]`), larger ones as `Float32[4×2] mean … min … max … ‖·‖ …`.
 */
export function formatValue(v: Value, options: FormatOptions = {}): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return options.quoteStrings ? JSON.stringify(v) : v;
  if (!isTensor(v)) return String(v);
  const n = sizeOf(v.shape);
  if (n > SMALL_TENSOR) return describeTensor(v.shape, v.data.subarray(0, n), dtypeOf(v));
  return nested(toNested(v.shape, v.data.subarray(0, n)));
}

function nested(x: unknown): string {
  return Array.isArray(x) ? `[${x.map(nested).join(', ')}]` : formatNumber(x as number);
}

/**
 * An error with the expression and a caret under the offending span, for the Debug Console:
 * ```
 * expected ')' at 14, found the end of the expression
 *   norm(h1.W.grad
 *                 ^
 * ```
 */
export function formatError(source: string, error: ExprError): string {
  const at = Math.min(Math.max(0, error.start), source.length);
  const lineStart = at === 0 ? 0 : source.lastIndexOf('\n', at - 1) + 1;
  const nl = source.indexOf('\n', lineStart);
  const lineEnd = nl < 0 ? source.length : nl;
  const line = source.slice(lineStart, lineEnd);
  if (line.length > 200) return error.message;
  const from = Math.max(0, Math.min(at, lineEnd) - lineStart);
  const width = Math.max(1, Math.min(error.end, lineEnd) - lineStart - from);
  return `${error.message}\n  ${line}\n  ${' '.repeat(from)}${'^'.repeat(width)}`;
}
