// Tests of the Layer Inspector in Node: its numerics, its DAP reading, message validation and HTML.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readLayer } from '../../extension/views/layerRequest';
import { renderInspectorHtml } from '../../extension/views/inspectorHtml';
import {
  blockValue,
  deltaVerdict,
  displayGrid,
  divergingColor,
  formatPercent,
  histogram,
  indexLabel,
  logBars,
  matrixShape,
  maxAbs,
  tensorStats,
} from '../../webview/inspector/numbers';
import { encodeFloat32 } from '../../wire/float32';
import { isInspectorToHost, parseHostToInspector } from '../../webview/inspector/protocol';
import { clipPart, decompPart, layerMessage, malformedSections, sectionsMessage } from './inspectorMessages';

describe('layer inspector numerics and protocol (node)', () => {
  test('stats: mean, std, min, max, norm, fraction zero; non-finite values counted apart', () => {
    const s = tensorStats([3, -4, 0, 0, NaN]);
    assert.equal(s.mean, -0.25);
    assert.ok(Math.abs(s.std - Math.sqrt((3.25 ** 2 + 3.75 ** 2 + 0.25 ** 2 * 2) / 4)) < 1e-12);
    assert.deepEqual([s.min, s.max, s.norm, s.fractionZero, s.nonFinite, s.count], [-4, 3, 5, 0.4, 1, 5]);
    // Two-pass variance keeps precision when the mean dwarfs the spread.
    assert.ok(Math.abs(tensorStats([1e8 + 1, 1e8 - 1]).std - 1) < 1e-9);
    assert.ok(Number.isNaN(tensorStats([]).mean));
  });

  test('histogram bins cover [min, max] with the max in the last bin; constant tensors get one centred bin', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1], 4);
    assert.deepEqual(h, { lo: 0, hi: 1, counts: [2, 0, 1, 2] });
    assert.equal(
      histogram([2, 2, 2], 5).counts.reduce((a, b) => a + b),
      3,
    );
    assert.deepEqual(histogram([NaN], 3).counts, [0, 0, 0]);
  });

  test('diverging colour scale is centred on 0 and saturates at ±limit', () => {
    const neg = [0, 0, 255] as const,
      mid = [255, 255, 255] as const,
      pos = [255, 0, 0] as const,
      bad = [1, 2, 3] as const;
    assert.deepEqual(divergingColor(0, 2, neg, mid, pos, bad), [255, 255, 255]);
    assert.deepEqual(divergingColor(-2, 2, neg, mid, pos, bad), [0, 0, 255]);
    assert.deepEqual(divergingColor(5, 2, neg, mid, pos, bad), [255, 0, 0]);
    assert.deepEqual(divergingColor(1, 2, neg, mid, pos, bad), [255, 128, 128]);
    assert.deepEqual(divergingColor(NaN, 2, neg, mid, pos, bad), bad);
    assert.deepEqual(divergingColor(3, 0, neg, mid, pos, bad), mid);
  });

  test('display grid downsamples 1024×1024 to 256 cells a side keeping the largest magnitude per block', () => {
    assert.deepEqual(displayGrid(1024, 1024, 256), { rowStep: 4, colStep: 4, drawRows: 256, drawCols: 256 });
    assert.deepEqual(displayGrid(3, 5, 256), { rowStep: 1, colStep: 1, drawRows: 3, drawCols: 5 });
    const v = [1, -9, 2, 3, 4, 5, 6, 7, 8];
    assert.equal(blockValue(v, 3, 0, 0, 2, 2, 3), -9);
    assert.ok(Number.isNaN(blockValue([1, NaN, 3, 4], 2, 0, 0, 2, 2, 2)));
    assert.deepEqual(matrixShape([7]), { rows: 1, cols: 7 });
    assert.deepEqual(matrixShape([2, 3, 4]), { rows: 2, cols: 12 });
    assert.equal(maxAbs([1, -7, NaN, Infinity]), 7);
    assert.equal(indexLabel(5, [2, 3]), '[1][2]');
  });

  test('host messages are validated; JSON nulls come back as NaN; webview messages are checked', () => {
    for (const bad of [
      null,
      1,
      { kind: 'layer' },
      {
        kind: 'layer',
        title: 't',
        where: '',
        tensors: [{ name: 'W', path: 'W', shape: [2], values: [1, 2, 3] }],
        scalars: [],
      },
      {
        kind: 'layer',
        title: 't',
        where: '',
        tensors: [{ name: 'W', path: 'W', shape: [-1], values: [] }],
        scalars: [],
      },
      {
        kind: 'layer',
        title: 't',
        where: '',
        tensors: [{ name: 'W', path: 'W', shape: [1], values: ['1'] }],
        scalars: [],
      },
      { kind: 'layer', title: 't', where: '', tensors: [], scalars: [{ name: 'x' }] },
      { kind: 'empty' },
    ]) {
      assert.equal(parseHostToInspector(bad), undefined, JSON.stringify(bad));
    }
    const ok = parseHostToInspector(
      JSON.parse(
        JSON.stringify({
          kind: 'layer',
          title: 't',
          where: 'w',
          scalars: [],
          tensors: [{ name: 'W', path: 'h.W', shape: [2, 2], values: [1, NaN] }],
        }),
      ),
    );
    assert.ok(ok?.kind === 'layer' && Number.isNaN(ok.tensors[0].values[1]) && ok.tensors[0].truncated);
    assert.ok(isInspectorToHost({ kind: 'ready' }) && isInspectorToHost({ kind: 'refresh' }));
    assert.ok(!isInspectorToHost({ kind: 'train' }) && !isInspectorToHost(null));
  });

  test('reads a layer through the nnet.layerDetail request: base64 float32 passes through to the webview, which decodes it exactly', async () => {
    const W = Float32Array.from([0.5, -1.25, 3, NaN, 0, -Infinity]);
    const a = Float32Array.from([1, 2, 3]);
    const body = {
      layer: 'h1',
      title: 'h1 · dense 2→3 tanh',
      where: 'backward h1 · step 3 · epoch 1',
      tensors: [
        { name: 'W', path: 'h1.W', shape: [2, 3], data: encodeFloat32(W) },
        { name: 'a', path: 'h1.a', shape: [4, 3], data: encodeFloat32(a) },
      ],
      scalars: [
        { name: 'loss', value: 0.25 },
        { name: 'grad norm before clip', value: NaN },
        { name: 'δ = ∂L/∂z', value: NaN, pending: 'loss' },
      ],
      clip: { normBefore: 2, normAfter: 1, coefficient: 0.5, threshold: 1, layerNorm: 1.5, share: 0.5625 },
      optimizer: {
        kind: 'adam',
        lr: 0.001,
        t: 3,
        tensors: [
          { name: 'm̂', path: 'h1.W.m_hat', shape: [2, 3], data: encodeFloat32(Float32Array.from([0, 0, 0, 0, 0, 1])) },
        ],
      },
      decomposition: {
        upstreamFrom: 'Wᵀδ′ from out',
        upstreamNorm: 2,
        activation: 'tanh',
        phiPrimeMean: 0.5,
        phiPrimeMax: 0.9,
        deltaNorm: NaN,
      },
      history: { first: 1, last: 3, step: 2, live: false },
    };
    const asked: unknown[] = [];
    const req = async (command: string, args?: Record<string, unknown>) => {
      asked.push([command, args]);
      return JSON.parse(JSON.stringify(body)); // as DAP carries it: NaN and ±Infinity numbers arrive as null
    };
    const layer = await readLayer(req, 'h1', 2);
    assert.deepEqual(asked, [['nnet.layerDetail', { layer: 'h1', step: 2 }]]);
    assert.deepEqual([layer.tensors[0].truncated, layer.tensors[1].truncated], [false, true]);
    assert.deepEqual(layer.scalars, [
      { name: 'loss', value: '0.25' },
      { name: 'grad norm before clip', value: 'NaN' },
      { name: 'δ = ∂L/∂z', value: '— (computed at loss)' },
    ]);
    assert.ok(Number.isNaN(layer.decomposition?.deltaNorm));
    // What the host posts is what the webview accepts, with every float32 bit intact (NaN and -Infinity included).
    const shown = parseHostToInspector(JSON.parse(JSON.stringify(layer)));
    assert.ok(shown?.kind === 'layer');
    assert.deepEqual(Array.from(shown.tensors[0].values), Array.from(W));
    assert.equal(shown.tensors[0].data, undefined, 'decoded and dropped');
    assert.deepEqual([shown.tensors[1].values.length, shown.tensors[1].truncated], [3, true]);
    assert.deepEqual(Array.from(shown.optimizer!.tensors[0].values), [0, 0, 0, 0, 0, 1]);
    for (const bad of [
      { data: 'not base64!' },
      { data: encodeFloat32(new Float32Array(7)) },
      { data: 'AAA' },
      { data: 42 },
      { data: encodeFloat32(W), values: [1] },
    ]) {
      const msg = {
        kind: 'layer',
        title: 't',
        where: 'w',
        scalars: [],
        tensors: [{ name: 'W', path: 'h1.W', shape: [2, 3], values: [], ...bad }],
      };
      assert.equal(parseHostToInspector(msg), undefined, JSON.stringify(bad).slice(0, 60));
    }
    await assert.rejects(
      readLayer(async () => undefined, null, null),
      /sent no layer/,
    );
  });

  test('the four optional sections parse: nulls read as NaN, a null threshold means no clip norm, absent stays absent', () => {
    const full = parseHostToInspector(JSON.parse(JSON.stringify(sectionsMessage())));
    assert.ok(full?.kind === 'layer');
    assert.equal(full.layer, 'h1');
    assert.deepEqual(full.clip, {
      normBefore: 3.2,
      normAfter: 1,
      coefficient: 0.3125,
      threshold: 1,
      layerNorm: 1.6,
      share: 0.25,
    });
    assert.deepEqual(
      [full.optimizer?.kind, full.optimizer?.lr, full.optimizer?.t, full.optimizer?.tensors.map((t) => t.name)],
      ['adam', 0.001, 12, ['m̂', 'v̂', 'effective step']],
    );
    assert.deepEqual(full.history, { first: 3, last: 12, step: 7, live: true });
    assert.equal(full.decomposition?.upstreamFrom, 'Wᵀδ′ from h2');
    const nan = parseHostToInspector(
      JSON.parse(
        JSON.stringify({
          ...sectionsMessage(),
          clip: { ...clipPart(), normBefore: NaN, threshold: null },
          decomposition: { ...decompPart(), phiPrimeMean: NaN, phiPrimeMax: NaN },
          optimizer: { kind: 'sgd', lr: 0.1, t: 0, tensors: [] },
        }),
      ),
    );
    assert.ok(nan?.kind === 'layer' && nan.clip && nan.decomposition);
    assert.ok(
      Number.isNaN(nan.clip.normBefore) && nan.clip.threshold === null && Number.isNaN(nan.decomposition.phiPrimeMax),
    );
    assert.deepEqual(nan.optimizer?.tensors, []);
    const bare = parseHostToInspector(JSON.parse(JSON.stringify(layerMessage())));
    assert.ok(
      bare?.kind === 'layer' &&
        !('clip' in bare) &&
        !('optimizer' in bare) &&
        !('decomposition' in bare) &&
        !('history' in bare),
    );
    const nulls = parseHostToInspector({
      ...layerMessage(),
      clip: null,
      optimizer: null,
      decomposition: null,
      history: null,
    });
    assert.ok(
      nulls?.kind === 'layer' &&
        nulls.clip === null &&
        nulls.optimizer === null &&
        nulls.decomposition === null &&
        nulls.history === null,
    );
  });

  test('a malformed optional section drops the whole message', () => {
    for (const [why, bad] of malformedSections())
      assert.equal(parseHostToInspector(JSON.parse(JSON.stringify(bad))), undefined, why);
    // The optimizer's tensors count against the same cap as the layer's.
    const many = Array.from({ length: 29 }, (_, i) => ({ name: `s${i}`, path: `p${i}`, shape: [1], values: [0] }));
    assert.equal(
      parseHostToInspector({ ...sectionsMessage(), optimizer: { kind: 'adam', lr: 1, t: 1, tensors: many } }),
      undefined,
    );
    assert.ok(
      parseHostToInspector({
        ...sectionsMessage(),
        optimizer: { kind: 'adam', lr: 1, t: 1, tensors: many.slice(0, 28) },
      }),
    );
    assert.ok(isInspectorToHost({ kind: 'scrub', step: 4 }) && isInspectorToHost({ kind: 'follow' }));
    assert.ok(
      !isInspectorToHost({ kind: 'scrub', step: 0 }) &&
        !isInspectorToHost({ kind: 'scrub', step: 1.5 }) &&
        !isInspectorToHost({ kind: 'scrub' }),
    );
  });

  test('δ verdict names the factor φ′ applied; log bars share one decade axis; shares print as percentages', () => {
    assert.deepEqual(deltaVerdict(0.52, 0.0156, 'tanh'), {
      factor: 0.0156 / 0.52,
      verdict: 'φ′(z) shrinks the gradient ×0.03: the activation is saturated.',
    });
    assert.match(deltaVerdict(1, 0.01, 'relu').verdict, /shrinks the gradient ×0\.01: most units are inactive/);
    assert.match(deltaVerdict(0.1, 2, 'x').verdict, /^φ′\(z\) grows the gradient ×20/);
    assert.equal(
      deltaVerdict(1, 0.24, 'sigmoid').verdict,
      'φ′(z) shrinks the gradient ×0.24: sigmoid′(z) ≤ 0.25, so every sigmoid layer the gradient passes through shrinks it at least 4×.',
    );
    assert.match(deltaVerdict(1, 0.8, 'tanh').verdict, /^φ′\(z\) passes the gradient through \(×0\.8\)/);
    assert.match(deltaVerdict(1, 0.8, 'tanh').verdict, /^φ′\(z\) passes the gradient through \(×0\.8\)/);
    assert.match(deltaVerdict(NaN, NaN, 'tanh').verdict, /^No δ yet/);
    assert.match(deltaVerdict(Infinity, 1, 'tanh').verdict, /not finite \(‖∂L\/∂a‖ = ∞/);
    assert.match(deltaVerdict(0, 0, 'tanh').verdict, /^No gradient arrives from above/);
    assert.deepEqual(logBars([1, 0.01]), { lo: -3, hi: 0, lengths: [1, 1 / 3] });
    assert.deepEqual(logBars([NaN, 0]).lengths, [0, 0]);
    assert.deepEqual(logBars([5, NaN]), { lo: -1, hi: 1, lengths: [(Math.log10(5) + 1) / 2, 0] });
    assert.deepEqual(
      [formatPercent(0.25), formatPercent(1), formatPercent(NaN), formatPercent(0.123456)],
      ['25%', '100%', 'NaN', '12.35%'],
    );
  });

  test('HTML has the strict CSP, one nonce script, no inline styles', () => {
    const html = renderInspectorHtml({
      cspSource: 'https://x.test',
      nonce: 'n1',
      styleNonce: 's1',
      scriptUri: 'https://x.test/i.js',
      styleUri: 'https://x.test/i.css',
    });
    assert.ok(html.includes("default-src 'none'; script-src 'nonce-n1'"));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.ok(!/style="/.test(html));
  });
});
