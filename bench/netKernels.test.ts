// What bench/netKernels.ts counts and reports (its shapes, flops and fractions), not how fast anything is.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureNetKernels } from './netKernels';
import { NETWORKS, weightCount } from './networks';

test('N2: one entry per dense layer, a step’s flops are 6·B·W less the first layer’s dx', () => {
  const net = NETWORKS.N2,
    k = measureNetKernels(net, 0.01, 2);
  assert.deepEqual(
    k.layers.map((l) => l.shape),
    ['32×2→16', '32×16→16', '32×16→3'],
  );
  assert.equal(k.layers[0].inputGradient, null, 'the engine computes no dx for the first layer');
  assert.equal(k.flopsPerStep, 6 * net.batch * weightCount(net) - 2 * net.batch * net.input * net.layers[0].units);
  assert.equal(k.rounds, 2);
  for (const v of [k.kernelsGflops, k.stepGflops, k.stepWallGflops, ...k.layers.map((l) => l.forward)])
    assert.ok(Number.isFinite(v) && v > 0, `a positive rate, got ${v}`);
  assert.equal(k.stepOfKernels, k.stepGflops / k.kernelsGflops);
});
