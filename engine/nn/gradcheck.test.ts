// Finite-difference checks (central differences, float64) of every layer kernel, activation and loss.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIVATIONS, activationBackward, activationForward, type Activation } from './activations';
import { denseBackward, denseForward } from './dense';
import { LOSSES, lossBackward, lossForward, type Loss } from './losses';
import { Prng } from './prng';

const B = 3, C = 4, OC = 5;

/** Loss of one dense layer + activation + loss, all in float64. */
function lossOf(act: Activation, loss: Loss, x: Float64Array, params: Float64Array, y: Float64Array): number {
  const z = new Float64Array(B * OC), a = new Float64Array(B * OC);
  denseForward(z, x, params, 0, OC * C, B, C, OC);
  activationForward(act, a, z, B * OC);
  return lossForward(loss, a, y, B * OC);
}

function maxRelError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < analytic.length; i++) {
    const denom = Math.max(1e-8, Math.abs(analytic[i]) + Math.abs(numeric[i]));
    worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]) / denom);
  }
  return worst;
}

for (const act of ACTIVATIONS) {
  for (const loss of LOSSES) {
    if (loss === 'bce' && act !== 'sigmoid') continue; // bce needs outputs in (0, 1); the checker enforces it
    test(`dense + ${act} + ${loss}: dW, db, dx match central differences`, () => {
      const rng = new Prng(42);
      const x = Float64Array.from({ length: B * C }, () => rng.uniform(-1, 1));
      const params = Float64Array.from({ length: OC * C + OC }, () => rng.uniform(-1, 1));
      const y = Float64Array.from({ length: B * OC }, () => (loss === 'bce' ? Math.round(rng.next()) : rng.uniform(-1, 1)));
      // Keep ReLU inputs away from the kink at 0, where the derivative is undefined.
      if (act === 'relu') {
        const z = new Float64Array(B * OC);
        denseForward(z, x, params, 0, OC * C, B, C, OC);
        for (let o = 0; o < OC; o++) for (let n = 0; n < B; n++) if (Math.abs(z[n * OC + o]) < 1e-3) params[OC * C + o] += 0.01;
      }

      const z = new Float64Array(B * OC), a = new Float64Array(B * OC), da = new Float64Array(B * OC), dz = new Float64Array(B * OC);
      denseForward(z, x, params, 0, OC * C, B, C, OC);
      activationForward(act, a, z, B * OC);
      lossBackward(loss, da, a, y, B * OC);
      activationBackward(act, dz, da, z, a, B * OC);
      const grads = new Float64Array(params.length), dx = new Float64Array(B * C);
      denseBackward(dx, grads, dz, x, params, 0, OC * C, B, C, OC);

      const h = 1e-6;
      const numeric = (buf: Float64Array) => Float64Array.from(buf, (_, i) => {
        const old = buf[i];
        buf[i] = old + h; const up = lossOf(act, loss, x, params, y);
        buf[i] = old - h; const down = lossOf(act, loss, x, params, y);
        buf[i] = old;
        return (up - down) / (2 * h);
      });
      const numParams = numeric(params), numX = numeric(x);
      assert.ok(grads.some((g) => Math.abs(g) > 1e-6), 'gradients are not all zero');
      assert.ok(maxRelError(grads, numParams) < 1e-5, `W/b rel. error ${maxRelError(grads, numParams)}`);
      assert.ok(maxRelError(dx, numX) < 1e-5, `x rel. error ${maxRelError(dx, numX)}`);
    });
  }
}

test('backward accumulates into gradients with += (micro-batches add up)', () => {
  const x = Float64Array.of(1, 2), params = Float64Array.of(0.5, -0.25, 0), dz = Float64Array.of(2);
  const grads = new Float64Array(3);
  denseBackward(null, grads, dz, x, params, 0, 2, 1, 2, 1);
  denseBackward(null, grads, dz, x, params, 0, 2, 1, 2, 1);
  assert.deepEqual(Array.from(grads), [4, 8, 4]);
});
