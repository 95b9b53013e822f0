// numpy-like indexing of tensors: integer indices (negative from the end), start:stop:step slices, and boolean masks.

import { allocate, describeShape, resultCtor } from './ops';
import { ExprError, sizeOf, type Span, type Tensor, type Value } from './values';

/** One evaluated index: an integer, or a slice whose missing bounds are undefined. */
export type IndexSpec =
  | { readonly kind: 'index'; readonly index: number; readonly span: Span }
  | {
      readonly kind: 'slice';
      readonly lower?: number;
      readonly upper?: number;
      readonly step?: number;
      readonly span: Span;
    };

/** The entries one dimension selects: `count` positions from `first`, `step` apart; `keep` is false for an integer index. */
interface AxisPick {
  first: number;
  step: number;
  count: number;
  keep: boolean;
}

/**
 * Indexes `t` with one spec per leading dimension (missing trailing ones are whole). Integer indices drop their
 * dimension; an all-integer index gives a number. Contiguous selections are views (no copy), others are gathered.
 */
export function indexTensor(t: Tensor, specs: readonly IndexSpec[], span: Span): Value {
  const r = t.shape.length;
  if (specs.length > r) {
    const extra = specs[r].span;
    throw new ExprError(
      `too many indices: the tensor is ${r}-D (shape ${describeShape(t.shape)}) but ${specs.length} were given`,
      extra.start,
      extra.end,
    );
  }
  const picks: AxisPick[] = t.shape.map((dim, k) =>
    k < specs.length ? pick(specs[k], dim, k) : { first: 0, step: 1, count: dim, keep: true },
  );
  const strides = rowMajorStrides(t.shape);
  let base = 0;
  for (let k = 0; k < r; k++) base += picks[k].first * strides[k];
  const shape = picks.filter((p) => p.keep).map((p) => p.count);
  if (shape.length === 0) return t.data[base];
  const n = sizeOf(shape);
  if (isContiguous(picks, t.shape)) return { shape, data: t.data.subarray(base, base + n) };
  const out = allocate(shape, resultCtor(t), span);
  const idx = new Array<number>(r).fill(0);
  let src = base;
  for (let i = 0; i < n; i++) {
    out.data[i] = t.data[src];
    for (let k = r - 1; k >= 0; k--) {
      const p = picks[k];
      if (++idx[k] < p.count) {
        src += p.step * strides[k];
        break;
      }
      idx[k] = 0;
      src -= p.step * strides[k] * (p.count - 1);
    }
  }
  return out;
}

/** The entries of `t` where `mask` (same shape) is nonzero, as a 1-D tensor. */
export function maskTensor(t: Tensor, mask: Tensor, span: Span): Tensor {
  if (mask.shape.length !== t.shape.length || mask.shape.some((d, k) => d !== t.shape[k])) {
    throw new ExprError(
      `a mask must have the shape of the tensor it indexes: ${describeShape(mask.shape)} versus ${describeShape(t.shape)}`,
      span.start,
      span.end,
    );
  }
  const n = sizeOf(t.shape);
  let count = 0;
  for (let i = 0; i < n; i++) if (mask.data[i] !== 0) count++;
  const out = allocate([count], resultCtor(t), span);
  for (let i = 0, j = 0; i < n; i++) if (mask.data[i] !== 0) out.data[j++] = t.data[i];
  return out;
}

function pick(spec: IndexSpec, dim: number, axis: number): AxisPick {
  const { start, end } = spec.span;
  if (spec.kind === 'index') {
    const i = spec.index < 0 ? spec.index + dim : spec.index;
    if (i < 0 || i >= dim) {
      throw new ExprError(`index ${spec.index} is out of range for axis ${axis} of size ${dim}`, start, end);
    }
    return { first: i, step: 1, count: 1, keep: false };
  }
  const step = spec.step ?? 1;
  if (step === 0) throw new ExprError('slice step cannot be zero', start, end);
  // Python's slice.indices(): bounds wrap once from the end, then clamp.
  const norm = (v: number | undefined, dflt: number, lo: number, hi: number) => {
    if (v === undefined) return dflt;
    const w = v < 0 ? v + dim : v;
    return Math.min(Math.max(w, lo), hi);
  };
  let first: number, stop: number;
  if (step > 0) {
    first = norm(spec.lower, 0, 0, dim);
    stop = norm(spec.upper, dim, 0, dim);
  } else {
    first = norm(spec.lower, dim - 1, -1, dim - 1);
    stop = norm(spec.upper, -1, -1, dim - 1);
  }
  const count =
    step > 0 ? Math.max(0, Math.ceil((stop - first) / step)) : Math.max(0, Math.ceil((first - stop) / -step));
  return { first: count ? first : 0, step, count, keep: true };
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

/** True when the picked entries form one run of the buffer: single picks, then one step-1 range, then whole axes. */
function isContiguous(picks: readonly AxisPick[], shape: readonly number[]): boolean {
  let k = 0;
  while (k < picks.length && picks[k].count === 1) k++;
  if (k === picks.length) return true;
  if (picks[k].step !== 1) return false;
  for (let j = k + 1; j < picks.length; j++) {
    if (picks[j].first !== 0 || picks[j].step !== 1 || picks[j].count !== shape[j]) return false;
  }
  return true;
}
