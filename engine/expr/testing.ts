// A small fake debugger scope for the expression tests: a few layers' tensors and the training scalars.

import type { ExprScope, Tensor, Value } from './values';

/** A Float32 tensor of `shape` from row-major `values`. */
export function t32(shape: number[], values: number[]): Tensor {
  return { shape, data: Float32Array.from(values) };
}

/** A Float64 tensor of `shape` from row-major `values`. */
export function t64(shape: number[], values: number[]): Tensor {
  return { shape, data: Float64Array.from(values) };
}

/** The entries of a tensor value as a plain array (throws if it is not a tensor). */
export function entries(v: Value): number[] {
  if (typeof v !== 'object') throw new Error(`not a tensor: ${String(v)}`);
  return Array.from(
    v.data.subarray(
      0,
      v.shape.reduce((a, b) => a * b, 1),
    ),
  );
}

/** A scope over a fixed table of values; `lookups` records every path asked for. */
export function fakeScope(
  extra: Record<string, Value> = {},
): ExprScope & { lookups: string[]; values: Record<string, Value> } {
  const values: Record<string, Value> = {
    // h1: dense 2 → 4 on a batch of 3.
    'h1.W': t32([4, 2], [1, -2, 3, -4, 0.5, 0, -1, 2]),
    'h1.b': t32([4], [0.1, -0.2, 0, 0.3]),
    'h1.W.grad': t32([4, 2], [0.3, 0.4, 0, 0, -1.2, 0, 0, 0.5]),
    'h1.W.m': t32([4, 2], [0, 0, 0, 0, 0, 0, 0, 0]),
    'h1.b.grad': t32([4], [1, 2, 2, 4]),
    'h1.z': t32([3, 4], [1, -1, 2, -2, 0, 3, -3, 0.5, 4, -4, 1, 1]),
    'h1.a': t32([3, 4], [1, 0, 2, 0, 0, 3, 0, 0.5, 4, 0, 1, 1]),
    'h1.delta': t32([3, 4], [0.1, 0, -0.2, 0, 0, 0.3, 0, 0.4, -0.5, 0, 0.6, 0]),
    'out.W': t32([1, 4], [0.5, -0.5, 1, 2]),
    'out.b': t32([1], [0.25]),
    'out.delta': t32([3, 1], [-0.5, 0.25, 1]),
    x: t32([3, 2], [0, 1, 1, 0, 1, 1]),
    y: t32([3, 1], [1, 1, 0]),
    yhat: t32([3, 1], [0.5, 1.25, 1]),
    big: t32(
      [32, 4],
      Array.from({ length: 128 }, (_, i) => i),
    ),
    f64: t64([2, 2], [1, 2, 3, 4]),
    loss: 0.6931471805599453,
    lr: 0.05,
    step: 120,
    epoch: 3,
    phase: 'backward',
    grad_norm: 12.5,
    grad_norm_clipped: 1,
    ...extra,
  };
  const lookups: string[] = [];
  return {
    values,
    lookups,
    lookup: (name) => {
      lookups.push(name);
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    },
    names: () => Object.keys(values),
  };
}
