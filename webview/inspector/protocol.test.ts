// The inspector protocol's additions for settings and logs: the heat-map size a layer message may carry, and the
// log messages both webviews may post (checked like every other untrusted message).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebviewToHost } from '../gradientFlow/protocol';
import { MAX_LOG_TEXT } from '../log';
import { isInspectorToHost, MAX_HEATMAP_CELLS, MIN_HEATMAP_CELLS, parseHostToInspector } from './protocol';

const layer = { kind: 'layer', title: 'h1 · dense 2→4 tanh', where: 'forward h1 · step 1', tensors: [], scalars: [] };

test('a layer message may carry the heat-map size from the settings, within its range', () => {
  assert.equal(parseHostToInspector(layer)?.kind, 'layer');
  assert.equal((parseHostToInspector({ ...layer, heatmapCells: 64 }) as { heatmapCells?: number }).heatmapCells, 64);
  for (const bad of [MIN_HEATMAP_CELLS - 1, MAX_HEATMAP_CELLS + 1, 100.5, '64', null]) {
    assert.equal(parseHostToInspector({ ...layer, heatmapCells: bad }), undefined, `heatmapCells ${String(bad)}`);
  }
});

test('both webviews may post warn and error log lines of bounded length, nothing else', () => {
  for (const check of [isInspectorToHost, isWebviewToHost]) {
    assert.ok(check({ kind: 'log', level: 'error', message: 'render failed: boom' }));
    assert.ok(!check({ kind: 'log', level: 'info', message: 'x' }), 'only warn and error');
    assert.ok(!check({ kind: 'log', level: 'warn', message: 'x'.repeat(MAX_LOG_TEXT + 1) }), 'bounded');
    assert.ok(!check({ kind: 'log', level: 'warn', message: 5 }));
  }
});

test('host → inspector: encodeJson, JSON and parseHostToInspector give back every number and float32 bit', async () => {
  const { encodeJson } = await import('../../wire/json');
  const { encodeTensor } = await import('../../wire/float32');
  const values = Float32Array.from([NaN, Infinity, -Infinity, -0, 1.5]);
  const t = { ...encodeTensor({ name: 'W', path: 'h1.W', shape: [5], values }), values: [], truncated: false };
  const sent = {
    ...layer,
    tensors: [t],
    clip: { normBefore: Infinity, normAfter: -0, coefficient: NaN, threshold: 1, layerNorm: -Infinity, share: 0 },
  };
  const got = parseHostToInspector(JSON.parse(JSON.stringify(encodeJson(sent))));
  assert.ok(got?.kind === 'layer');
  const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
  assert.deepEqual(bits(got.tensors[0].values), bits(values));
  const c = got.clip!;
  assert.deepEqual([c.normBefore, c.layerNorm, c.threshold, c.share], [Infinity, -Infinity, 1, 0]);
  assert.ok(Object.is(c.normAfter, -0) && Number.isNaN(c.coefficient));
});

test('a layer message may carry a gradient check report; a malformed one drops the message', () => {
  const gradCheck = {
    step: 3,
    tolerance: 1e-6,
    rows: [{ path: 'h1.W.grad', maxRelError: 2e-11, checked: 8, total: 8, ok: true }],
  };
  const parsed = parseHostToInspector({ ...layer, gradCheck }) as { gradCheck?: unknown };
  assert.deepEqual(parsed.gradCheck, gradCheck);
  assert.equal((parseHostToInspector({ ...layer, gradCheck: null }) as { gradCheck?: unknown }).gradCheck, null);
  for (const bad of [
    { ...gradCheck, step: 0 },
    { ...gradCheck, rows: [{ ...gradCheck.rows[0], ok: 'yes' }] },
    { ...gradCheck, rows: 'h1' },
  ])
    assert.equal(parseHostToInspector({ ...layer, gradCheck: bad }), undefined, JSON.stringify(bad));
});
