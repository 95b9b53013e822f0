// Display of values and errors: numbers exactly as held, small tensors as values, large ones summarized.

import { describeTensor, formatExact, formatFloat32, toNested } from '../nn/tensor';
import { dtypeOf, isTensor, sizeOf, type ExprError, type Value } from './values';

/** Tensors with at most this many entries are shown as their values rather than as a summary. */
export const SMALL_TENSOR = 8;

/** Options for `formatValue`. */
export interface FormatOptions {
  /** Show strings in double quotes (as a REPL would); default false (as a logpoint would). */
  readonly quoteStrings?: boolean;
}

/**
 * A value for display: numbers exactly as held (`formatExact`), `true`/`false`, strings, small tensors (≤ 8 entries) as nested
 * lists of exact entries (`[[1, 2], [3, 4]]`, float32 entries in their shortest float32 form), larger ones as the
 * summary `Float32[4×2] mean … min … max … ‖·‖ …`.
 */
export function formatValue(v: Value, options: FormatOptions = {}): string {
  if (typeof v === 'number') return formatExact(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return options.quoteStrings ? JSON.stringify(v) : v;
  if (!isTensor(v)) return String(v);
  const n = sizeOf(v.shape);
  if (n > SMALL_TENSOR) return describeTensor(v.shape, v.data.subarray(0, n), dtypeOf(v));
  const entry = v.data instanceof Float64Array ? formatFloat64 : formatFloat32;
  const nested = (x: unknown): string => (Array.isArray(x) ? `[${x.map(nested).join(', ')}]` : entry(x as number));
  return nested(toNested(v.shape, v.data.subarray(0, n)));
}

/** A float64 in its shortest round-trip form, non-finite values by name. */
function formatFloat64(v: number): string {
  return Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? (v > 0 ? 'Inf' : '-Inf') : v === 0 ? '0' : String(v);
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
