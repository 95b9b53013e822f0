// The values expressions compute (number, boolean, string, tensor), the typed ExprError, and truthiness of conditions.

import type { FloatArray } from '../nn/tensor';

/** A shaped, row-major float tensor. Tensors from the scope may be live views: the evaluator never writes to them. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: FloatArray;
}

/** Anything an expression can produce or a scope can supply. */
export type Value = number | boolean | string | Tensor;

/** Where an expression's names come from; the debugger supplies one per stop (or per condition check). */
export interface ExprScope {
  /** The value of a full dotted path such as `h1.W.grad` or `loss`, or undefined when there is none. */
  lookup(name: string): Value | undefined;
  /** Every path `lookup` knows, used for completions and "did you mean" suggestions. */
  names(): string[];
  /**
   * Optional: a getter for a scalar name that the scope will keep answering live (e.g. `step`), so a compiled
   * expression evaluated many times in this scope skips the lookup; undefined for other names.
   */
  scalarGetter?(name: string): (() => number | boolean | string) | undefined;
}

/** The one error type the expression engine throws: a message and the offending source span (UTF-16 offsets). */
export class ExprError extends Error {
  /** Start offset (inclusive) of the offending text in the expression source. */
  readonly start: number;
  /** End offset (exclusive); equal to `start` for a point such as the end of input. */
  readonly end: number;

  constructor(message: string, start: number, end: number = start) {
    super(message);
    this.name = 'ExprError';
    this.start = start;
    this.end = Math.max(start, end);
  }
}

/**
 * Thrown by a scope for a name that exists but has no value yet at this point of the run (`loss` before the loss
 * event, a later layer's `a` on the forward pass). Breakpoint conditions that meet it are false, not errors.
 */
export class NotComputedError extends ExprError {
  constructor(message: string, start = 0, end = start) {
    super(message, start, end);
    this.name = 'NotComputedError';
  }
}

/** A source span used to place errors. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** True for a tensor value (an object with a shape and float data). */
export function isTensor(v: unknown): v is Tensor {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as Tensor).shape) &&
    ((v as Tensor).data instanceof Float32Array || (v as Tensor).data instanceof Float64Array)
  );
}

/** Number of entries a shape holds. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True if `v` is a well-formed Value (finite-shaped tensor whose data covers its shape). */
export function isValue(v: unknown): v is Value {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return true;
  if (!isTensor(v)) return false;
  return v.shape.every((d) => Number.isInteger(d) && d >= 0) && v.data.length >= sizeOf(v.shape);
}

/** The word used for a value's type in messages: `number`, `boolean`, `string`, `tensor`. */
export function typeName(v: Value): string {
  return isTensor(v) ? 'tensor' : typeof v;
}

/** `Float32` or `Float64`, for tensor descriptions. */
export function dtypeOf(t: Tensor): 'Float32' | 'Float64' {
  return t.data instanceof Float64Array ? 'Float64' : 'Float32';
}

/**
 * Truthiness of a condition: a number is true when ≠ 0 (NaN counts as true, as in Python), a boolean is itself,
 * a string is true when non-empty. A tensor throws an ExprError at `span` (default: offset 0).
 */
export function isTruthy(v: Value, span: Span = { start: 0, end: 0 }): boolean {
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  throw new ExprError('a condition must be a number or boolean, not a tensor; use any()/all()', span.start, span.end);
}
