// symmetric-units and all-zero: the zero-init trap is named on the layer's line; random init and a zero-initialised
// linear model are not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../../language/parser';
import { Trainer } from '../../runtime/trainer';
import { findingsOf, lineOf, net } from '../testing';
import { largestIdenticalGroup } from './weights';

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

test('largestIdenticalGroup: equal rows with equal biases, 0 and −0 alike; a differing bias or entry splits them', () => {
  const { spec } = parseNnet(hidden('xavier'));
  assert.ok(spec);
  const t = new Trainer(spec);
  const n = t.model.nodes[0],
    p = t.model.params,
    row = (r: number, v: readonly number[], b: number) => {
      p.set(v, n.wOff + 2 * r);
      p[n.bOff + r] = b;
    };
  row(0, [0.5, -0], 1);
  row(1, [0.5, 0], 1);
  row(2, [0.5, 0], 1);
  row(3, [0.5, 0], 2);
  assert.equal(largestIdenticalGroup(t, 0), 3);
  row(2, [0.25, 0], 1);
  assert.equal(largestIdenticalGroup(t, 0), 2);
  row(1, [0.5, 1e-30], 1);
  assert.equal(largestIdenticalGroup(t, 0), 1);
});
