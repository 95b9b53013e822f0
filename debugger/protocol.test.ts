// The worker → host boundary needs no codec: messages cross by structured clone, which keeps Float32Array values
// and every number (NaN, ±∞, -0) as they are. This pins that down for the messages that carry them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkerToHost } from './protocol';

test('a reply with a tensor and a progress message cross structured clone unchanged', () => {
  const values = Float32Array.from([NaN, Infinity, -Infinity, -0, 1.5]);
  const reply: WorkerToHost = {
    kind: 'reply',
    id: 7,
    ok: true,
    text: 'x',
    tensor: { name: 'x', path: 'x', shape: [5], values },
  };
  const back = structuredClone(reply);
  assert.ok(back.kind === 'reply' && back.ok && 'tensor' in back && back.tensor);
  assert.ok(back.tensor.values instanceof Float32Array);
  assert.deepEqual(Array.from(new Uint32Array(back.tensor.values.buffer)), Array.from(new Uint32Array(values.buffer)));
  const layers = [{ name: 'h', meanAbsGrad: NaN, maxAbsGrad: -0, updateRatio: Infinity }];
  const progress = { kind: 'progress', progress: { layers } } as const;
  assert.deepEqual(structuredClone(progress), progress);
  assert.ok(Object.is(structuredClone(progress).progress.layers[0].maxAbsGrad, -0));
});
