// The worked example of the seed material (001): a 2-2-1 ReLU network on x = [1, 2], y = 1, loss ½(ŷ − y)²,
// reproduced with every gradient checked against numbers worked out by hand.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Model } from './model';
import { lossBackward, lossForward } from './losses';
import { Prng } from './prng';
import { denseSpec } from '../../test/fixtures';

const close = (actual: ArrayLike<number>, expected: number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) < 1e-6, `${what}[${i}] = ${actual[i]}, expected ${e}`));
};

test('seed example: forward values and every gradient match the hand computation', () => {
  const zeros = { init: { kind: 'zeros' } } as const;
  const model = new Model(2, [denseSpec('h1', 2, 'relu', zeros), denseSpec('out', 1, 'identity', zeros)], 1);
  const [l1, l2] = model.nodes;
  const rng = new Prng(0);
  // The seed writes z = x @ W with W1 = [[0.1, 0.2], [0.3, 0.4]] ([in, out]); ours is nn.Linear's [out, in]: Wᵀ.
  model.params.set([0.1, 0.3, 0.2, 0.4], l1.wOff);
  model.params.set([0, 0], l1.bOff);
  model.params.set([0.5, 0.6], l2.wOff);
  model.params.set([0], l2.bOff);
  model.acts[0].set([1, 2]);
  const y = Float32Array.of(1);

  model.forwardNode(0, 1, 'train', rng);
  model.forwardNode(1, 1, 'train', rng);
  // z1 = [1·0.1 + 2·0.3, 1·0.2 + 2·0.4] = [0.7, 1.0]; a1 = relu(z1) = z1; ŷ = 0.7·0.5 + 1.0·0.6 = 0.95.
  close(model.zs[0], [0.7, 1.0], 'z1');
  close(model.acts[1], [0.7, 1.0], 'a1');
  close(model.acts[2], [0.95], 'ŷ');
  // L = ½(0.95 − 1)² = 0.00125
  assert.ok(Math.abs(lossForward('half_mse', model.zs[1], model.acts[2], y, 1, 1, false) - 0.00125) < 1e-8);

  model.grads.fill(0);
  lossBackward('half_mse', model.dOuts[1], null, model.acts[2], y, 1, 1, false);
  model.backwardNode(1, 1, false);
  model.backwardNode(0, 1, false);
  // δ2 = ŷ − y = −0.05; ∂W2 = δ2·a1 = [−0.035, −0.05]; ∂b2 = −0.05
  close(model.deltas[1], [-0.05], 'δ2');
  close(model.grads.subarray(l2.wOff, l2.wOff + 2), [-0.035, -0.05], 'W2.grad');
  close(model.grads.subarray(l2.bOff, l2.bOff + 1), [-0.05], 'b2.grad');
  // ∂L/∂a1 = W2ᵀδ2 = [−0.025, −0.03]; ReLU passes it (z1 > 0): δ1 = [−0.025, −0.03]
  close(model.dOuts[0], [-0.025, -0.03], '∂L/∂a1');
  close(model.deltas[0], [-0.025, -0.03], 'δ1');
  // ∂W1 = δ1·xᵀ: rows are output units: [[−0.025, −0.05], [−0.03, −0.06]]  (the seed's [in,out] form is its transpose)
  close(model.grads.subarray(l1.wOff, l1.wOff + 4), [-0.025, -0.05, -0.03, -0.06], 'W1.grad');
  close(model.grads.subarray(l1.bOff, l1.bOff + 2), [-0.025, -0.03], 'b1.grad');
});
