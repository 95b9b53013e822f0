// symmetric-units and all-zero: the zero-init trap is named on the layer's line; random init and a zero-initialised
// linear model are not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsOf, lineOf, net } from '../testing';

const hidden = (init: string) =>
  net(
    `  dense h1 4 tanh init=${init}\n  dense out 1 sigmoid init=constant(0.5)`,
    '  epochs 5\n  batch 16\n  optimizer adam lr=0.05\n  seed 7',
  );

test('symmetric-units: zero-initialised hidden units stay copies of each other for the whole run', () => {
  const text = hidden('zeros');
  const [f] = findingsOf(text, 'symmetric-units');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.equal(f.evidence.measured, 4, 'all four units alike');
  assert.equal(f.firstStep, 0);
  assert.ok(f.lastStep > 0, 'still symmetric after training');
});

test('symmetric-units: xavier init breaks the symmetry', () => {
  assert.deepEqual(findingsOf(hidden('xavier'), 'symmetric-units'), []);
});

test('all-zero: a zero hidden weight matrix', () => {
  const text = hidden('zeros');
  const [f] = findingsOf(text, 'all-zero');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.equal(f.firstStep, 0);
});

test('all-zero: silent for random init and for a zero-initialised one-unit linear model', () => {
  assert.deepEqual(findingsOf(hidden('xavier'), 'all-zero'), []);
  const linear = net('  dense out 1 identity init=zeros', '  epochs 5\n  batch 16\n  optimizer sgd lr=0.01', {
    loss: 'mse',
  });
  assert.deepEqual(findingsOf(linear, 'all-zero'), []);
});
