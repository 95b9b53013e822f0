// Model's `shared`: params and grads in SharedArrayBuffers (the dense helper thread updates its share of them), and
// nothing else; a second set of step buffers keeps the grads shared; a trainer shares them only with two threads.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denseSpec, networkSpec } from '../../test/fixtures';
import { Trainer } from '../runtime/trainer';
import { Model } from './model';
import { isShared } from './tensor';

const layers = [denseSpec('h', 5, 'relu'), denseSpec('out', 2, 'identity')];

test('a shared model holds params and grads in shared memory, its other buffers and its twin’s in its own', () => {
  for (const array of [Float32Array, Float64Array] as const) {
    const m = new Model(3, layers, 4, array as never, undefined, true);
    assert.ok(isShared(m.params) && isShared(m.grads), `${array.name}: params and grads shared`);
    assert.ok(m.params instanceof array && m.params.length === 3 * 5 + 5 + 5 * 2 + 2);
    assert.ok(![...m.acts, ...m.zs, ...m.deltas, ...m.dOuts].some(isShared), 'activations stay the thread’s own');
    const other = m.newStepBuffers();
    assert.ok(isShared(other.grads) && other.grads.length === m.grads.length, 'the second set’s grads too');
    const g = m.grads;
    m.swapStepBuffers(other);
    assert.ok(isShared(m.grads) && m.grads !== g);
    const twin = new Model(3, layers, 4, array as never, m);
    assert.equal(twin.params, m.params, 'the evaluation twin reads the same parameters');
  }
  const plain = new Model(3, layers, 4);
  assert.ok(!isShared(plain.params) && !isShared(plain.grads) && !isShared(plain.newStepBuffers().grads));
});

test('a trainer shares params, grads and SGD’s step with two threads only; what it saves is its own', () => {
  const data = { x: [[1, 2, 3]], y: [[1, 0]] };
  const spec = networkSpec({ inputSize: 3, layers, loss: 'mse', data, batch: 1 });
  const one = new Trainer(spec, { threads: 1 }),
    two = new Trainer(spec, { threads: 2 });
  try {
    assert.ok(!isShared(one.model.params) && !isShared(one.model.grads));
    assert.ok(!one.optimizer.saveState().buffers.some(isShared));
    assert.ok(isShared(two.model.params) && isShared(two.model.grads));
    two.advanceStep();
    const s = two.saveState();
    assert.ok(!isShared(s.params) && !s.optimizer.buffers.some(isShared), 'checkpoints are plain copies');
    assert.deepEqual(Array.from(s.params), Array.from(two.model.params));
  } finally {
    one.dispose();
    two.dispose();
  }
});
