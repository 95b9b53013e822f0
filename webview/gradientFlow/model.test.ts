// The Gradient Flow model's limits (from the nnet.* settings): the bars' verdicts, runs kept, curve resolution, and
// that a limits message survives the host → view round trip (validation, replay, saved state).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LayerGradStats } from '../../wire/types';
import { DEFAULT_VIEW_LIMITS, type ViewLimits } from './protocol';
import { applyMessage, classifyLayers, emptyModel, lossPointsForDisplay, replayMessages } from './model';
import { parseHostToWebview, parsePersistedState } from './validate';

const l = (name: string, mean: number, max = mean): LayerGradStats => ({ name, meanAbsGrad: mean, maxAbsGrad: max });
const limits = (over: Partial<ViewLimits>): ViewLimits => ({ ...DEFAULT_VIEW_LIMITS, ...over });

test('the bars are classified with the limits given: ratio, floor and exploding max', () => {
  const layers = [l('a', 1e-5), l('b', 5e-8, 1e-7), l('c', 1, 50), l('out', 0.1)];
  assert.deepEqual(
    classifyLayers(layers),
    ['vanishing', 'vanishing', 'ok', 'ok'],
    'defaults: 1e-3 of the output layer, floor 1e-7, max 100',
  );
  assert.deepEqual(classifyLayers(layers, limits({ vanishingRatio: 1e-7, vanishingFloor: 1e-8 })), [
    'ok',
    'ok',
    'ok',
    'ok',
  ]);
  assert.deepEqual(classifyLayers(layers, limits({ explodingMax: 10 })), ['vanishing', 'vanishing', 'exploding', 'ok']);
});

test('a limits message applies at once: fewer runs kept, and curves keep the new number of points', () => {
  const m = emptyModel();
  for (let r = 0; r < 6; r++) {
    applyMessage(m, { kind: 'reset', title: `run${r}`, layerNames: ['a'] });
    applyMessage(m, { kind: 'loss', points: [{ epoch: 1, loss: r }] });
  }
  assert.equal(m.runs.length, 5, 'the default keeps 5');
  applyMessage(m, { kind: 'limits', limits: limits({ runsKept: 2, curvePoints: 100 }) });
  assert.deepEqual(
    m.runs.map((r) => r.title),
    ['run4', 'run3'],
  );
  assert.equal(m.previous?.title, 'run4');
  applyMessage(m, { kind: 'reset', title: 'run6', layerNames: ['a'] });
  assert.deepEqual(
    m.runs.map((r) => r.title),
    ['run5', 'run4'],
    'new runs respect the new count',
  );
  for (let e = 1; e <= 5000; e += 50)
    applyMessage(m, {
      kind: 'loss',
      points: Array.from({ length: 50 }, (_, i) => ({ epoch: e + i, loss: 1 / (e + i) })),
    });
  const shown = lossPointsForDisplay(m.loss).length;
  assert.ok(shown <= 106 && shown > 25, `a 100-point curve: ${shown}`);
  applyMessage(m, { kind: 'limits', limits: limits({ runsKept: 0 }) });
  assert.deepEqual([m.runs.length, m.previous], [0, null]);
});

test('limits travel host → view: validated, replayed to a view that saw no run, kept in the snapshot and in saved state', () => {
  const wanted = limits({ vanishingRatio: 0.01, runsKept: 3, curvePoints: 500 });
  const parsed = parseHostToWebview(JSON.parse(JSON.stringify({ kind: 'limits', limits: wanted })));
  assert.deepEqual(parsed, { kind: 'limits', limits: wanted });
  for (const bad of [
    { runsKept: 2.5 },
    { runsKept: 21 },
    { curvePoints: 1e6 },
    { vanishingRatio: -1 },
    { explodingMax: 'x' },
  ]) {
    assert.equal(parseHostToWebview({ kind: 'limits', limits: { ...wanted, ...bad } }), undefined, JSON.stringify(bad));
  }
  const host = emptyModel();
  applyMessage(host, { kind: 'limits', limits: wanted });
  const fresh = emptyModel();
  for (const msg of replayMessages(host, false))
    applyMessage(fresh, parseHostToWebview(JSON.parse(JSON.stringify(msg)))!);
  assert.deepEqual(fresh.limits, wanted, 'a view opened before any run still gets the limits');
  applyMessage(host, { kind: 'reset', title: 't', layerNames: ['a'] });
  const view = emptyModel();
  for (const msg of replayMessages(host, true))
    applyMessage(view, parseHostToWebview(JSON.parse(JSON.stringify(msg)))!);
  assert.deepEqual(view.limits, wanted);
  const saved = {
    version: 3,
    model: view,
    lossLogScale: false,
    gradLogScale: true,
    showPrevious: true,
    compareIndex: 0,
    lossPerStep: false,
  };
  assert.deepEqual(parsePersistedState(JSON.parse(JSON.stringify(saved)))?.model.limits, wanted);
  const { limits: _, ...older } = view;
  assert.deepEqual(
    parsePersistedState(JSON.parse(JSON.stringify({ ...saved, model: older })))?.model.limits,
    DEFAULT_VIEW_LIMITS,
    'state saved before the settings: the defaults',
  );
});

test('per-rank gradient norms: validated, kept until the next run, replayed, and absent from older saved state', () => {
  const ranks = [
    { rank: 0, gradNorm: 1.5 },
    { rank: 1, gradNorm: NaN },
  ];
  const parsed = parseHostToWebview(JSON.parse(JSON.stringify({ kind: 'ranks', ranks })));
  assert.ok(parsed?.kind === 'ranks');
  assert.equal(parsed.ranks[0].gradNorm, 1.5);
  assert.ok(Number.isNaN(parsed.ranks[1].gradNorm), 'NaN travels as null and reads back');
  for (const bad of [{ rank: -1, gradNorm: 1 }, { rank: 0.5, gradNorm: 1 }, { rank: 0, gradNorm: 'x' }, 3]) {
    assert.equal(parseHostToWebview({ kind: 'ranks', ranks: [bad] }), undefined, JSON.stringify(bad));
  }
  const host = emptyModel();
  applyMessage(host, { kind: 'reset', title: 'ddp.py', layerNames: ['fc1'] });
  applyMessage(host, parsed);
  assert.deepEqual(host.ranks.length, 2);
  const view = emptyModel();
  for (const msg of replayMessages(host, true))
    applyMessage(view, parseHostToWebview(JSON.parse(JSON.stringify(msg)))!);
  assert.deepEqual(view.ranks[0], { rank: 0, gradNorm: 1.5 });
  const { ranks: _, ...older } = view;
  const saved = { version: 3, model: older, lossLogScale: false, gradLogScale: true, showPrevious: true };
  assert.deepEqual(parsePersistedState(JSON.parse(JSON.stringify(saved)))?.model.ranks, []);
  applyMessage(host, { kind: 'reset', title: 'train.py', layerNames: ['fc1'] });
  assert.deepEqual(host.ranks, [], 'a new run starts with no ranks');
});
