// How PyTorch's numbers are compared with nnet's in the parity tests: relative error with a per-layer floor.

import assert from 'node:assert/strict';

/**
 * The tolerance: |a − b| ≤ 1e-5·max(|a|, |b|, floor), where the floor is the largest magnitude among the layer's
 * tensors being compared (W and b, or ∂W and ∂b, as nnet has them). An entry far smaller than its layer's largest
 * is a sum whose terms mostly cancelled; float32 then leaves it only the absolute precision of those terms (e.g. the
 * bias gradient of a layer feeding batch norm is 0 in exact arithmetic and rounding noise in both engines).
 */
export const TOLERANCE = 1e-5;

/** max over entries of |a − b| / max(|a|, |b|, floor). */
export function relativeError(a: unknown, b: unknown, floor = 0): number {
  const xs = [a].flat(Infinity) as number[],
    ys = [b].flat(Infinity) as number[];
  assert.equal(xs.length, ys.length, 'shapes differ');
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = Math.abs(xs[i] - ys[i]);
    if (d > 0) worst = Math.max(worst, d / Math.max(Math.abs(xs[i]), Math.abs(ys[i]), floor));
  }
  return worst;
}

/** The largest magnitude in any of the tensors. */
export function largest(...ts: unknown[]): number {
  return Math.max(0, ...ts.flatMap((t) => ([t].flat(Infinity) as number[]).map(Math.abs)));
}
