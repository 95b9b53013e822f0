// The Gradient Flow view's pure parts in Node: its model, series, scales, message validation and HTML.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderGradientFlowHtml } from '../../extension/views/gradientFlowHtml';
import { webviewCsp } from '../../webview/page';
import {
  appendLoss,
  applyMessage,
  classifyLayers,
  emptyLossSeries,
  emptyModel,
  lossPointsForDisplay,
  MAX_LOSS_POINTS,
  MAX_SHOWN_POINTS,
  replayMessages,
} from '../../webview/gradientFlow/model';
import { appendSeries, emptySeries } from '../../webview/gradientFlow/series';
import { minMaxIndices } from '../../wire/thinning';
import { formatLogTick, logBounds, logDisplayValue, logTicks } from '../../webview/gradientFlow/scales';
import { parseHostToWebview, parsePersistedState } from '../../webview/gradientFlow/validate';
import type { HostToWebview, PreviousRun } from '../../webview/gradientFlow/protocol';
import { finishedRun, lossPoints } from './gradientFlowRuns';

describe('gradient flow model and validation (node)', () => {
  test('loss series halves its resolution past the cap and keeps first and latest points', () => {
    const s = emptyLossSeries();
    const pts = Array.from({ length: 10_000 }, (_, i) => ({ epoch: i, loss: 1 / (i + 1) }));
    for (let i = 0; i < pts.length; i += 37) appendLoss(s, pts.slice(i, i + 37), 2000);
    const shown = lossPointsForDisplay(s);
    assert.ok(shown.length <= MAX_SHOWN_POINTS, `kept ${shown.length}`);
    assert.ok(shown.length > 1000, `kept only ${shown.length}`);
    assert.equal(shown[0].epoch, 0);
    assert.equal(shown[shown.length - 1].epoch, 9999);
    // Buckets of `stride` epochs, two kept points each (its lowest and highest loss), in order.
    assert.equal(s.points.length % 2, 0);
    for (let k = 0; k < s.points.length; k += 2) {
      const bucket = Math.floor(s.points[k].epoch / s.stride);
      assert.equal(Math.floor(s.points[k + 1].epoch / s.stride), bucket, `points ${k} and ${k + 1} share a bucket`);
      assert.ok(s.points[k].epoch < s.points[k + 1].epoch);
    }
  });

  test("downsampling keeps each bucket's lowest and highest value: a one-step spike, a dip and a NaN survive", () => {
    const flat = (i: number) => 0.5 + 0.01 * Math.sin(i / 50);
    const special = new Map([
      [12_345, 0.001],
      [77_777, 50],
      [90_001, NaN],
    ]);
    const value = (i: number) => special.get(i) ?? flat(i);
    const loss = emptyLossSeries();
    const steps = emptySeries<{ step: number; loss: number }>();
    const norms = emptySeries<{ step: number; before: number; after: number }>();
    for (let i = 0; i < 100_000; i += 250) {
      const chunk = Array.from({ length: 250 }, (_, k) => i + k);
      appendLoss(
        loss,
        chunk.map((e) => ({ epoch: e, loss: value(e) })),
      );
      appendSeries(
        steps,
        chunk.map((e) => ({ step: e, loss: value(e) })),
        (p) => p.loss,
        MAX_LOSS_POINTS,
      );
      appendSeries(
        norms,
        chunk.map((e) => ({ step: e, before: value(e), after: 1 })),
        (p) => p.before,
        MAX_LOSS_POINTS,
      );
    }
    const shownLoss = lossPointsForDisplay(loss).map((p) => [p.epoch, p.loss]);
    const shownSteps = lossPointsForDisplay(steps).map((p) => [p.step, p.loss]);
    const shownNorms = lossPointsForDisplay(norms).map((p) => [p.step, p.before]);
    for (const shown of [shownLoss, shownSteps, shownNorms]) {
      assert.ok(shown.length <= MAX_SHOWN_POINTS && shown.length > MAX_LOSS_POINTS / 4, `bounded: ${shown.length}`);
      assert.deepEqual(
        shown.find((p) => p[0] === 77_777),
        [77_777, 50],
        'the spike',
      );
      assert.deepEqual(
        shown.find((p) => p[0] === 12_345),
        [12_345, 0.001],
        'the dip',
      );
      assert.ok(
        shown.some((p) => p[0] === 90_001 && Number.isNaN(p[1])),
        'the NaN',
      );
      assert.equal(shown.at(-1)?.[0], 99_999, 'the curve ends at the newest sample');
      assert.ok(
        shown.every((p, i) => i === 0 || p[0] > shown[i - 1][0]),
        'in order',
      );
    }
    assert.ok(loss.stride >= 64, `thinned: 1 in ${loss.stride}`);
    // The same spike among a few samples: nothing is thinned, nothing lost.
    const few = emptyLossSeries();
    appendLoss(
      few,
      [0.3, 0.2, 9, 0.1].map((l, e) => ({ epoch: e, loss: l })),
    );
    assert.deepEqual(
      lossPointsForDisplay(few).map((p) => p.loss),
      [0.3, 0.2, 9, 0.1],
    );
  });

  test("the worker's per-message subset keeps each stretch's lowest and highest loss, and the newest", () => {
    const losses = Array.from({ length: 5000 }, (_, i) => 1 / (i + 1));
    losses[3210] = 7;
    const idx = minMaxIndices(losses, 1000, 5000, 256);
    assert.ok(idx.length <= 256, `${idx.length}`);
    assert.ok(
      idx.every((e, i) => e >= 1000 && e < 5000 && (i === 0 || e > idx[i - 1])),
      'in range, in order, no repeats',
    );
    assert.ok(idx.includes(3210), 'the spike');
    assert.equal(idx.at(-1), 4999, 'the newest');
    assert.deepEqual(minMaxIndices(losses, 10, 15, 256), [10, 11, 12, 13, 14], 'a short stretch is sent whole');
  });

  test('replay rebuilds the same model, and only the state before any run', () => {
    const host = emptyModel();
    assert.deepEqual(
      replayMessages(host, false).map((m) => m.kind),
      ['limits', 'state'],
    );
    const msgs: HostToWebview[] = [
      { kind: 'reset', title: 'xor', layerNames: ['h1', 'out'] },
      {
        kind: 'loss',
        points: [
          { epoch: 0, loss: 0.7 },
          { epoch: 1, loss: 0.6 },
        ],
      },
      { kind: 'gradFlow', layers: [{ name: 'h1', meanAbsGrad: 0.01, maxAbsGrad: 0.1 }], step: 4 },
      { kind: 'state', state: 'training', text: 'epoch 1' },
    ];
    for (const m of msgs) applyMessage(host, m);
    const view = emptyModel();
    for (const m of replayMessages(host, true)) applyMessage(view, m);
    assert.deepEqual(view, host);
  });

  test('a finished run replayed shows the last step: bars, whole loss curve, norms and their clip count', () => {
    const host = emptyModel();
    const run = finishedRun(20_000);
    for (const m of run) applyMessage(host, m);
    const lastBars = run.filter((m) => m.kind === 'gradFlow').at(-1);
    assert.ok(lastBars?.kind === 'gradFlow' && lastBars.step === 20_000);
    // Replayed into a fresh view and into one still showing the first step, through JSON and validation.
    const fresh = emptyModel();
    const stale = emptyModel();
    for (const m of run.slice(0, 6)) applyMessage(stale, m);
    for (const view of [fresh, stale]) {
      for (const m of replayMessages(host, true)) {
        const parsed = parseHostToWebview(JSON.parse(JSON.stringify(m)));
        assert.ok(parsed);
        applyMessage(view, parsed);
      }
      assert.equal(view.step, 20_000);
      assert.deepEqual(view.layers, lastBars.layers);
      assert.deepEqual(
        lossPointsForDisplay(view.loss),
        lossPointsForDisplay(host.loss),
        'the whole loss curve, as downsampled',
      );
      assert.equal(lossPointsForDisplay(view.loss).at(-1)?.epoch, 20_000);
      assert.equal(lossPointsForDisplay(view.loss)[0].epoch, 1);
      assert.deepEqual(lossPointsForDisplay(view.gradNorm), lossPointsForDisplay(host.gradNorm));
      assert.deepEqual([view.normSamples, view.clippedSamples], [host.normSamples, host.clippedSamples]);
      assert.ok(host.normSamples > MAX_LOSS_POINTS, 'enough norm samples to be downsampled');
      assert.deepEqual([view.state, view.stateText], ['finished', 'xor.nnet: finished after 20000 steps']);
      assert.deepEqual(view, host);
    }
    // The host's model is not shared with the view's.
    applyMessage(fresh, { kind: 'gradFlow', layers: [], step: 1 });
    assert.equal(host.step, 20_000);
  });

  test('after VS Code reloads (a host with no run), a view keeps the run it restored; one it saw going is over', () => {
    const run = finishedRun(300);
    const noRun = replayMessages(emptyModel(), false);
    const finished = emptyModel();
    for (const m of run) applyMessage(finished, m);
    const going = emptyModel();
    for (const m of run.slice(0, 12)) applyMessage(going, m);
    applyMessage(going, {
      kind: 'state',
      state: 'paused',
      text: 'Paused on forward h1 · step 8',
      debugging: true,
      at: { step: 8, epoch: 8 },
    });
    const empty = emptyModel();
    for (const view of [finished, going, empty]) for (const m of noRun) applyMessage(view, m);
    assert.deepEqual(
      [finished.step, finished.state, finished.stateText],
      [300, 'finished', 'xor.nnet: finished after 300 steps'],
    );
    assert.deepEqual(
      [going.step, going.state, going.stateText, going.debugging, going.pausedAt],
      [8, 'finished', 'xor.nnet: ended when VS Code reloaded', false, null],
    );
    assert.deepEqual([empty.state, empty.stateText], ['idle', emptyModel().stateText]);
  });

  test('host messages are validated; JSON nulls (NaN/Infinity) come back as NaN', () => {
    for (const bad of [
      null,
      3,
      'reset',
      [],
      { kind: 'nope' },
      { kind: 'reset', title: 'x', layerNames: [1] },
      { kind: 'gradFlow', layers: [{ name: 'a', meanAbsGrad: '1', maxAbsGrad: 1 }], step: 1 },
      { kind: 'gradFlow', layers: [], step: null },
      { kind: 'loss', points: [{ epoch: null, loss: 1 }] },
      { kind: 'state', state: 'sleeping', text: '' },
      { kind: 'loss', points: new Array(100_001).fill({ epoch: 0, loss: 0 }) },
      { kind: 'gradFlow', layers: [{ name: 'a', meanAbsGrad: 1, maxAbsGrad: 1, updateRatio: '1e-3' }], step: 1 },
      { kind: 'reset', title: 'x', layerNames: [], previous: { title: 'p' } },
      { kind: 'reset', title: 'x', layerNames: [], previous: { title: 'p', points: [{ epoch: 'a', loss: 1 }] } },
    ]) {
      assert.equal(parseHostToWebview(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
    }
    const gf = parseHostToWebview(
      JSON.parse(
        JSON.stringify({
          kind: 'gradFlow',
          step: 3,
          layers: [{ name: 'h1', meanAbsGrad: NaN, maxAbsGrad: Infinity }],
        }),
      ),
    );
    assert.ok(gf && gf.kind === 'gradFlow');
    assert.ok(Number.isNaN(gf.layers[0].meanAbsGrad) && Number.isNaN(gf.layers[0].maxAbsGrad));
    assert.equal(parsePersistedState({ version: 3, model: {} }), undefined);
    const m = emptyModel();
    assert.deepEqual(parsePersistedState(JSON.parse(JSON.stringify({ version: 3, model: m, lossLogScale: true }))), {
      version: 3,
      model: m,
      lossLogScale: true,
      gradLogScale: true,
      showPrevious: true,
      compareIndex: 0,
      lossPerStep: false,
    });
    // State saved before run comparison (no `previous`) still restores, with no overlay.
    const { previous: _, ...older } = m;
    assert.equal(
      parsePersistedState(JSON.parse(JSON.stringify({ version: 3, model: older, lossLogScale: false })))?.model
        .previous,
      null,
    );
    assert.equal(
      parsePersistedState(JSON.parse(JSON.stringify({ version: 1, model: m, lossLogScale: true }))),
      undefined,
      'state from before the gradient-norm chart is dropped, not misread',
    );
    const v2 = { ...m, loss: { points: [], tail: null, stride: 1, skipped: 0 } };
    assert.equal(
      parsePersistedState(JSON.parse(JSON.stringify({ version: 2, model: v2, lossLogScale: true }))),
      undefined,
      'state from before min/max downsampling (a `tail`, no `pending`) is dropped, not misread',
    );
  });

  test("a new run keeps the previous run's loss curve; replays carry it exactly", () => {
    const m = emptyModel();
    applyMessage(m, { kind: 'reset', title: 'sigmoid', layerNames: ['a'] });
    assert.equal(m.previous, null, 'nothing to compare with before the first run ends');
    // Read through a function: assert.equal above narrowed `m.previous` to null for the type checker.
    const prev = (): PreviousRun | null => m.previous;
    for (let i = 0; i < 5000; i += 100) applyMessage(m, { kind: 'loss', points: lossPoints(i, i + 100) });
    applyMessage(m, {
      kind: 'gradFlow',
      layers: [{ name: 'a', meanAbsGrad: 1, maxAbsGrad: 2, updateRatio: 2e-3 }],
      step: 1,
    });
    assert.equal(m.layers[0].updateRatio, 2e-3);
    applyMessage(m, { kind: 'reset', title: 'relu', layerNames: ['a'] });
    assert.equal(prev()?.title, 'sigmoid');
    const kept = prev()?.points.length ?? 0;
    assert.ok(kept <= MAX_SHOWN_POINTS && kept > 1000, `downsampled like the live curve: ${kept}`);
    assert.equal(prev()?.points.at(-1)?.epoch, 4999);
    assert.equal(m.loss.points.length, 0);
    // A run that never produced a loss does not replace the overlay.
    applyMessage(m, { kind: 'reset', title: 'relu again', layerNames: ['a'] });
    assert.equal(prev()?.title, 'sigmoid');
    applyMessage(m, { kind: 'loss', points: lossPoints(0, 10) });
    const view = emptyModel();
    applyMessage(view, { kind: 'reset', title: 'stale', layerNames: [] });
    applyMessage(view, { kind: 'loss', points: lossPoints(0, 3) });
    // A replay into a view that already has a run must not turn that run into the overlay.
    for (const msg of replayMessages(m, true)) applyMessage(view, msg);
    assert.deepEqual(view, m);
    const persisted = parsePersistedState(
      JSON.parse(JSON.stringify({ version: 3, model: m, lossLogScale: false, showPrevious: false })),
    );
    assert.deepEqual(persisted?.model.previous, m.previous);
    assert.equal(persisted?.showPrevious, false);
  });

  test('earlier runs: up to five kept newest first, replayed exactly; the paused location folds into the model', () => {
    const m = emptyModel();
    for (let r = 0; r < 7; r++) {
      applyMessage(m, { kind: 'reset', title: `run${r}`, layerNames: ['a'] });
      applyMessage(m, { kind: 'loss', points: lossPoints(0, 10 + r) });
    }
    assert.deepEqual(
      m.runs.map((r) => r.title),
      ['run5', 'run4', 'run3', 'run2', 'run1'],
    );
    assert.equal(m.previous, m.runs[0]);
    applyMessage(m, { kind: 'state', state: 'paused', text: 'Paused', debugging: true, at: { step: 12, epoch: 3 } });
    assert.deepEqual([m.debugging, m.pausedAt], [true, { step: 12, epoch: 3 }]);
    const view = emptyModel();
    for (const msg of replayMessages(m, true)) applyMessage(view, JSON.parse(JSON.stringify(msg)));
    assert.deepEqual(view, m);
    applyMessage(m, {
      kind: 'state',
      state: 'training',
      text: 'Training',
      debugging: true,
      at: { step: 12, epoch: 3 },
    });
    assert.equal(m.pausedAt, null, 'the marker shows only while paused');
    for (const bad of [
      { kind: 'state', state: 'paused', text: 'x', at: { step: 'a', epoch: 1 } },
      { kind: 'state', state: 'idle', text: 'x', debugging: 'yes' },
      { kind: 'reset', title: 'x', layerNames: [], previous: null, runs: [{ title: 'a' }] },
      { kind: 'reset', title: 'x', layerNames: [], previous: null, runs: Array(21).fill({ title: 'a', points: [] }) },
    ]) {
      assert.equal(parseHostToWebview(bad), undefined, JSON.stringify(bad));
    }
    const restored = parsePersistedState(
      JSON.parse(JSON.stringify({ version: 3, model: m, lossLogScale: false, compareIndex: 3 })),
    );
    assert.deepEqual([restored?.model.runs.length, restored?.compareIndex], [5, 3]);
    assert.equal(
      parsePersistedState(JSON.parse(JSON.stringify({ version: 3, model: m, lossLogScale: false, compareIndex: 9 })))
        ?.compareIndex,
      0,
    );
  });

  test('per-step loss samples: appended, downsampled, cleared by a new run, replayed; malformed ones rejected', () => {
    const m = emptyModel();
    applyMessage(m, { kind: 'reset', title: 'big.nnet', layerNames: ['a'] });
    for (let s = 1; s <= 5000; s++) applyMessage(m, { kind: 'stepLoss', points: [{ step: s * 10, loss: 1 / s }] });
    const shown = lossPointsForDisplay(m.stepLoss);
    assert.ok(shown.length <= MAX_SHOWN_POINTS && shown.length > 1000, `flat memory: ${shown.length}`);
    assert.deepEqual(shown.at(-1), { step: 50000, loss: 1 / 5000 }, 'the curve ends at the newest sample');
    const view = emptyModel();
    for (const msg of replayMessages(m, true)) applyMessage(view, JSON.parse(JSON.stringify(msg)));
    assert.deepEqual(lossPointsForDisplay(view.stepLoss), shown);
    applyMessage(m, { kind: 'reset', title: 'again', layerNames: ['a'] });
    assert.equal(m.stepLoss.points.length, 0);
    assert.deepEqual(parseHostToWebview({ kind: 'stepLoss', points: [{ step: 3, loss: null }] }), {
      kind: 'stepLoss',
      points: [{ step: 3, loss: NaN }],
    });
    for (const bad of [
      { kind: 'stepLoss', points: [{ step: 'a', loss: 1 }] },
      { kind: 'stepLoss', points: null },
      { kind: 'stepLoss', points: [{ epoch: 1, loss: 1 }] },
    ]) {
      assert.equal(parseHostToWebview(bad), undefined, JSON.stringify(bad));
    }
    // State saved before the per-step curve restores with an empty one.
    const { stepLoss: _, ...older } = emptyModel();
    assert.deepEqual(
      parsePersistedState(JSON.parse(JSON.stringify({ version: 3, model: older, lossLogScale: false })))?.model
        .stepLoss,
      emptyModel().stepLoss,
    );
  });

  test('layers are classified against the output layer and an absolute floor: vanishing, exploding, NaN', () => {
    const l = (name: string, meanAbsGrad: number, maxAbsGrad = meanAbsGrad * 5) => ({ name, meanAbsGrad, maxAbsGrad });
    assert.deepEqual(classifyLayers([]), []);
    assert.deepEqual(classifyLayers([l('a', 1e-9), l('b', 2e-5), l('c', 5e-4), l('out', 0.1)]), [
      'vanishing',
      'vanishing',
      'ok',
      'ok',
    ]);
    assert.deepEqual(classifyLayers([l('a', 500), l('b', 1, 200), l('c', NaN), l('d', 1, Infinity), l('out', 0.1)]), [
      'exploding',
      'exploding',
      'nonFinite',
      'nonFinite',
      'ok',
    ]);
    // Without a usable reference (output gradient zero) the ratio says nothing, but the absolute floor still does.
    assert.deepEqual(classifyLayers([l('a', 1e-3), l('out', 0)]), ['ok', 'vanishing']);
    // A network that collapsed entirely (every layer ~1e-10) is vanishing everywhere, not healthy.
    assert.deepEqual(classifyLayers([l('a', 1e-10), l('b', 2e-10), l('out', 1e-10)]), [
      'vanishing',
      'vanishing',
      'vanishing',
    ]);
  });

  test('gradient-norm samples are downsampled, counted for the clip fraction, validated and replayed', () => {
    const s = emptySeries<{ step: number; before: number; after: number }>();
    for (let i = 0; i < 100_000; i++) appendSeries(s, [{ step: i, before: 1, after: 1 }], (p) => p.before, 500);
    assert.ok(s.points.length <= 500 && s.points.length > 250, `${s.points.length}`);
    assert.equal(lossPointsForDisplay(s).at(-1)?.step, 99_999);

    const m = emptyModel();
    applyMessage(m, { kind: 'reset', title: 't', layerNames: ['a'] });
    applyMessage(m, {
      kind: 'gradNorm',
      clipNorm: 1,
      points: [
        { step: 1, before: 3, after: 1 },
        { step: 2, before: 0.5, after: 0.5 },
      ],
    });
    applyMessage(m, { kind: 'loss', points: [{ epoch: 1, loss: 0.5, valLoss: 0.6 }] });
    assert.deepEqual([m.clippedSamples, m.normSamples, m.clipNorm], [1, 2, 1]);
    const view = emptyModel();
    for (const msg of replayMessages(m, true)) applyMessage(view, msg);
    assert.deepEqual(view, m);

    for (const bad of [
      { kind: 'gradNorm', points: [], clipNorm: -1 },
      { kind: 'gradNorm', points: [{ step: 'a', before: 1, after: 1 }], clipNorm: null },
      { kind: 'gradNorm', points: [{ step: 1, before: 1 }], clipNorm: null },
      { kind: 'gradNorm', points: [] },
      { kind: 'loss', points: [{ epoch: 1, loss: 1, valLoss: 'x' }] },
    ]) {
      assert.equal(parseHostToWebview(bad), undefined, JSON.stringify(bad));
    }
    const ok = parseHostToWebview(
      JSON.parse(JSON.stringify({ kind: 'gradNorm', clipNorm: null, points: [{ step: 3, before: NaN, after: 2 }] })),
    );
    assert.ok(ok?.kind === 'gradNorm' && Number.isNaN(ok.points[0].before) && ok.clipNorm === null);
    const persisted = parsePersistedState(JSON.parse(JSON.stringify({ version: 3, model: m, lossLogScale: false })));
    assert.deepEqual(persisted?.model, m);
  });

  test("a worker's step counts replace the samples' in the clip fraction, and survive replay and persistence", () => {
    const m = emptyModel();
    applyMessage(m, { kind: 'reset', title: 't', layerNames: ['a'] });
    const points = [
      { step: 1, before: 3, after: 1 },
      { step: 900, before: 0.5, after: 0.5 },
    ];
    applyMessage(m, { kind: 'gradNorm', clipNorm: 1, points, counted: { steps: 900, clipped: 12 } });
    applyMessage(m, { kind: 'gradNorm', clipNorm: 1, points: [], counted: { steps: 100, clipped: 3 } });
    // The two points kept are each stretch's extremes: counting them would say half the steps were clipped.
    assert.deepEqual([m.clippedSamples, m.normSamples, m.normCounted], [15, 1000, true]);
    const view = emptyModel();
    for (const msg of replayMessages(m, true)) applyMessage(view, msg);
    assert.deepEqual(view, m);
    const persisted = parsePersistedState(JSON.parse(JSON.stringify({ version: 3, model: m, lossLogScale: false })));
    assert.deepEqual(persisted?.model, m);
    applyMessage(m, { kind: 'reset', title: 'u', layerNames: ['a'] });
    assert.deepEqual([m.clippedSamples, m.normSamples, m.normCounted], [0, 0, false]);

    for (const counted of [{ steps: 2, clipped: 3 }, { steps: 1.5, clipped: 0 }, { steps: -1, clipped: -1 }, 7, null])
      assert.equal(
        parseHostToWebview({ kind: 'gradNorm', clipNorm: 1, points, counted }),
        undefined,
        JSON.stringify(counted),
      );
    const ok = parseHostToWebview({ kind: 'gradNorm', clipNorm: 1, points, counted: { steps: 5, clipped: 5 } });
    assert.ok(ok?.kind === 'gradNorm' && ok.counted?.steps === 5);
  });

  test('log axis bounds are whole decades and clamp zero, negative and NaN', () => {
    assert.deepEqual(logBounds([0.003, 0.2, 0, -1, NaN]), { min: 1e-3, max: 1 });
    assert.deepEqual(logBounds([0.001, 0.2]), { min: 1e-4, max: 1 });
    assert.deepEqual(logBounds([1e-3]), { min: 1e-4, max: 1e-3 });
    assert.deepEqual(logBounds([0, NaN]), { min: 1e-3, max: 1 });
    assert.equal(logBounds([1e-30, 1]).min, 1e-12);
    assert.equal(logDisplayValue(0, 1e-4), 1e-4);
    assert.equal(logDisplayValue(-5, 1e-4), 1e-4);
    assert.equal(logDisplayValue(NaN, 1e-4), null);
    assert.equal(logDisplayValue(Infinity, 1e-4), null);
    assert.deepEqual(
      logTicks(1e-12, 1, 5).map((t) => formatLogTick(t.value)),
      ['1e-12', '1e-9', '1e-6', '1e-3', '1'],
    );
    assert.deepEqual(
      logTicks(0.1, 1, 8).map((t) => formatLogTick(t.value)),
      ['0.1', '0.2', '0.5', '1'],
    );
    assert.deepEqual(
      logTicks(1e-6, 1e-4, 8).map((t) => formatLogTick(t.value)),
      ['1e-6', '2e-6', '5e-6', '1e-5', '2e-5', '5e-5', '1e-4'],
    );
  });

  test('HTML carries a strict CSP and loads only nonce-tagged script and the given URIs', () => {
    const html = renderGradientFlowHtml({
      cspSource: 'https://x.test',
      nonce: 'abc+/=',
      styleNonce: 'sty',
      scriptUri: 'https://x.test/a.js',
      styleUri: 'https://x.test/a.css',
    });
    const csp = webviewCsp('https://x.test', 'abc+/=', 'sty');
    assert.equal(
      csp,
      "default-src 'none'; script-src 'nonce-abc+/='; style-src https://x.test 'nonce-sty'; img-src https://x.test data:; font-src https://x.test",
    );
    assert.ok(!csp.includes('unsafe'), csp);
    assert.match(csp, /^default-src 'none'; /);
    assert.ok(html.includes(`content="${csp}"`));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.ok(html.includes('<script nonce="abc+/=" src="https://x.test/a.js">'));
    assert.ok(!/style="/.test(html), 'no inline style attributes');
  });
});
