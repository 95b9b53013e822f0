// update-ratio and unchanged-weights: a learning rate far too large or too small, and a layer no gradient reaches.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsOf, lineOf, net } from '../testing';

const withLr = (opt: string, epochs = 10) =>
  net(
    '  dense h1 8 tanh init=xavier\n  dense out 1 sigmoid',
    `  epochs ${epochs}\n  batch 16\n  optimizer ${opt}\n  seed 1`,
  );

test('update-ratio: Adam with lr=1 moves the weights by more than a tenth of their size each step', () => {
  const text = withLr('adam lr=1', 2);
  const f = findingsOf(text, 'update-ratio').find((x) => x.evidence.threshold === 0.1);
  assert.ok(f, 'fires (too large)');
  assert.equal(f.line + 1, lineOf(text, 'optimizer'));
  assert.ok(f.evidence.measured > 0.1);
});

test('update-ratio: SGD with lr=1e-7 barely moves them', () => {
  const f = findingsOf(withLr('sgd lr=0.0000001'), 'update-ratio').find((x) => x.evidence.threshold === 1e-4);
  assert.ok(f, 'fires (too small)');
  assert.ok(f.evidence.measured < 1e-4);
});

test('update-ratio: Adam with lr=0.01 stays within [1e-4, 1e-1]', () => {
  assert.deepEqual(findingsOf(withLr('adam lr=0.01'), 'update-ratio'), []);
});

const dying = (bias: string) =>
  net(
    `  dense h1 16 relu init=he bias_init=${bias}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );

test('unchanged-weights: W of a layer whose units are all dead never moves', () => {
  const text = dying('constant(-10)');
  const [f] = findingsOf(text, 'unchanged-weights').filter((x) => x.layer === 'h1');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.ok(f.evidence.measured >= 3);
});

test('unchanged-weights: a live layer moves', () => {
  assert.deepEqual(findingsOf(dying('zeros'), 'unchanged-weights'), []);
});
