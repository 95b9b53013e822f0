// Tensor arithmetic for expressions: elementwise maps with numpy broadcasting, and reductions over all or one axis
// (their kernels in kernels.ts).

import { formatShape } from '../nn/tensor';
import type { Kernel } from './kernels';
import type { Loop, LoopWithNumber } from './loops';
import { ExprError, sizeOf, type Span, type Tensor } from './values';

/** Largest tensor an expression may create (entries); bigger results are an error rather than an out-of-memory. */
export const MAX_RESULT_SIZE = 1 << 24;

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Float64 if any tensor operand is Float64, else Float32 (numpy's rule for float32 ⊕ Python scalar). */
export function resultCtor(...xs: Array<Tensor | number>): FloatCtor {
  return xs.some((x) => typeof x !== 'number' && x.data instanceof Float64Array) ? Float64Array : Float32Array;
}

/** Allocates a tensor of `shape`, refusing sizes above MAX_RESULT_SIZE. */
export function allocate(shape: readonly number[], ctor: FloatCtor, span: Span): Tensor {
  const n = sizeOf(shape);
  if (n > MAX_RESULT_SIZE)
    throw new ExprError(`the result would have ${n} entries (the limit is ${MAX_RESULT_SIZE})`, span.start, span.end);
  return { shape: [...shape], data: new ctor(n) };
}

/**
 * Applies `f` to every entry of `t`, giving a new tensor of the same shape and dtype (or `ctor`); by `loop` when
 * given, the same f written out (loops.ts).
 */
export function map1(
  t: Tensor,
  f: (x: number) => number,
  span: Span,
  ctor: FloatCtor = resultCtor(t),
  loop?: Loop,
): Tensor {
  const out = allocate(t.shape, ctor, span);
  const n = out.data.length,
    a = t.data,
    o = out.data;
  if (loop) loop(a, o, n);
  else for (let i = 0; i < n; i++) o[i] = f(a[i]);
  return out;
}

/** `t` ⊕ `b` entrywise by the operator's loop (loops.ts): what map2 gives for a tensor and a number. */
export function mapWithNumber(t: Tensor, b: number, loop: LoopWithNumber, span: Span): Tensor {
  const out = allocate(t.shape, resultCtor(t), span);
  loop(t.data, b, out.data, out.data.length);
  return out;
}

/** numpy broadcasting of two shapes (trailing dimensions aligned; 1 stretches), or an ExprError at `span`. */
export function broadcastShapes(a: readonly number[], b: readonly number[], span: Span): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < r; k++) {
    const x = a[a.length - r + k] ?? 1,
      y = b[b.length - r + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new ExprError(
        `shape mismatch: ${describeShape(a)} and ${describeShape(b)} do not broadcast`,
        span.start,
        span.end,
      );
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** `[4×2]`, or `[]` for a 0-d shape. */
export function describeShape(shape: readonly number[]): string {
  return `[${formatShape(shape)}]`;
}

/** Applies `f` entrywise to a pair where at least one side is a tensor, broadcasting as numpy does. */
export function map2(
  a: Tensor | number,
  b: Tensor | number,
  f: (x: number, y: number) => number,
  span: Span,
  ctor: FloatCtor = resultCtor(a, b),
): Tensor {
  if (typeof a === 'number' && typeof b === 'number')
    throw new ExprError('internal: map2 needs a tensor', span.start, span.end);
  if (typeof b === 'number') return map1(a as Tensor, (x) => f(x, b), span, ctor);
  if (typeof a === 'number') return map1(b, (y) => f(a, y), span, ctor);
  const shape = broadcastShapes(a.shape, b.shape, span);
  const out = allocate(shape, ctor, span);
  const o = out.data,
    n = o.length,
    x = a.data,
    y = b.data;
  if (sizeOf(a.shape) === n && sizeOf(b.shape) === n) {
    for (let i = 0; i < n; i++) o[i] = f(x[i], y[i]);
    return out;
  }
  const sa = broadcastStrides(a.shape, shape),
    sb = broadcastStrides(b.shape, shape);
  const r = shape.length,
    idx = new Array<number>(r).fill(0);
  let ia = 0,
    ib = 0;
  for (let i = 0; i < n; i++) {
    o[i] = f(x[ia], y[ib]);
    for (let k = r - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) {
        ia += sa[k];
        ib += sb[k];
        break;
      }
      idx[k] = 0;
      ia -= sa[k] * (shape[k] - 1);
      ib -= sb[k] * (shape[k] - 1);
    }
  }
  return out;
}

/** Row-major strides of `shape` laid against the broadcast `target` shape (0 where a dimension is stretched). */
function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const out = new Array<number>(target.length).fill(0);
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    const t = target.length - shape.length + k;
    out[t] = shape[k] === 1 ? 0 : stride;
    stride *= shape[k];
  }
  return out;
}

/** Reduces all entries of `t` with `kernel` (a number), or along `axis` (a tensor, or a number for a 1-D input). */
export function reduce(t: Tensor, kernel: Kernel, axis: number | undefined, span: Span): number | Tensor {
  if (axis === undefined) return kernel(t.data, 0, sizeOf(t.shape), 1);
  const r = t.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  if (!Number.isInteger(axis) || ax < 0 || ax >= r) {
    throw new ExprError(
      `axis ${axis} is out of range for a ${r}-D tensor of shape ${describeShape(t.shape)}`,
      span.start,
      span.end,
    );
  }
  const outer = sizeOf(t.shape.slice(0, ax)),
    len = t.shape[ax],
    inner = sizeOf(t.shape.slice(ax + 1));
  const shape = [...t.shape.slice(0, ax), ...t.shape.slice(ax + 1)];
  const out = allocate(shape, resultCtor(t), span);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out.data[o * inner + i] = kernel(t.data, o * len * inner + i, len, inner);
  }
  return shape.length === 0 ? out.data[0] : out;
}
