// Model's `shared`: params and grads in shared memory (the dense helper thread updates its share of them), a float32
// model's batch buffers too, inside the kernels' memory (they use them in place); a second set of step buffers is
// placed alike; a trainer shares them only with two threads.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { denseSpec, networkSpec } from '../../test/fixtures';
import { Trainer } from '../runtime/trainer';
import { inKernelMemory } from './kernelMemory';
import { Model } from './model';
import { isShared } from './tensor';

const layers = [denseSpec('h', 5, 'relu'), denseSpec('out', 2, 'identity')];

test('a shared model holds params and grads in shared memory, float32 batch buffers too, its twin’s its own', () => {
  for (const array of [Float32Array, Float64Array] as const) {
    const m = new Model(3, layers, 4, array as never, undefined, true);
    const f32 = array === Float32Array;
    assert.ok(isShared(m.params) && isShared(m.grads), `${array.name}: params and grads shared`);
    assert.equal(f32, inKernelMemory(m.params as Float32Array) && inKernelMemory(m.grads as Float32Array));
    assert.ok(m.params instanceof array && m.params.length === 3 * 5 + 5 + 5 * 2 + 2);
    const batch = [...m.acts, ...m.zs, ...m.deltas, ...m.dOuts].filter((a) => a.length > 0);
    assert.ok(
      batch.every((a) => isShared(a) === f32 && inKernelMemory(a as Float32Array) === f32),
      `${array.name}: batch buffers in the kernels' memory for float32 only`,
    );
    const other = m.newStepBuffers();
    assert.ok(isShared(other.grads) && other.grads.length === m.grads.length, 'the second set’s grads too');
    assert.ok(other.acts.every((a, i) => a.length === m.acts[i].length && isShared(a) === isShared(m.acts[i])));
    const g = m.grads;
    m.swapStepBuffers(other);
    assert.ok(isShared(m.grads) && m.grads !== g);
    const twin = new Model(3, layers, 4, array as never, m);
    assert.equal(twin.params, m.params, 'the evaluation twin reads the same parameters');
    assert.ok(!twin.acts.some(isShared), 'the twin’s batch buffers are its own');
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
