// dead-relu and saturated: each fires on a network built for it, on the layer's line, and not on one built not to.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsOf, lineOf, net } from '../testing';

const relu = (bias: string) =>
  net(
    `  dense h1 16 relu init=he bias_init=${bias}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );

test('dead-relu: biases at −10 kill every unit of h1', () => {
  const text = relu('constant(-10)');
  const [f] = findingsOf(text, 'dead-relu');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.equal(f.layer, 'h1');
  assert.equal(f.evidence.measured, 1, 'all units dead');
  assert.equal(f.evidence.threshold, 0.5);
});

test('dead-relu: zero biases leave the units alive; leaky_relu cannot die', () => {
  assert.deepEqual(findingsOf(relu('zeros'), 'dead-relu'), []);
  const leaky = relu('constant(-10)').replace('relu init', 'leaky_relu init');
  assert.deepEqual(findingsOf(leaky, 'dead-relu'), []);
});

const tanh = (init: string) =>
  net(
    `  dense h1 16 tanh init=${init}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );

test('saturated: tanh with weights of std 20 starts saturated', () => {
  const text = tanh('normal(20)');
  const [f] = findingsOf(text, 'saturated');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.ok(f.evidence.measured > 0.5, `${f.evidence.measured}`);
});

test('saturated: xavier init does not; the output sigmoid is never counted', () => {
  assert.deepEqual(findingsOf(tanh('xavier'), 'saturated'), []);
  const out = net(
    '  dense h1 4 relu init=he\n  dense out 1 sigmoid init=normal(50)',
    '  epochs 10\n  batch 16\n  seed 2',
  );
  assert.deepEqual(findingsOf(out, 'saturated'), []);
});
