// The NaN/Inf origin: networks built to overflow in the forward pass, the backward pass and the update are named to
// the sub-step and tensor where the first non-finite value appeared, and the trainer is left exactly as it failed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { History } from '../engine/runtime/history';
import { NonFiniteError, Trainer } from '../engine/runtime/trainer';
import { nanOrigin } from './nanOrigin';

const fixtures = path.resolve(__dirname, '..', 'test', 'fixtures');

/** Trains `file` with history until it fails; the trainer, its history and the failure. */
function failing(file: string): { t: Trainer; h: History; e: NonFiniteError } {
  const t = new Trainer(parseNnet(fs.readFileSync(path.join(fixtures, file), 'utf8')).spec!);
  const h = new History(t, 16 << 20);
  try {
    for (;;) {
      if (t.atStepStart) h.record();
      if (!t.advance()) break;
    }
  } catch (e) {
    if (e instanceof NonFiniteError) return { t, h, e };
    throw e;
  }
  throw new Error(`${file} trained to the end without a non-finite value`);
}

const CASES: readonly [string, RegExp, number][] = [
  ['overflow.nnet', /^\+Inf first in z of h1 \(forward, sub-step 1\/2: z = x·Wᵀ \+ b\) at step 2$/, 0],
  ['overflow-backward.nnet', /^−Inf first in W\.grad of out \(backward, sub-step 3\/5: ∂W = δᵀ·x\) at step 1$/, 1],
  ['overflow-update.nnet', /^[+−]Inf first in W of h1 \(update: sgd step\) at step 1$/, 0],
];

for (const [file, expected, node] of CASES) {
  test(`${file}: the origin is named to the sub-step, and the trainer is left as the failure left it`, () => {
    const { t, h, e } = failing(file);
    const at = t.eventIndex,
      params = t.model.params.slice(),
      acts = t.model.acts.map((a) => a.slice()),
      loss = t.loss;
    const origin = nanOrigin(t, h, e, at);
    assert.ok(origin, 'an origin');
    assert.match(origin.text, expected);
    assert.equal(origin.node, node);
    assert.equal(t.eventIndex, at);
    assert.deepEqual(t.model.params, params);
    assert.deepEqual(
      t.model.acts.map((a) => a.slice()),
      acts,
    );
    assert.ok(Object.is(t.loss, loss));
    // The failing event fails again, the same way.
    assert.throws(
      () => t.advance(),
      (x: unknown) => x instanceof NonFiniteError && x.message === e.message,
    );
  });
}
