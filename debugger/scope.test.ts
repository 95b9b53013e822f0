// A scope kept across events (as a condition's is) answers every tensor name as a scope made afresh would: the same
// shape and the same live view, through a smaller last batch and after the history swaps step buffers in.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTensor, NotComputedError, type ExprScope, type Value } from '../engine/expr/values';
import { parseNnet } from '../engine/language/parser';
import { Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { trainerScope } from './scope';

/** 5 rows in batches of 2: each epoch's third step has a batch of 1. */
const source = `network s
  input 2
  dense h1 4 tanh
  dense out 1 sigmoid
loss bce

data
  0 0 -> 0
  0 1 -> 1
  1 0 -> 1
  1 1 -> 0
  0.5 0.5 -> 1

train
  epochs 5
  batch 2
  optimizer adam lr=0.05
  seed 1
`;

/** What a name reads: its shape and where its view lies (the buffer itself, offset, length), or why it has none. */
function where(scope: ExprScope, name: string): unknown {
  let v: Value | undefined;
  try {
    v = scope.lookup(name);
  } catch (e) {
    if (e instanceof NotComputedError) return 'not computed';
    throw e;
  }
  if (!isTensor(v)) return v;
  return { shape: [...v.shape], buffer: v.data.buffer, offset: v.data.byteOffset, length: v.data.length };
}

test('a scope kept across events reads every tensor as a fresh scope does, through batch sizes and swapped buffers', () => {
  const t = new Trainer(parseNnet(source).spec!);
  let ev: TrainerEvent | null = null;
  const kept = trainerScope(t, () => ev);
  const names = kept.names().filter((n) => n.includes('.') && n !== 'prev.loss');
  const sizes = new Set<number>();
  let swaps = 0;
  for (let k = 0; (ev = t.advance()); k++) {
    // Now and then the history swaps the step's buffers for others (Model.swapStepBuffers), as rewinding does.
    if (k % 7 === 3) {
      t.model.swapStepBuffers(t.model.newStepBuffers());
      swaps++;
    }
    // Or one buffer alone, which a view of the node may be the only one to cover.
    if (k % 7 === 5) {
      const i = k % 2;
      t.model.acts[i + 1] = t.model.acts[i + 1].slice();
      swaps++;
    }
    const fresh = trainerScope(t, () => ev);
    for (const name of names) assert.deepEqual(where(kept, name), where(fresh, name), `${name} after event ${k}`);
    sizes.add(t.batchSize);
  }
  assert.deepEqual([...sizes].sort(), [1, 2], 'both batch sizes were read');
  assert.ok(swaps > 20);
});
