// Tests of the Gradient Flow view: pure parts and provider in Node, the built bundle in headless Chromium.

// Run after `node scripts/build.mjs`:  node --import tsx --test test/webview/gradientFlow.test.ts

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { renderGradientFlowHtml } from '../../extension/views/gradientFlowHtml';
import { webviewCsp } from '../../webview/page';
import { THEMES } from './themes';
import { loadHostClasses, standInUri, standInWebviewView, type HostClasses } from '../../bench/hostStandIn';
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
import { appendSeries, emptySeries, minMaxIndices } from '../../webview/gradientFlow/series';
import { formatLogTick, logBounds, logDisplayValue, logTicks } from '../../webview/gradientFlow/scales';
import { parseHostToWebview, parsePersistedState } from '../../webview/gradientFlow/validate';
import type { HostToWebview, PreviousRun } from '../../webview/gradientFlow/protocol';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist', 'webview');
const SHOTS = path.join(ROOT, 'test-results', 'webview');

// ---------------------------------------------------------------------------------------------------------------
// Pure parts
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Host-side provider, against a minimal stand-in for the `vscode` module
// ---------------------------------------------------------------------------------------------------------------

/** A WebviewView as the provider sees it, receiving the host's messages as VS Code delivers them (JSON). */
function fakeView() {
  const received: HostToWebview[] = [];
  const open = standInWebviewView((m) => {
    received.push(JSON.parse(JSON.stringify(m)));
    return Promise.resolve(true);
  });
  return { ...open, received };
}

describe('GradientFlowViewProvider (node, stand-in vscode)', () => {
  let Provider: HostClasses['GradientFlowViewProvider'];
  before(async () => {
    Provider = (await loadHostClasses()).GradientFlowViewProvider;
  });

  function make() {
    const logs: string[] = [];
    const provider = new Provider(standInUri('/ext') as never, {
      enabled: () => true,
      log: (_level, m) => {
        logs.push(m);
      },
    });
    const commands: string[] = [];
    provider.onDidReceiveCommand((c) => commands.push(c));
    const v = fakeView();
    return { provider, logs, commands, ...v };
  }

  test('serves the HTML with the strict CSP and resources from dist/webview only', () => {
    const { provider, view } = make();
    assert.equal(Provider.viewType, 'nnet.gradientFlow');
    provider.resolveWebviewView(view as never);
    assert.equal(view.webview.options.enableScripts, true);
    assert.deepEqual(
      view.webview.options.localResourceRoots?.map((u) => u.path),
      ['/ext/dist/webview'],
    );
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(view.webview.html)?.[1] ?? '';
    assert.match(
      csp,
      /^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]{24}'; style-src https:\/\/csp\.bench 'nonce-[A-Za-z0-9+/=]{24}';/,
    );
    assert.ok(view.webview.html.includes('src="https://file+.vscode-resource.bench/ext/dist/webview/gradientFlow.js"'));
    assert.ok(
      view.webview.html.includes('href="https://file+.vscode-resource.bench/ext/dist/webview/gradientFlow.css"'),
    );
    provider.dispose();
  });

  test('a view opened mid-run is replayed the run so far when it says ready, then gets live updates', () => {
    const { provider, view, fromWebview, received } = make();
    provider.post({ kind: 'reset', title: 'xor', layerNames: LAYERS });
    provider.post({ kind: 'loss', points: lossPoints(0, 50) });
    provider.post({ kind: 'loss', points: lossPoints(50, 100) });
    provider.post({ kind: 'gradFlow', layers: GRADS, step: 9 });
    provider.post({ kind: 'state', state: 'training', text: 'epoch 100' });
    provider.resolveWebviewView(view as never);
    assert.equal(received.length, 0, 'nothing is sent before the page is listening');
    fromWebview.fire({ kind: 'ready' });
    assert.deepEqual(
      received.map((m) => m.kind),
      ['snapshot'],
    );
    const snap = received[0];
    assert.ok(
      snap.kind === 'snapshot' &&
        snap.model.loss.points.length === 100 &&
        snap.model.step === 9 &&
        snap.model.stateText === 'epoch 100',
    );
    provider.post({ kind: 'loss', points: lossPoints(100, 101) });
    assert.deepEqual(received.at(-1), { kind: 'loss', points: lossPoints(100, 101) });
    provider.dispose();
  });

  test('before any run, a replay sends only the limits and the state, keeping what the view restored itself', () => {
    const { provider, view, fromWebview, received } = make();
    provider.resolveWebviewView(view as never);
    fromWebview.fire({ kind: 'ready' });
    assert.deepEqual(
      received.map((m) => m.kind),
      ['limits', 'state'],
    );
    provider.dispose();
  });

  test('commands are forwarded; malformed webview messages are logged and dropped', () => {
    const { provider, view, fromWebview, logs, commands } = make();
    provider.resolveWebviewView(view as never);
    for (const junk of [null, 'train', { kind: 'command' }, { kind: 'command', command: 'rm -rf' }, { kind: 'eval' }]) {
      fromWebview.fire(junk);
    }
    for (const command of ['train', 'debug', 'pause', 'continue', 'stop'])
      fromWebview.fire({ kind: 'command', command });
    assert.deepEqual(commands, ['train', 'debug', 'pause', 'continue', 'stop']);
    assert.equal(logs.length, 5);
    assert.ok(logs.every((l) => l.includes('malformed')));
    provider.dispose();
  });

  test('a view first opened after a run finished shows how it ended, even over a restored first step', () => {
    const { provider, view, fromWebview, received } = make();
    const run = finishedRun(2000);
    for (const m of run) provider.post(m);
    // What a view still showing the run's first update (restored from its own saved state) would hold.
    const shown = emptyModel();
    for (const m of run.slice(0, 6)) applyMessage(shown, m);
    assert.equal(shown.step, 1);
    provider.resolveWebviewView(view as never);
    fromWebview.fire({ kind: 'ready' });
    for (const m of received) {
      const parsed = parseHostToWebview(JSON.parse(JSON.stringify(m)));
      assert.ok(parsed, `valid after JSON: ${m.kind}`);
      applyMessage(shown, parsed);
    }
    assert.equal(shown.step, 2000);
    assert.deepEqual(shown.layers, run.filter((m) => m.kind === 'gradFlow').at(-1)?.layers);
    assert.equal(lossPointsForDisplay(shown.loss).at(-1)?.epoch, 2000);
    assert.equal(shown.state, 'finished');
    provider.dispose();
  });

  test('hidden views get nothing live and are replayed when shown; disposal releases every listener', () => {
    const { provider, view, fromWebview, visibility, disposal, received } = make();
    provider.resolveWebviewView(view as never);
    fromWebview.fire({ kind: 'ready' });
    received.length = 0;
    view.visible = false;
    visibility.fire();
    provider.post({ kind: 'reset', title: 'r2', layerNames: ['a'] });
    assert.equal(received.length, 0);
    view.visible = true;
    visibility.fire();
    assert.deepEqual(
      received.map((m) => m.kind),
      ['snapshot'],
    );
    const snap = received[0];
    assert.ok(snap.kind === 'snapshot' && snap.model.title === 'r2', 'the run that began while hidden');

    disposal.fire();
    for (const e of [fromWebview, visibility, disposal]) assert.equal(e.listeners.size, 0);
    provider.post({ kind: 'state', state: 'idle', text: 'x' });
    const second = fakeView();
    provider.resolveWebviewView(second.view as never);
    provider.dispose();
    for (const e of [second.fromWebview, second.visibility, second.disposal]) assert.equal(e.listeners.size, 0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Headless Chromium
// ---------------------------------------------------------------------------------------------------------------

type Theme = keyof typeof THEMES;

/**
 * What VS Code puts in front of a webview's own markup (see its webview `pre/index.html`): default styles in
 * `@layer vscode-default`, and the `acquireVsCodeApi` script. Both precede the page's CSP meta tag, which is why
 * VS Code's inline script runs under a nonce-only policy — and why this stand-in may be inline too.
 * Here the API records posted messages and keeps state in sessionStorage so it survives a reload, JSON-encoded
 * like VS Code's. CSP violations are recorded from the start.
 */
const PRELUDE = `
<style id="_defaultStyles">@layer vscode-default {
  html { background: var(--vscode-sideBar-background); }
  body { background-color: transparent; color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family);
    font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); margin: 0; padding: 0 20px; }
}</style>
<script id="_vscodeApiScript">
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  window.__posted = [];
  window.__setStateCount = 0;
  globalThis.acquireVsCodeApi = (() => {
    let acquired = false;
    const saved = sessionStorage.getItem('vscode-state');
    let state = saved ? JSON.parse(saved) : undefined;
    return () => {
      if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
      acquired = true;
      return Object.freeze({
        postMessage(message) { window.__posted.push(JSON.parse(JSON.stringify(message))); },
        setState(s) { state = s; sessionStorage.setItem('vscode-state', JSON.stringify(s)); window.__setStateCount++; return s; },
        getState() { return state; },
      });
    };
  })();
</script>`;

function themeStyleAttr(theme: Theme): string {
  return Object.entries(THEMES[theme])
    .map(([k, v]) => `--vscode-${k}: ${v}`)
    .join('; ')
    .replace(/"/g, '&quot;');
}

/** The page as VS Code would deliver it: the extension's HTML with the prelude, theme variables and body class. */
function pageHtml(origin: string, theme: Theme): string {
  const html = renderGradientFlowHtml({
    cspSource: origin,
    nonce: crypto.randomBytes(18).toString('base64'),
    styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: `${origin}/dist/webview/gradientFlow.js`,
    styleUri: `${origin}/dist/webview/gradientFlow.css`,
  });
  const kind = `vscode-${theme}`;
  return html
    .replace('<html lang="en">', `<html lang="en" style="${themeStyleAttr(theme)}">`)
    .replace('<head>', `<head>${PRELUDE}`)
    .replace('<body>', `<body class="${kind}" data-vscode-theme-kind="${kind}" role="document">`);
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

function startServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = `http://${req.headers.host}`;
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/') {
      const theme: Theme = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml(origin, theme));
      return;
    }
    const rel = url.pathname.replace(/^\/dist\/webview\//, '');
    const file = path.join(DIST, path.basename(rel));
    if (!url.pathname.startsWith('/dist/webview/') || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Snapshot {
  labels: unknown[];
  datasets: { label: string; data: unknown[]; color: string; colors?: string[]; hidden: boolean }[];
  yScale: { type: string; min: number; max: number };
  marker?: number | null;
  xAxis?: 'epoch' | 'step';
}
interface Read {
  ratio: Snapshot;
  gradFlow: Snapshot;
  loss: Snapshot;
  norm: Snapshot;
  ranks: Snapshot;
}

declare global {
  interface Window {
    __cspViolations: unknown[];
    __posted: unknown[];
    __setStateCount: number;
  }
}

/** Delivers a host message the way VS Code does: JSON-serialised by the extension host, then window.postMessage. */
function send(page: Page, msg: HostToWebview): Promise<void> {
  return page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(msg));
}

/** Delivers anything at all, as a buggy or hostile sender could. */
function sendRaw(page: Page, data: unknown): Promise<void> {
  return page.evaluate((d) => window.postMessage(d, '*'), data);
}

function read(page: Page): Promise<Read> {
  return page.evaluate(() => {
    const inspector = window.nnetGradientFlow;
    if (!inspector) throw new Error('view did not start');
    return inspector.read();
  });
}

/** Waits until the view has processed everything posted so far and drawn it in view (messages are tasks, drawing is per frame). */
async function frames(page: Page): Promise<void> {
  await page.evaluate(
    () => new Promise<void>((r) => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 0)), 0)),
  );
}

/** `frames`, then the panels out of view drawn too (they would be within a second; `read()` draws them now). */
async function settle(page: Page): Promise<void> {
  await frames(page);
  await page.evaluate(() => void window.nnetGradientFlow?.read());
}

function posted(page: Page): Promise<unknown[]> {
  return page.evaluate(() => window.__posted);
}

function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Pixels of a canvas that are painted at all, and that are (nearly) the given opaque colour. */
function canvasPixels(
  page: Page,
  id: string,
  hex: string,
): Promise<{ painted: number; matching: number; total: number }> {
  return page.evaluate(
    ({ id, rgb }) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      // A chart in a panel just shown is sized by chart.js's resize observer a frame or more later.
      if (c.width === 0 || c.height === 0) return { painted: 0, matching: 0, total: 0 };
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      let matching = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        painted++;
        if (
          d[i + 3] > 240 &&
          Math.abs(d[i] - rgb[0]) < 6 &&
          Math.abs(d[i + 1] - rgb[1]) < 6 &&
          Math.abs(d[i + 2] - rgb[2]) < 6
        )
          matching++;
      }
      return { painted, matching, total: d.length / 4 };
    },
    { id, rgb: hexRgb(hex) },
  );
}

/** Switches theme the way VS Code's `applyStyles` does: body class first, then the <html> variables. */
function switchTheme(page: Page, theme: Theme): Promise<void> {
  return page.evaluate(
    ({ theme, vars }) => {
      const kind = `vscode-${theme}`;
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
      document.body.classList.add(kind);
      document.body.dataset.vscodeThemeKind = kind;
      const style = document.documentElement.style;
      for (let i = style.length - 1; i >= 0; i--) if (style[i].startsWith('--vscode-')) style.removeProperty(style[i]);
      for (const [k, v] of Object.entries(vars)) style.setProperty(`--vscode-${k}`, v);
    },
    { theme, vars: THEMES[theme] },
  );
}

const LAYERS = ['h1', 'h2', 'out'];
const GRADS = [
  { name: 'h1', meanAbsGrad: 0.0021, maxAbsGrad: 0.034 },
  { name: 'h2', meanAbsGrad: 0.012, maxAbsGrad: 0.11 },
  { name: 'out', meanAbsGrad: 0.093, maxAbsGrad: 0.41 },
];
function lossPoints(from: number, to: number): { epoch: number; loss: number }[] {
  const out = [];
  for (let e = from; e < to; e++)
    out.push({ epoch: e, loss: 0.69 * Math.exp(-e / 60) + 0.02 + 0.01 * Math.sin(e / 3) });
  return out;
}

/**
 * What the host posts for a Train run of one step per epoch, as TrainingDisplay does: reset and state, then per
 * progress update (every 7 steps here, the first at step 1) the bars, the new epoch losses, one per-step loss and
 * one norm sample (clipped above 1 early on) and the state; the last update is the finished run's.
 */
function finishedRun(steps: number): HostToWebview[] {
  const out: HostToWebview[] = [
    { kind: 'reset', title: 'xor.nnet', layerNames: ['h1', 'out'] },
    { kind: 'state', state: 'training', text: 'Training xor.nnet…' },
  ];
  let sent = 0;
  for (let step = 1; step <= steps; step = step === steps ? steps + 1 : Math.min(steps, step + 7)) {
    const g = 0.1 / (1 + step / 100);
    out.push({
      kind: 'gradFlow',
      step,
      layers: [
        { name: 'h1', meanAbsGrad: g / 10, maxAbsGrad: g, updateRatio: g / 50 },
        { name: 'out', meanAbsGrad: g, maxAbsGrad: 2 * g, updateRatio: g / 20 },
      ],
    });
    out.push({
      kind: 'loss',
      points: Array.from({ length: step - sent }, (_, k) => ({
        epoch: sent + k + 1,
        loss: 0.7 / (1 + (sent + k) / 50),
      })),
    });
    sent = step;
    out.push({ kind: 'stepLoss', points: [{ step, loss: 0.7 / (1 + step / 50) }] });
    out.push({
      kind: 'gradNorm',
      clipNorm: 1,
      points: [{ step, before: 3 / (1 + step / 1000), after: Math.min(1, 3 / (1 + step / 1000)) }],
    });
    out.push(
      step === steps
        ? { kind: 'state', state: 'finished', text: `xor.nnet: finished after ${steps} steps` }
        : { kind: 'state', state: 'training', text: `Training xor.nnet: epoch ${step}/${steps}` },
    );
  }
  return out;
}

async function feedRun(page: Page): Promise<void> {
  await send(page, { kind: 'reset', title: 'xor.nnet', layerNames: LAYERS });
  await send(page, { kind: 'state', state: 'training', text: 'Epoch 300/2000 · loss 0.0312 · 850 steps/s' });
  await send(page, { kind: 'loss', points: lossPoints(0, 150) });
  await send(page, { kind: 'loss', points: lossPoints(150, 300) });
  await send(page, { kind: 'gradFlow', layers: GRADS, step: 1200 });
  await settle(page);
}

describe('gradient flow webview (headless Chromium)', () => {
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    assert.ok(
      fs.existsSync(path.join(DIST, 'gradientFlow.js')),
      'dist/webview/gradientFlow.js missing: run `node scripts/build.mjs` first',
    );
    server = await startServer();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  /** A fresh view (new context, so no persisted state) in a 300 px wide sidebar. */
  async function open(theme: Theme = 'dark'): Promise<void> {
    await context?.close();
    context = await browser.newContext({ viewport: { width: 300, height: 720 }, deviceScaleFactor: 2 });
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console.error: ${m.text()}`);
    });
    await page.goto(`${origin}/?theme=${theme}`);
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle(page);
  }

  async function assertHealthy(): Promise<void> {
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'CSP violations');
    assert.deepEqual(pageErrors, [], 'page errors');
  }

  test('starts under the strict CSP, posts ready, upgrades the toolkit buttons', async () => {
    await open();
    assert.deepEqual(await posted(page), [{ kind: 'ready' }]);
    const upgraded = await page.evaluate(() =>
      ['train', 'stop'].map((id) => {
        const e = document.getElementById(id) as HTMLElement;
        // A defined toolkit element renders a real <button> in its shadow root, styled by adopted stylesheets.
        return {
          hasShadowButton: !!e.shadowRoot?.querySelector('button'),
          sheets: e.shadowRoot?.adoptedStyleSheets.length ?? 0,
        };
      }),
    );
    for (const u of upgraded) assert.ok(u.hasShadowButton && u.sheets > 0, JSON.stringify(upgraded));
    const styled = await page.evaluate(() => getComputedStyle(document.body).paddingLeft);
    assert.equal(styled, '12px', 'own stylesheet loaded (it overrides VS Code default padding)');
    await assertHealthy();
  });

  test('draws reset, gradFlow and loss: chart labels, values and pixels', async () => {
    await open();
    await feedRun(page);
    const r = await read(page);
    assert.deepEqual(r.gradFlow.labels, LAYERS);
    assert.deepEqual(
      r.gradFlow.datasets.map((d) => d.label),
      ['mean |grad|', 'max |grad|'],
    );
    assert.deepEqual(
      r.gradFlow.datasets[0].data,
      GRADS.map((g) => g.meanAbsGrad),
    );
    assert.deepEqual(
      r.gradFlow.datasets[1].data,
      GRADS.map((g) => g.maxAbsGrad),
    );
    assert.equal(r.gradFlow.yScale.type, 'logarithmic');
    assert.deepEqual([r.gradFlow.yScale.min, r.gradFlow.yScale.max], [1e-3, 1]);
    const loss = r.loss.datasets[0].data as { x: number; y: number }[];
    assert.equal(loss.length, 300);
    assert.deepEqual(loss[0], { x: 0, y: lossPoints(0, 1)[0].loss });
    assert.equal(loss[299].x, 299);

    const bars = await canvasPixels(page, 'gradflow-chart', THEMES.dark['charts-blue']);
    assert.ok(bars.matching > 500, `mean bars drawn in charts-blue: ${JSON.stringify(bars)}`);
    const maxBars = await canvasPixels(page, 'gradflow-chart', THEMES.dark['charts-orange']);
    assert.ok(maxBars.matching > 200, `max bars drawn in charts-orange: ${JSON.stringify(maxBars)}`);
    const line = await canvasPixels(page, 'loss-chart', THEMES.dark['charts-blue']);
    assert.ok(line.matching > 100, `loss line drawn: ${JSON.stringify(line)}`);

    const text = await page.evaluate(() => ({
      status: document.getElementById('status')?.textContent,
      state: document.getElementById('status')?.dataset.state,
      step: document.getElementById('step')?.textContent,
      title: document.getElementById('title')?.textContent,
      table: [...document.querySelectorAll('#gradflow-table tbody tr')].map((tr) => tr.textContent),
      aria: document.getElementById('gradflow-chart')?.getAttribute('aria-label'),
      trainDisabled: document.getElementById('train')?.hasAttribute('disabled'),
      stopDisabled: document.getElementById('stop')?.hasAttribute('disabled'),
    }));
    assert.equal(text.status, 'Epoch 300/2000 · loss 0.0312 · 850 steps/s');
    assert.equal(text.state, 'training');
    assert.equal(text.step, 'step 1200');
    assert.equal(text.title, 'xor.nnet');
    assert.deepEqual(text.table, ['h10.00210.034ok', 'h20.0120.11ok', 'out0.0930.41ok']);
    for (const name of LAYERS) assert.match(text.aria ?? '', new RegExp(`\\b${name}\\b`));
    assert.equal(text.trainDisabled, true);
    assert.equal(text.stopDisabled, false);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-dark.png'), fullPage: true });
    await assertHealthy();
  });

  test('toolkit buttons post commands, and respect the training state', async () => {
    await open();
    await page.click('#train');
    await settle(page);
    assert.deepEqual((await posted(page)).slice(1), [{ kind: 'command', command: 'train' }]);
    await send(page, { kind: 'state', state: 'training', text: 'Training…' });
    await settle(page);
    await page.click('#train', { force: true });
    await page.click('#stop');
    await settle(page);
    assert.deepEqual((await posted(page)).slice(1), [
      { kind: 'command', command: 'train' },
      { kind: 'command', command: 'stop' },
    ]);
    await assertHealthy();
  });

  test('Debug, Pause/Continue and Stop follow a debug session; a paused session is marked on the loss and norm curves', async () => {
    await open('light');
    const enabled = (id: string) => page.evaluate((i) => !document.getElementById(i)!.hasAttribute('disabled'), id);
    assert.deepEqual(
      [await enabled('train'), await enabled('debug'), await enabled('pause'), await enabled('stop')],
      [true, true, false, false],
    );
    await page.click('#debug');
    await feedRun(page);
    await send(page, {
      kind: 'gradNorm',
      points: [
        { step: 40, before: 2, after: 1 },
        { step: 80, before: 1.5, after: 1 },
      ],
      clipNorm: 1,
    });
    await send(page, { kind: 'state', state: 'training', text: 'Training xor.nnet', debugging: true });
    await settle(page);
    assert.deepEqual(
      [await enabled('train'), await enabled('debug'), await enabled('pause'), await enabled('stop')],
      [false, false, true, true],
    );
    assert.equal((await page.locator('#pause').innerText()).trim(), 'Pause');
    assert.equal((await read(page)).loss.marker, null, 'no marker while running');
    await page.click('#pause');
    await send(page, {
      kind: 'state',
      state: 'paused',
      text: 'Paused on backward h1 · step 61',
      debugging: true,
      at: { step: 61, epoch: 100 },
    });
    await settle(page);
    assert.equal((await page.locator('#pause').innerText()).trim(), 'Continue');
    const r = await read(page);
    assert.deepEqual([r.loss.marker, r.norm.marker], [100, 61]);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-paused-light.png'), fullPage: true });
    await page.focus('#pause');
    await page.keyboard.press('Enter');
    await send(page, { kind: 'state', state: 'training', text: 'Training xor.nnet', debugging: true });
    await settle(page);
    assert.equal((await read(page)).loss.marker, null);
    await page.click('#stop');
    await settle(page);
    assert.deepEqual(
      (await posted(page)).slice(1),
      ['debug', 'pause', 'continue', 'stop'].map((command) => ({ kind: 'command', command })),
    );
    // A Train run (no debugger) cannot be paused.
    await send(page, { kind: 'state', state: 'training', text: 'Training xor.nnet', debugging: false });
    await settle(page);
    assert.equal(await enabled('pause'), false);
    await assertHealthy();
  });

  test('the loss curve per step: the sampled mini-batch losses against the step, the marker in steps, persisted', async () => {
    await open('light');
    await feedRun(page);
    await send(page, {
      kind: 'stepLoss',
      points: [
        { step: 100, loss: 0.5 },
        { step: 400, loss: 0.2 },
        { step: 1200, loss: 0.05 },
      ],
    });
    await send(page, {
      kind: 'state',
      state: 'paused',
      text: 'Paused on backward h1 · step 1200',
      debugging: true,
      at: { step: 1200, epoch: 300 },
    });
    await settle(page);
    let r = await read(page);
    assert.deepEqual([r.loss.xAxis, r.loss.marker, r.loss.datasets[0].data.length], ['epoch', 300, 300]);
    await page.click('#loss-steps');
    await settle(page);
    r = await read(page);
    assert.equal(r.loss.xAxis, 'step');
    assert.deepEqual(r.loss.datasets[0].data, [
      { x: 100, y: 0.5 },
      { x: 400, y: 0.2 },
      { x: 1200, y: 0.05 },
    ]);
    assert.equal(r.loss.marker, 1200);
    assert.match(await page.locator('#loss-summary').innerText(), /^step 1200: 0\.05 · min 0\.05/);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-loss-per-step-light.png'), fullPage: true });
    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle(page);
    assert.equal((await read(page)).loss.xAxis, 'step', 'the choice survives a reload');
    await assertHealthy();
  });

  test('the run selector compares with any of the last five runs', async () => {
    await open('dark');
    for (const [i, name] of ['sigmoid.nnet', 'tanh.nnet', 'relu.nnet'].entries()) {
      await send(page, { kind: 'reset', title: name, layerNames: LAYERS });
      await send(page, { kind: 'loss', points: lossPoints(0, 50 * (i + 1)) });
    }
    await settle(page);
    assert.equal((await read(page)).loss.datasets[2].label, 'previous: tanh.nnet');
    const options = (await page.locator('#loss-compare vscode-option').allInnerTexts()).map((t) => t.trim());
    assert.equal(options.length, 2);
    assert.match(options[0], /^last run: tanh\.nnet \(loss /);
    assert.match(options[1], /^2 runs ago: sigmoid\.nnet/);
    await page.click('#loss-compare');
    await page.locator('#loss-compare vscode-option', { hasText: '2 runs ago' }).click();
    await settle(page);
    let r = await read(page);
    assert.equal(r.loss.datasets[2].label, 'previous: sigmoid.nnet');
    assert.equal(r.loss.datasets[2].data.length, 50);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-selector-dark.png'), fullPage: true });
    // The choice survives a reload; a new run compares with the run just before it again.
    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle(page);
    assert.equal((await read(page)).loss.datasets[2].label, 'previous: sigmoid.nnet');
    await send(page, { kind: 'reset', title: 'gelu.nnet', layerNames: LAYERS });
    await settle(page);
    r = await read(page);
    assert.equal(r.loss.datasets[2].label, 'previous: relu.nnet');
    await assertHealthy();
  });

  test('malformed messages are ignored and the view keeps working', async () => {
    await open();
    await feedRun(page);
    const before = await read(page);
    const junk: unknown[] = [
      null,
      undefined,
      42,
      'reset',
      [],
      { kind: 'nope' },
      { kind: 'reset' },
      { kind: 'reset', title: 1, layerNames: [] },
      { kind: 'reset', title: 'x', layerNames: [{}] },
      { kind: 'gradFlow', layers: 'h1', step: 1 },
      { kind: 'gradFlow', layers: [{ name: 'h1', meanAbsGrad: '0.1', maxAbsGrad: 1 }], step: 1 },
      { kind: 'gradFlow', layers: [null], step: 1 },
      { kind: 'loss', points: [{ epoch: 'a', loss: 1 }] },
      { kind: 'loss', points: null },
      { kind: 'state', state: 'exploded', text: 'x' },
      { kind: 'state', state: 'idle' },
      { kind: '__proto__' },
      { kind: 'loss', points: Array.from({ length: 100_001 }, () => ({ epoch: 0, loss: 0 })) },
    ];
    for (const j of junk) await sendRaw(page, j);
    await settle(page);
    assert.deepEqual(await read(page), before);
    await send(page, {
      kind: 'gradFlow',
      layers: GRADS.map((g) => ({ ...g, meanAbsGrad: g.meanAbsGrad * 2 })),
      step: 1300,
    });
    await settle(page);
    assert.deepEqual(
      (await read(page)).gradFlow.datasets[0].data,
      GRADS.map((g) => g.meanAbsGrad * 2),
    );
    await assertHealthy();
  });

  test('zero, negative, NaN and Infinity on the log scales never crash', async () => {
    await open();
    await send(page, { kind: 'reset', title: 'bad', layerNames: LAYERS });
    const layers = [
      { name: 'h1', meanAbsGrad: 0, maxAbsGrad: -1 },
      { name: 'h2', meanAbsGrad: NaN, maxAbsGrad: Infinity },
      { name: 'out', meanAbsGrad: 0.05, maxAbsGrad: 0.2 },
    ];
    await send(page, { kind: 'gradFlow', layers, step: 1 });
    await send(page, {
      kind: 'loss',
      points: [
        { epoch: 0, loss: 1 },
        { epoch: 1, loss: NaN },
        { epoch: 2, loss: 0 },
        { epoch: 3, loss: 0.5 },
      ],
    });
    await settle(page);
    let r = await read(page);
    const { min } = r.gradFlow.yScale;
    assert.equal(min, 1e-2, 'a decade below the smallest finite positive value');
    // JSON turns NaN/Infinity into null on the way in; they are gaps, never a fake magnitude.
    assert.deepEqual(r.gradFlow.datasets[0].data, [min, null, 0.05]);
    assert.deepEqual(r.gradFlow.datasets[1].data, [min, null, 0.2]);
    assert.match(await page.locator('#nonfinite').innerText(), /Non-finite gradient.*h2/);
    assert.deepEqual(
      (r.loss.datasets[0].data as { y: number | null }[]).map((p) => p.y),
      [1, null, 0, 0.5],
    );

    await page.click('#loss-log');
    await settle(page);
    r = await read(page);
    assert.equal(r.loss.yScale.type, 'logarithmic');
    // The zero loss sits on the axis minimum, a decade below the smallest positive loss.
    assert.equal(r.loss.yScale.min, 0.1);
    assert.deepEqual(
      (r.loss.datasets[0].data as { y: number | null }[]).map((p) => p.y),
      [1, null, 0.1, 0.5],
    );
    // A raw NaN (a sender that skips JSON) is still a number; it must draw as a gap too.
    await sendRaw(page, { kind: 'gradFlow', layers: [{ name: 'h1', meanAbsGrad: NaN, maxAbsGrad: NaN }], step: 2 });
    await settle(page);
    r = await read(page);
    assert.deepEqual(r.gradFlow.datasets[0].data, [null]);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-nonfinite.png'), fullPage: true });
    await assertHealthy();
  });

  test('the loss curve stays bounded on long runs', async () => {
    await open();
    await send(page, { kind: 'reset', title: 'long', layerNames: LAYERS });
    for (let e = 0; e < 9000; e += 250) await send(page, { kind: 'loss', points: lossPoints(e, e + 250) });
    await settle(page);
    const data = (await read(page)).loss.datasets[0].data as { x: number }[];
    assert.ok(data.length <= MAX_SHOWN_POINTS && data.length > 1000, `${data.length} points`);
    assert.equal(data[0].x, 0);
    assert.equal(data[data.length - 1].x, 8999);
    assert.match(await page.locator('#loss-summary').innerText(), /lowest and highest of every 16 shown/);
    await assertHealthy();
  });

  test('panels out of view are drawn within a second while data streams in, and at once when scrolled into view', async () => {
    await open();
    await send(page, { kind: 'reset', title: 'xor.nnet', layerNames: LAYERS });
    await settle(page);
    const normSummary = () => page.locator('#norm-summary').textContent();
    const inView = () =>
      page.evaluate(() => {
        const r = document.getElementById('norm-chart')!.getBoundingClientRect();
        return r.top < window.innerHeight && r.bottom > 0;
      });
    assert.equal(await inView(), false, 'the norm chart starts below the fold of a 720 px sidebar');
    const norm = (step: number) =>
      send(page, { kind: 'gradNorm', points: [{ step, before: 2, after: 1 }], clipNorm: 1 });
    await norm(10);
    await frames(page);
    assert.equal(await normSummary(), '', 'drawn less than a second ago: put off');
    await page.waitForFunction(
      () => document.getElementById('norm-summary')!.textContent!.startsWith('step 10'),
      null,
      {
        timeout: 3000,
      },
    );
    await norm(20);
    await frames(page);
    assert.match((await normSummary()) ?? '', /^step 10:/);
    await page.evaluate(() => document.getElementById('norm-chart')!.scrollIntoView());
    await page.waitForFunction(
      () => document.getElementById('norm-summary')!.textContent!.startsWith('step 20'),
      null,
      {
        timeout: 500,
      },
    );
    assert.equal(await inView(), true);
    const painted = await canvasPixels(page, 'norm-chart', THEMES.dark['charts-orange']);
    assert.ok(painted.matching > 50, `the scrolled-to chart is drawn: ${JSON.stringify(painted)}`);
    await assertHealthy();
  });

  test('while a run streams in, the view draws at most about twice a second; an end draws at once; the dot beats without an animation', async () => {
    await open();
    await send(page, { kind: 'reset', title: 'xor.nnet', layerNames: LAYERS });
    await send(page, { kind: 'state', state: 'training', text: 'Training xor.nnet: step 0' });
    await settle(page);
    // Every time the step or the status text is drawn, and every flip of the dot, with the page's clock.
    await page.evaluate(() => {
      const w = window as unknown as { __draws: { what: string; at: number; text: string }[] };
      w.__draws = [];
      // (No named functions in here: the test runner's transform would reference a helper the page lacks.)
      for (const [id, filter] of [
        ['step', undefined],
        ['status', ['data-beat']],
      ] as const) {
        const e = document.getElementById(id)!;
        new MutationObserver(() =>
          w.__draws.push({ what: id, at: performance.now(), text: `${e.textContent}|${e.dataset.beat ?? ''}` }),
        ).observe(e, { childList: true, characterData: true, subtree: true, attributeFilter: filter && [...filter] });
      }
    });
    // Updates every 100 ms for 2 s: 2.5 times faster than the host sends them, so the cap shows.
    for (let step = 1; step <= 20; step++) {
      await send(page, { kind: 'gradFlow', layers: GRADS, step });
      await send(page, { kind: 'state', state: 'training', text: `Training xor.nnet: step ${step}` });
      await page.waitForTimeout(100);
    }
    await page.waitForFunction(() => document.getElementById('step')!.textContent === 'step 20', null, {
      timeout: 1000,
    });
    const draws = await page.evaluate(
      () => (window as unknown as { __draws: { what: string; at: number; text: string }[] }).__draws,
    );
    const steps = draws.filter((d) => d.what === 'step');
    assert.ok(steps.length >= 3, `the bars were drawn while the run went on: ${JSON.stringify(steps)}`);
    for (let k = 1; k < steps.length; k++)
      assert.ok(steps[k].at - steps[k - 1].at >= 400, `drawn ${steps[k].at - steps[k - 1].at} ms apart`);
    const statusTexts = draws.filter((d) => d.what === 'status');
    for (let k = 1; k < statusTexts.length; k++)
      assert.ok(statusTexts[k].at - statusTexts[k - 1].at >= 400, 'the status line is drawn with the charts');
    const beats = new Set(statusTexts.map((d) => d.text.split('|')[1]));
    assert.ok(beats.has('dim') && beats.has('bright'), `the dot dimmed and brightened: ${[...beats]}`);
    const animation = await page.evaluate(
      () => getComputedStyle(document.getElementById('status')!, '::before').animationName,
    );
    assert.equal(animation, 'none', 'no CSS animation: it would have the page paint every frame');
    // A stop, an end or a pause is drawn at the next frame, however recently the view drew.
    await send(page, { kind: 'gradFlow', layers: GRADS, step: 21 });
    await send(page, { kind: 'state', state: 'finished', text: 'xor.nnet: finished after 21 steps' });
    await frames(page);
    assert.equal(await page.locator('#step').textContent(), 'step 21');
    assert.equal(await page.locator('#status').textContent(), 'xor.nnet: finished after 21 steps');
    await assertHealthy();
  });

  test('series legends are HTML above each chart: labels, only the curves drawn, a click hides and shows a series', async () => {
    await open();
    await feedRun(page);
    const legend = (id: string) =>
      page.evaluate((id) => {
        const list = document.getElementById(id)!;
        return {
          hidden: list.hidden,
          items: [...list.querySelectorAll('li')]
            .filter((li) => !li.hidden)
            .map(
              (li) =>
                `${li.textContent}${li.querySelector('button')!.getAttribute('aria-pressed') === 'false' ? ' (off)' : ''}`,
            ),
        };
      }, id);
    assert.deepEqual(await legend('gradflow-legend'), { hidden: false, items: ['mean |grad|', 'max |grad|'] });
    assert.deepEqual(await legend('ratio-legend'), { hidden: false, items: ['update / weight', 'healthy ≈ 1e-3'] });
    // Training loss alone: the axis title names it, no legend.
    assert.equal((await legend('loss-legend')).hidden, true);
    // No clipping: the threshold's entry is struck through, as chart.js's legend did.
    assert.deepEqual(await legend('norm-legend'), {
      hidden: false,
      items: ['before clip', 'after clip', 'clip threshold (off)'],
    });
    await send(page, { kind: 'loss', points: [{ epoch: 300, loss: 0.03, valLoss: 0.04 }] });
    await send(page, { kind: 'gradNorm', clipNorm: 1, points: [{ step: 1200, before: 2, after: 1 }] });
    await settle(page);
    assert.deepEqual(await legend('loss-legend'), { hidden: false, items: ['loss', 'validation loss'] });
    assert.deepEqual((await legend('norm-legend')).items, ['before clip', 'after clip', 'clip threshold']);
    // The max bars (charts-orange) go and come back with their entry, which says whether it is on.
    const orange = THEMES.dark['charts-orange'];
    const maxEntry = page.locator('#gradflow-legend li[data-dataset="1"] button');
    assert.ok((await canvasPixels(page, 'gradflow-chart', orange)).matching > 500);
    await maxEntry.click();
    assert.equal(await maxEntry.getAttribute('aria-pressed'), 'false');
    assert.equal((await canvasPixels(page, 'gradflow-chart', orange)).matching, 0, 'max bars hidden');
    await maxEntry.press('Enter');
    assert.equal(await maxEntry.getAttribute('aria-pressed'), 'true');
    assert.ok((await canvasPixels(page, 'gradflow-chart', orange)).matching > 500, 'max bars back');
    await assertHealthy();
  });

  test('state is restored from setState after a reload', async () => {
    await open();
    await feedRun(page);
    await page.click('#loss-log');
    await settle(page);
    const before = await read(page);
    assert.ok((await page.evaluate(() => window.__setStateCount)) > 0);
    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle(page);
    // Nothing was replayed by a host: what shows comes from getState alone.
    assert.deepEqual(await posted(page), [{ kind: 'ready' }]);
    assert.deepEqual(await read(page), before);
    assert.equal(await page.locator('#status').innerText(), 'Epoch 300/2000 · loss 0.0312 · 850 steps/s');
    assert.equal(await page.evaluate(() => (document.getElementById('loss-log') as HTMLInputElement).checked), true);
    await assertHealthy();
  });

  test('follows theme changes; screenshots in light and dark', async () => {
    await open('dark');
    await feedRun(page);
    await switchTheme(page, 'light');
    await settle(page);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-light.png'), fullPage: true });
    assert.deepEqual(
      (await read(page)).gradFlow.datasets.map((d) => d.color),
      [THEMES.light['charts-blue'], THEMES.light['charts-orange']],
    );
    const light = await canvasPixels(page, 'gradflow-chart', THEMES.light['charts-blue']);
    const staleDark = await canvasPixels(page, 'gradflow-chart', THEMES.dark['charts-blue']);
    assert.ok(light.matching > 500, `bars redrawn in the light charts-blue: ${JSON.stringify(light)}`);
    assert.equal(staleDark.matching, 0, 'no dark-theme bars left');

    // A deeper network with vanishing gradients: the log axis must span many decades legibly.
    const names = Array.from({ length: 10 }, (_, i) => (i === 9 ? 'out' : `s${i + 1}`));
    await send(page, { kind: 'reset', title: 'deep-sigmoid.nnet', layerNames: names });
    await send(page, {
      kind: 'gradFlow',
      step: 40,
      layers: names.map((name, i) => ({
        name,
        meanAbsGrad: 3e-10 * Math.pow(7, i),
        maxAbsGrad: 2e-9 * Math.pow(7, i),
      })),
    });
    await send(page, { kind: 'loss', points: lossPoints(0, 40).map((p) => ({ ...p, loss: p.loss + 0.2 })) });
    await send(page, { kind: 'state', state: 'paused', text: 'Paused at s3 (backward) · epoch 40' });
    await settle(page);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-deep-light.png'), fullPage: true });
    await switchTheme(page, 'dark');
    await settle(page);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-deep-dark.png'), fullPage: true });
    await assertHealthy();
  });

  test('highlights vanishing and exploding layers, draws the gradient-norm chart with the clip threshold and validation loss', async () => {
    for (const theme of ['dark', 'light'] as const) {
      await open(theme);
      const names = ['s1', 's2', 's3', 's4', 'boom', 'out'];
      await send(page, { kind: 'reset', title: 'deep-sigmoid.nnet', layerNames: names });
      await send(page, { kind: 'state', state: 'training', text: 'Training deep-sigmoid.nnet: epoch 80/200' });
      const layers = [
        { name: 's1', meanAbsGrad: 2e-9, maxAbsGrad: 1e-8 },
        { name: 's2', meanAbsGrad: 3e-7, maxAbsGrad: 2e-6 },
        { name: 's3', meanAbsGrad: 4e-5, maxAbsGrad: 3e-4 },
        { name: 's4', meanAbsGrad: 2e-3, maxAbsGrad: 1e-2 },
        { name: 'boom', meanAbsGrad: 40, maxAbsGrad: 300 },
        { name: 'out', meanAbsGrad: 0.05, maxAbsGrad: 0.3 },
      ];
      await send(page, { kind: 'gradFlow', layers, step: 80 });
      await send(page, {
        kind: 'loss',
        points: lossPoints(0, 80).map((p) => ({ ...p, valLoss: p.loss * 1.15 + 0.02 })),
      });
      const norms = Array.from({ length: 80 }, (_, i) => {
        const before = 0.3 + 4 * Math.exp(-i / 15) + 0.2 * Math.sin(i);
        return { step: i + 1, before, after: Math.min(before, 1) };
      });
      await send(page, { kind: 'gradNorm', clipNorm: 1, points: norms.slice(0, 40) });
      await send(page, { kind: 'gradNorm', clipNorm: 1, points: norms.slice(40) });
      await settle(page);

      const r = await read(page);
      const t = THEMES[theme];
      assert.deepEqual(r.gradFlow.datasets[0].colors, [
        t['charts-purple'],
        t['charts-purple'],
        t['charts-purple'],
        t['charts-blue'],
        t['charts-red'],
        t['charts-blue'],
      ]);
      assert.deepEqual(
        r.norm.datasets.map((d) => d.label),
        ['before clip', 'after clip', 'clip threshold'],
      );
      assert.equal(r.norm.datasets[0].data.length, 80);
      assert.deepEqual(r.norm.datasets[2].data, [
        { x: 1, y: 1 },
        { x: 80, y: 1 },
      ]);
      assert.equal(r.norm.yScale.type, 'logarithmic');
      assert.ok(r.norm.yScale.min <= 0.3 && r.norm.yScale.max >= 4, JSON.stringify(r.norm.yScale));
      assert.deepEqual(
        r.loss.datasets.map((d) => d.label),
        ['loss', 'validation loss', 'previous run'],
      );
      assert.equal(r.loss.datasets[2].hidden, true, 'no previous run, no overlay');
      assert.equal(r.loss.datasets[1].data.length, 80);

      const purple = await canvasPixels(page, 'gradflow-chart', t['charts-purple']);
      assert.ok(purple.matching > 200, `vanishing bars drawn in charts-purple: ${JSON.stringify(purple)}`);
      const red = await canvasPixels(page, 'gradflow-chart', t['charts-red']);
      assert.ok(red.matching > 100, `exploding bar drawn in charts-red: ${JSON.stringify(red)}`);
      const before = await canvasPixels(page, 'norm-chart', t['charts-orange']);
      assert.ok(before.matching > 50, `norm-before line drawn: ${JSON.stringify(before)}`);
      const val = await canvasPixels(page, 'loss-chart', t['charts-green']);
      assert.ok(val.matching > 30, `validation line drawn: ${JSON.stringify(val)}`);

      const text = await page.evaluate(() => ({
        health: document.getElementById('health-summary')?.textContent,
        norm: document.getElementById('norm-summary')?.textContent,
        loss: document.getElementById('loss-summary')?.textContent,
        legend: document.getElementById('health-legend')?.textContent?.replace(/\s+/g, ' ').trim(),
        table: [...document.querySelectorAll('#gradflow-table tbody tr')].map(
          (tr) => (tr as HTMLElement).dataset.health,
        ),
      }));
      assert.equal(text.health, 'Vanishing: s1, s2, s3 · Exploding: boom');
      const clipped = norms.filter((n) => n.before > 1).length;
      assert.match(text.norm ?? '', new RegExp(`threshold 1 · clipped in ${clipped}/80 samples`));
      assert.match(text.loss ?? '', / · val /);
      assert.match(text.legend ?? '', /vanishing.*exploding.*NaN/);
      assert.deepEqual(text.table, ['vanishing', 'vanishing', 'vanishing', 'ok', 'exploding', 'ok']);
      await page.screenshot({ path: path.join(SHOTS, `gradient-flow-health-${theme}.png`), fullPage: true });
      await assertHealthy();
    }
  });

  test('update-to-weight ratio: bars per layer on a log axis, a reference line at 1e-3, slow and fast highlighted', async () => {
    for (const theme of ['dark', 'light'] as const) {
      await open(theme);
      await feedRun(page);
      const ratios = [2e-6, 1.1e-3, 0.04];
      await send(page, {
        kind: 'gradFlow',
        step: 1300,
        layers: GRADS.map((g, i) => ({ ...g, updateRatio: ratios[i] })),
      });
      await settle(page);
      const r = (await read(page)).ratio;
      const t = THEMES[theme];
      assert.deepEqual(r.labels, LAYERS);
      assert.deepEqual(
        r.datasets.map((d) => d.label),
        ['update / weight', 'healthy ≈ 1e-3'],
      );
      assert.deepEqual(r.datasets[0].data, ratios);
      assert.deepEqual(r.datasets[0].colors, [t['charts-purple'], t['charts-blue'], t['charts-red']]);
      assert.deepEqual(r.datasets[1].data, [1e-3, 1e-3, 1e-3]);
      assert.equal(r.yScale.type, 'logarithmic');
      assert.deepEqual([r.yScale.min, r.yScale.max], [1e-6, 0.1]);
      // The dashed reference line is drawn in the threshold colour (charts-foreground).
      const fg = await canvasPixels(page, 'ratio-chart', t['charts-foreground']);
      assert.ok(fg.matching > 40, `reference line drawn in charts-foreground: ${JSON.stringify(fg)}`);
      const red = await canvasPixels(page, 'ratio-chart', t['charts-red']);
      assert.ok(red.matching > 100, `fast layer drawn in charts-red: ${JSON.stringify(red)}`);
      const text = await page.evaluate(() => ({
        summary: document.getElementById('ratio-summary')?.textContent,
        aria: document.getElementById('ratio-chart')?.getAttribute('aria-label'),
      }));
      assert.equal(text.summary, 'healthy ≈ 0.001 · slow (< 1e-4): h1 · fast (> 1e-2): out');
      assert.match(text.aria ?? '', /h1 2\.00e-6; h2 0\.0011; out 0\.04/);
      await page.screenshot({ path: path.join(SHOTS, `gradient-flow-ratio-${theme}.png`), fullPage: true });
      await assertHealthy();
    }
    // Before the first optimizer step (or from an older host) there are no ratios: no bars, a note instead.
    await send(page, { kind: 'gradFlow', step: 0, layers: GRADS });
    await settle(page);
    assert.deepEqual((await read(page)).ratio.datasets[0].data, [null, null, null]);
    assert.equal(await page.locator('#ratio-summary').innerText(), 'No optimizer step yet.');
    await assertHealthy();
  });

  test('per-rank gradient norms: hidden for one rank, bars per rank for DDP, a disagreeing rank called out', async () => {
    await open();
    await feedRun(page);
    const shown = () => page.evaluate(() => !document.getElementById('ranks-panel')?.hidden);
    assert.equal(await shown(), false, 'a .nnet run has no ranks: no panel');
    await send(page, { kind: 'ranks', ranks: [{ rank: 0, gradNorm: 0.8 }] });
    await settle(page);
    assert.equal(await shown(), false, 'one rank: nothing to compare, no panel');
    const norms = [0.8, 0.75, 12, NaN];
    await send(page, { kind: 'ranks', ranks: norms.map((gradNorm, rank) => ({ rank, gradNorm })) });
    await settle(page);
    assert.equal(await shown(), true);
    const r = (await read(page)).ranks;
    const t = THEMES.dark;
    assert.deepEqual(r.labels, ['rank 0', 'rank 1', 'rank 2', 'rank 3']);
    assert.deepEqual(r.datasets[0].data, [0.8, 0.75, 12, null]);
    assert.deepEqual(r.datasets[0].colors, [t['charts-blue'], t['charts-blue'], t['charts-red'], t.errorForeground]);
    assert.equal(r.yScale.type, 'logarithmic');
    assert.deepEqual([r.yScale.min, r.yScale.max], [0.1, 100]);
    // The panel was hidden until now: its chart is sized, then drawn, within a few frames (more on a busy machine).
    let red = await canvasPixels(page, 'ranks-chart', t['charts-red']);
    for (const until = Date.now() + 5000; red.matching <= 100 && Date.now() < until;) {
      await page.waitForTimeout(100);
      red = await canvasPixels(page, 'ranks-chart', t['charts-red']);
    }
    assert.ok(red.matching > 100, `the disagreeing rank drawn in charts-red: ${JSON.stringify(red)}`);
    assert.equal(
      await page.locator('#ranks-summary').innerText(),
      '4 ranks · step 1200 · ranks differ 16× · not finite: rank 3',
    );
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-ranks-dark.png'), fullPage: true });
    // A new run (one process) hides the panel again.
    await send(page, { kind: 'reset', title: 'train.py', layerNames: LAYERS });
    await settle(page);
    assert.equal(await shown(), false);
    await assertHealthy();
  });

  test("compare runs: the previous run's loss is a faded overlay, toggled off and on, and restored after reload", async () => {
    await open('light');
    assert.equal(await page.locator('#loss-prev').isVisible(), false, 'no toggle without a previous run');
    await send(page, { kind: 'reset', title: 'sigmoid.nnet', layerNames: LAYERS });
    await send(page, { kind: 'loss', points: lossPoints(0, 200).map((p) => ({ ...p, loss: p.loss + 0.3 })) });
    await send(page, { kind: 'reset', title: 'relu.nnet', layerNames: LAYERS });
    await send(page, { kind: 'loss', points: lossPoints(0, 120) });
    await send(page, { kind: 'state', state: 'training', text: 'Training relu.nnet: epoch 120/200' });
    await settle(page);
    let r = await read(page);
    assert.deepEqual(
      r.loss.datasets.map((d) => d.label),
      ['loss', 'validation loss', 'previous: sigmoid.nnet'],
    );
    const overlay = r.loss.datasets[2];
    assert.equal(overlay.hidden, false);
    assert.equal(overlay.data.length, 200);
    assert.deepEqual(overlay.data[0], { x: 0, y: lossPoints(0, 1)[0].loss + 0.3 });
    assert.equal((overlay.data[199] as { x: number }).x, 199);
    assert.equal(r.loss.datasets[0].data.length, 120);
    assert.match(overlay.color, /^rgba\(97, 97, 97, 0\.45\)$/, 'faded charts-foreground');
    assert.match(await page.locator('#loss-summary').innerText(), /previous \(sigmoid\.nnet\) min /);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-compare-light.png'), fullPage: true });

    // A third run: the overlay is now the second run (one previous run is kept).
    await send(page, { kind: 'reset', title: 'tanh.nnet', layerNames: LAYERS });
    await send(page, { kind: 'loss', points: lossPoints(0, 50) });
    await settle(page);
    r = await read(page);
    assert.equal(r.loss.datasets[2].label, 'previous: relu.nnet');
    assert.equal(r.loss.datasets[2].data.length, 120);

    assert.equal(await page.locator('#loss-prev').isVisible(), true);
    await page.click('#loss-prev');
    await settle(page);
    r = await read(page);
    assert.equal(r.loss.datasets[2].hidden, true, 'hidden by the toggle');
    assert.equal(r.loss.datasets[2].data.length, 120, 'points kept while hidden');
    assert.doesNotMatch(await page.locator('#loss-summary').innerText(), /previous/);

    // Log scale bounds cover the overlay only while it shows; then a reload restores overlay and toggle from state.
    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle(page);
    r = await read(page);
    assert.equal(r.loss.datasets[2].label, 'previous: relu.nnet');
    assert.equal(r.loss.datasets[2].hidden, true);
    assert.equal(await page.evaluate(() => (document.getElementById('loss-prev') as HTMLInputElement).checked), false);
    await page.click('#loss-prev');
    await settle(page);
    assert.equal((await read(page)).loss.datasets[2].hidden, false);
    await switchTheme(page, 'dark');
    await settle(page);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-compare-dark.png'), fullPage: true });
    await assertHealthy();
  });

  test('gradient bars toggle between log and linear scale, persisted', async () => {
    await open();
    await feedRun(page);
    assert.equal(await page.evaluate(() => (document.getElementById('grad-log') as HTMLInputElement).checked), true);
    await page.click('#grad-log');
    await settle(page);
    let r = await read(page);
    assert.equal(r.gradFlow.yScale.type, 'linear');
    assert.equal(r.gradFlow.yScale.min, 0);
    assert.ok(r.gradFlow.yScale.max >= 0.41, JSON.stringify(r.gradFlow.yScale));
    assert.deepEqual(
      r.gradFlow.datasets[0].data,
      GRADS.map((g) => g.meanAbsGrad),
    );
    assert.deepEqual(
      r.gradFlow.datasets[1].data,
      GRADS.map((g) => g.maxAbsGrad),
    );
    const bars = await canvasPixels(page, 'gradflow-chart', THEMES.dark['charts-orange']);
    assert.ok(bars.matching > 200, `max bars drawn on the linear axis: ${JSON.stringify(bars)}`);
    // NaN is a gap on the linear axis too.
    await send(page, { kind: 'gradFlow', step: 1301, layers: [{ name: 'h1', meanAbsGrad: NaN, maxAbsGrad: 0.2 }] });
    await settle(page);
    assert.deepEqual((await read(page)).gradFlow.datasets[0].data, [null]);
    await send(page, { kind: 'gradFlow', layers: GRADS, step: 1302 });
    await settle(page);
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-linear-dark.png'), fullPage: true });
    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle(page);
    assert.equal((await read(page)).gradFlow.yScale.type, 'linear');
    await page.click('#grad-log');
    await settle(page);
    r = await read(page);
    assert.equal(r.gradFlow.yScale.type, 'logarithmic');
    assert.deepEqual([r.gradFlow.yScale.min, r.gradFlow.yScale.max], [1e-3, 1]);
    await assertHealthy();
  });

  test('empty view before any run', async () => {
    await open('light');
    const r = await read(page);
    assert.deepEqual(r.gradFlow.labels, []);
    assert.equal(await page.locator('#status').innerText(), 'No run yet. Open a .nnet file and press Train.');
    await page.screenshot({ path: path.join(SHOTS, 'gradient-flow-empty-light.png'), fullPage: true });
    await assertHealthy();
  });
});
