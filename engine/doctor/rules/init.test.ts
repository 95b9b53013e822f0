// poor-init: the pre-activation variance grows across a stack at step 0; not with xavier, nor in a residual stack.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsOf, lineOf, net } from '../testing';

const stack = (init: string) =>
  net(
    `  dense first 16 identity init=xavier\n  repeat 6\n    dense h 16 identity init=${init}\n  end\n  dense out 1`,
    '  epochs 1\n  batch 16\n  optimizer sgd lr=0.00001\n  clip norm 1.0',
    {
      input: 1,
      loss: 'mse',
      data: 'generate sine n=32 seed=2',
    },
  );

test('poor-init: weights of std 0.4 on 16 inputs grow var(z) 2.56× per layer', () => {
  const text = stack('normal(0.4)');
  const [f] = findingsOf(text, 'poor-init');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h 16'));
  assert.ok(f.evidence.measured > 10, `${f.evidence.measured}`);
  assert.equal(f.firstStep, 0);
});

test('poor-init: xavier keeps the scale', () => {
  assert.deepEqual(findingsOf(stack('xavier'), 'poor-init'), []);
});
