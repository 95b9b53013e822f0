// unscaled-inputs: fires on columns far from the unit scale, on the data line, and not on unit-scale, constant or
// batch-normalised inputs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsOf, lineOf, net } from '../testing';

/** A 2-input network trained on eight inline rows whose first column is `scale`·(0…7) + `shift`. */
const rows = (scale: number, shift: number, first = '  dense h 8 tanh') =>
  net(`${first}\n  dense out 1 sigmoid`, '  epochs 5\n  batch 4\n  optimizer sgd lr=0.01\n  seed 1', {
    data: `\n${[0, 1, 2, 3, 4, 5, 6, 7].map((k) => `  ${+(scale * k + shift).toPrecision(6)} ${k % 2} -> ${(k >> 1) % 2}`).join('\n')}`,
  });

test('unscaled-inputs: a column in the thousands, on the data line, with its mean as evidence', () => {
  const text = rows(10, 1500);
  const [f] = findingsOf(text, 'unscaled-inputs');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'data'));
  assert.equal(f.layer, null);
  assert.equal(f.evidence.measured, 1535, 'mean of 1500…1570');
  assert.equal(f.evidence.threshold, 10);
  assert.deepEqual(f.evidence.steps, [0]);
  assert.match(f.message, /input column 'x1' \(mean 1\.54e\+3, std 22\.9\)/);
  assert.deepEqual(f.fixes, [], 'inline rows: no standardize option to add');
});

test('unscaled-inputs: a column of std 0.0023 is too small, one of std 229 too large', () => {
  const [small] = findingsOf(rows(0.001, 0), 'unscaled-inputs');
  assert.ok(small, 'fires on the small one');
  assert.ok(Math.abs(small.evidence.measured - 0.00229) < 1e-5, `${small.evidence.measured}`);
  assert.equal(small.evidence.threshold, 0.1);
  const [large] = findingsOf(rows(100, -350), 'unscaled-inputs');
  assert.ok(large, 'fires on the large one');
  assert.ok(Math.abs(large.evidence.measured - 229.1) < 0.1, `${large.evidence.measured}`);
  assert.equal(large.evidence.threshold, 10);
});

test('unscaled-inputs: silent on unit-scale columns, a constant column, and behind a first batchnorm', () => {
  assert.deepEqual(findingsOf(rows(0.4, -1.4), 'unscaled-inputs'), []);
  assert.deepEqual(findingsOf(rows(0, 3), 'unscaled-inputs'), [], 'constant 3: no scale to fix');
  assert.deepEqual(findingsOf(rows(10, 1500, '  batchnorm bn\n  dense h 8 tanh'), 'unscaled-inputs'), []);
});
