// Finite-difference checks (central differences, float64, relative error ≤ 1e-6) of every layer kind, every
// activation and every loss, fused and not, through the same node code the trainer runs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LayerSpec, NetworkSpec } from '../language/spec';
import { gradientCheck } from '../runtime/gradcheck';
import { ACTIVATIONS, type Activation } from './activations';
import { LOSSES, type Loss } from './losses';
import { Model } from './model';
import { Prng } from './prng';
import { denseSpec, networkSpec, NO_RANGE } from '../../test/fixtures';

const B = 4,
  IN = 3;
const range = NO_RANGE;
const dense = (name: string, units: number, activation: Activation = 'tanh'): LayerSpec =>
  denseSpec(name, units, activation, { slope: 0.1, biasInit: { kind: 'uniform', low: -0.5, high: 0.5 } });

const specOf = (layers: LayerSpec[], loss: Loss): NetworkSpec => networkSpec({ inputSize: IN, layers, loss, batch: B });

/** Random parameters, batch and targets suited to the loss; returns the worst relative error over all layers. */
function check(layers: LayerSpec[], loss: Loss, seed = 7, masks?: Map<number, Float64Array>): number {
  const spec = specOf(layers, loss);
  const rng = new Prng(seed);
  const m = new Model(IN, layers, B, Float64Array);
  m.initialize(rng);
  const K = m.nodes[m.nodes.length - 1].outWidth;
  const x = Float64Array.from({ length: B * IN }, () => rng.uniform(-2, 2));
  const y = new Float64Array(B * K);
  for (let r = 0; r < B; r++) {
    if (loss === 'cross_entropy') y[r * K + Math.floor(rng.next() * K)] = 1;
    else for (let k = 0; k < K; k++) y[r * K + k] = loss === 'bce' ? Math.round(rng.next()) : rng.uniform(-1, 1);
  }
  const results = gradientCheck({ spec, params: m.params, x, y, batch: B, masks });
  assert.ok(results.length > 0, 'some layer was checked');
  for (const r of results) assert.ok(r.checked > 0);
  return Math.max(...results.map((r) => r.maxRelError));
}

// ReLU-like kinks make central differences meaningless exactly at 0; random inputs avoid them almost surely.
for (const act of ACTIVATIONS) {
  test(`dense + ${act}, mse: every W and b matches central differences`, () => {
    const err = check([dense('h', 5, act), dense('out', 2, act)], 'mse');
    assert.ok(err <= 1e-6, `max relative error ${err}`);
  });
}

for (const loss of LOSSES) {
  const outAct: Activation = loss === 'bce' ? 'sigmoid' : loss === 'cross_entropy' ? 'softmax' : 'identity';
  test(`loss ${loss} (output ${outAct}${outAct !== 'identity' ? ', fused' : ''}): gradients match`, () => {
    const err = check([dense('h', 4, 'tanh'), dense('out', 3, outAct)], loss);
    assert.ok(err <= 1e-6, `max relative error ${err}`);
  });
}

test('loss cross_entropy after a separate softmax activation layer (fused through the activation node)', () => {
  const err = check(
    [
      dense('h', 4, 'relu'),
      dense('logits', 3, 'identity'),
      { kind: 'activation', name: 'sm', activation: 'softmax', slope: 0, range },
    ],
    'cross_entropy',
  );
  assert.ok(err <= 1e-6, `max relative error ${err}`);
});

test('mse after softmax (not fused) and bce after a sigmoid activation layer', () => {
  assert.ok(check([dense('h', 4), dense('out', 3, 'softmax')], 'mse') <= 1e-6);
  assert.ok(
    check(
      [
        dense('h', 4),
        dense('z', 2, 'identity'),
        { kind: 'activation', name: 'p', activation: 'sigmoid', slope: 0, range },
      ],
      'bce',
    ) <= 1e-6,
  );
});

test('batch norm in training mode: γ, β and the layers before it', () => {
  const err = check(
    [
      dense('h', 5, 'identity'),
      { kind: 'batchnorm', name: 'bn', momentum: 0.1, eps: 1e-5, range },
      { kind: 'activation', name: 'act', activation: 'tanh', slope: 0, range },
      dense('out', 2, 'identity'),
    ],
    'mse',
  );
  assert.ok(err <= 1e-6, `max relative error ${err}`);
});

test('dropout with a fixed mask', () => {
  const rng = new Prng(3);
  const mask = Float64Array.from({ length: B * 5 }, () => (rng.next() < 0.4 ? 0 : 1 / 0.6));
  const err = check(
    [dense('h', 5), { kind: 'dropout', name: 'drop', p: 0.4, range }, dense('out', 2, 'identity')],
    'mse',
    7,
    new Map([[1, mask]]),
  );
  assert.ok(err <= 1e-6, `max relative error ${err}`);
});

test('residual block without projection (same width) and with a learned projection (width changes)', () => {
  const same: LayerSpec = {
    kind: 'residual',
    name: 'r',
    body: [dense('a', 3, 'relu'), dense('b', 3, 'identity')],
    range,
    endRange: range,
  };
  assert.ok(check([same, dense('out', 2, 'identity')], 'mse') <= 1e-6);
  const proj: LayerSpec = {
    kind: 'residual',
    name: 'p',
    body: [dense('a', 6, 'tanh'), dense('b', 5, 'identity')],
    range,
    endRange: range,
  };
  assert.ok(check([proj, dense('out', 2, 'identity')], 'half_mse') <= 1e-6);
});

test('a wrong gradient is caught: the check is not vacuous', () => {
  // At a ReLU kink (z = 0 exactly) the analytic derivative is 0 but the central difference is not: the check
  // must report it.
  const spec = specOf([dense('out', 1, 'relu')], 'mse');
  const r = gradientCheck(
    { spec, params: [1, 0, 0, 0], x: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], y: [1, 1, 1, 1], batch: B },
    { h: 1e-3 },
  );
  assert.ok(r[0].maxRelError > 0.1, `expected a mismatch at the kink, got ${r[0].maxRelError}`);
});
