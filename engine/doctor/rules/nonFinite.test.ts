// nan: a run that overflows ends with an error finding on the layer where the non-finite value appeared.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnoseText, findingsOf, lineOf, net } from '../testing';

const linear = (lr: number) =>
  net('  dense out 1 identity', `  epochs 200\n  batch 5\n  optimizer sgd lr=${lr}\n  shuffle off`, {
    input: 1,
    loss: 'mse',
    data: '\n  -2 -> -2\n  -1 -> -1\n  0 -> 0\n  1 -> 1\n  2 -> 2',
  });

test('nan: SGD at lr=10 overflows; the finding sits on the layer line', () => {
  const text = linear(10);
  const [f] = findingsOf(text, 'nan');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense out'));
  assert.match(f.message, /non-finite|NaN|Infinity/);
});

test('nan: at lr=0.1 the run ends with finite numbers', () => {
  const findings = diagnoseText(linear(0.1));
  assert.deepEqual(
    findings.filter((f) => f.rule === 'nan'),
    [],
  );
});
