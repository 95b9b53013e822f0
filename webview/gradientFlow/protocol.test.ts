// The host → Gradient Flow view boundary: what the host posts (encodeJson) reads back through the view's
// validator with NaN, ±∞ and -0 intact; null from older hosts still reads as NaN; batches read back whole or not at all.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeJson } from '../../wire/json';
import { parseHostToWebview } from './validate';
import { batchOf, MAX_BATCH, updatesOf, type HostToWebview } from './protocol';

const through = (msg: HostToWebview) => parseHostToWebview(JSON.parse(JSON.stringify(encodeJson(msg))));

test('gradient statistics and loss points round trip, NaN, ±∞ and -0 included', () => {
  const layers = [
    { name: 'h1', meanAbsGrad: NaN, maxAbsGrad: Infinity, updateRatio: Infinity },
    { name: 'out', meanAbsGrad: -0, maxAbsGrad: 2 },
  ];
  const flow = through({ kind: 'gradFlow', layers, step: 3 });
  assert.ok(flow?.kind === 'gradFlow');
  assert.ok(Number.isNaN(flow.layers[0].meanAbsGrad));
  assert.deepEqual([flow.layers[0].maxAbsGrad, flow.layers[0].updateRatio], [Infinity, Infinity]);
  assert.ok(Object.is(flow.layers[1].meanAbsGrad, -0) && flow.layers[1].updateRatio === undefined);
  const loss = through({
    kind: 'loss',
    points: [
      { epoch: 1, loss: -Infinity, valLoss: NaN },
      { epoch: 2, loss: 0.5 },
    ],
  });
  assert.ok(loss?.kind === 'loss');
  assert.equal(loss.points[0].loss, -Infinity);
  assert.ok(Number.isNaN(loss.points[0].valLoss));
  assert.deepEqual(loss.points[1], { epoch: 2, loss: 0.5 });
});

test('null, as JSON writes NaN, still reads as NaN', () => {
  const flow = parseHostToWebview({
    kind: 'gradFlow',
    layers: [{ name: 'h', meanAbsGrad: null, maxAbsGrad: 1 }],
    step: 1,
  });
  assert.ok(flow?.kind === 'gradFlow' && Number.isNaN(flow.layers[0].meanAbsGrad));
});

test('a batch reads back whole and in order; a malformed, nested, empty or oversized one is dropped whole', () => {
  const updates = [
    { kind: 'gradFlow', layers: [{ name: 'h', meanAbsGrad: NaN, maxAbsGrad: 1 }], step: 4 },
    { kind: 'loss', points: [{ epoch: 1, loss: 0.5 }] },
    { kind: 'state', state: 'training', text: 'epoch 1', debugging: false, at: null },
  ] as const;
  const batch = through(batchOf([...updates]));
  assert.ok(batch?.kind === 'batch');
  assert.deepEqual(
    batch.messages.map((m) => m.kind),
    ['gradFlow', 'loss', 'state'],
  );
  assert.deepEqual(batch.messages.slice(1), updates.slice(1));
  const gradFlow = batch.messages[0];
  assert.ok(gradFlow.kind === 'gradFlow' && Number.isNaN(gradFlow.layers[0].meanAbsGrad));
  assert.deepEqual(batchOf([updates[1]]), updates[1], 'one update travels as itself');
  assert.deepEqual(updatesOf(updates[1]), [updates[1]]);

  const bad = { kind: 'loss', points: [{ epoch: 'x', loss: 1 }] };
  for (const messages of [
    [updates[1], bad],
    [updates[1], { kind: 'batch', messages: [updates[1]] }],
    [],
    Array.from({ length: MAX_BATCH + 1 }, () => updates[1]),
    'loss',
  ])
    assert.equal(parseHostToWebview({ kind: 'batch', messages }), undefined, JSON.stringify(messages).slice(0, 80));
});
