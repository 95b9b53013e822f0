// Tests of the Layer Inspector: pure numerics and DAP reading in Node, the built bundle in headless Chromium.

// Run after `node scripts/build.mjs`:  node --import tsx --test test/webview/inspector.test.ts

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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
import { isInspectorToHost, parseHostToInspector, type HostToInspector } from '../../webview/inspector/protocol';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist', 'webview');
const SHOTS = path.join(ROOT, 'test-results', 'webview');

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

// ---------------------------------------------------------------------------------------------------------------
// Headless Chromium
// ---------------------------------------------------------------------------------------------------------------

type Theme = 'dark' | 'light';
const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    foreground: '#cccccc',
    'editor-foreground': '#cccccc',
    'editor-background': '#1f1f1f',
    descriptionForeground: '#9d9d9d',
    'charts-blue': '#3794ff',
    'charts-red': '#f14c4c',
    'charts-yellow': '#cca700',
    'editorWidget-border': '#454545',
    'editorHoverWidget-background': '#202020',
    'editorHoverWidget-foreground': '#cccccc',
    'editorHoverWidget-border': '#454545',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    focusBorder: '#0078d4',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    'font-weight': 'normal',
  },
  light: {
    foreground: '#3b3b3b',
    'editor-foreground': '#3b3b3b',
    'editor-background': '#ffffff',
    descriptionForeground: '#595959',
    'charts-blue': '#1a85ff',
    'charts-red': '#e51400',
    'charts-yellow': '#bf8803',
    'editorWidget-border': '#c8c8c8',
    'editorHoverWidget-background': '#f8f8f8',
    'editorHoverWidget-foreground': '#3b3b3b',
    'editorHoverWidget-border': '#c8c8c8',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    focusBorder: '#005fb8',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    'font-weight': 'normal',
  },
};

const PRELUDE = `
<style id="_defaultStyles">@layer vscode-default {
  html { background: var(--vscode-editor-background); }
  body { background-color: transparent; color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family);
    font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); margin: 0; padding: 0 20px; }
}</style>
<script id="_vscodeApiScript">
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective));
  window.__posted = [];
  globalThis.acquireVsCodeApi = (() => {
    const saved = sessionStorage.getItem('vscode-state');
    let state = saved ? JSON.parse(saved) : undefined;
    return () => Object.freeze({
      postMessage(m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      setState(s) { state = s; sessionStorage.setItem('vscode-state', JSON.stringify(s)); },
      getState() { return state; },
    });
  })();
</script>`;

function pageHtml(origin: string, theme: Theme): string {
  const vars = Object.entries(THEMES[theme])
    .map(([k, v]) => `--vscode-${k}: ${v}`)
    .join('; ')
    .replace(/"/g, '&quot;');
  return renderInspectorHtml({
    cspSource: origin,
    nonce: crypto.randomBytes(18).toString('base64'),
    styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: `${origin}/dist/webview/inspector.js`,
    styleUri: `${origin}/dist/webview/inspector.css`,
  })
    .replace('<html lang="en">', `<html lang="en" style="${vars}">`)
    .replace('<head>', `<head>${PRELUDE}`)
    .replace('<body>', `<body class="vscode-${theme}">`);
}

function startServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (url.pathname === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(pageHtml(`http://${req.headers.host}`, url.searchParams.get('theme') === 'light' ? 'light' : 'dark'));
      return;
    }
    const file = path.join(DIST, path.basename(url.pathname));
    if (!url.pathname.startsWith('/dist/webview/') || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.css')
          ? 'text/css'
          : 'application/json',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

declare global {
  interface Window {
    __cspViolations: unknown[];
    __posted: unknown[];
  }
}

/** A paused backward step of a 8→16 tanh layer: W, W.grad, z, a, δ. */
function layerMessage(): HostToInspector {
  const W = Array.from({ length: 16 * 8 }, (_, i) => Math.sin(i * 0.7) * 0.8);
  const G = Array.from({ length: 16 * 8 }, (_, i) => (i % 16 === 3 ? 0 : Math.cos(i * 1.3) * 0.02 * (i % 5)));
  const z = Array.from({ length: 4 * 16 }, (_, i) => (i - 32) / 10);
  return {
    kind: 'layer',
    title: 'Layer h1 (backward)',
    where: 'backward h1 · step 12 · epoch 3',
    tensors: [
      { name: 'W', path: 'h1.W', shape: [16, 8], values: W, truncated: false },
      { name: 'W.grad', path: 'h1.W.grad', shape: [16, 8], values: G, truncated: false },
      { name: 'z', path: 'h1.z', shape: [4, 16], values: z, truncated: false },
      {
        name: 'b',
        path: 'h1.b',
        shape: [16],
        values: Array.from({ length: 16 }, (_, i) => (i === 5 ? NaN : i / 100)),
        truncated: false,
      },
    ],
    scalars: [
      { name: 'loss', value: '0.4321' },
      { name: 'grad norm (before clip)', value: '3.2' },
      { name: 'clip coefficient', value: '0.3125' },
    ],
  };
}

const clipPart = () => ({
  normBefore: 3.2,
  normAfter: 1,
  coefficient: 0.3125,
  threshold: 1,
  layerNorm: 1.6,
  share: 0.25,
});
const decompPart = () => ({
  upstreamFrom: 'Wᵀδ′ from h2',
  upstreamNorm: 0.52,
  activation: 'tanh',
  phiPrimeMean: 0.04,
  phiPrimeMax: 0.2,
  deltaNorm: 0.0156,
});

/** The same paused step with all four sections: clipped by norm, Adam state, a saturated tanh, 10 steps of history. */
function sectionsMessage() {
  const base = layerMessage();
  if (base.kind !== 'layer') throw new Error();
  const state = (name: string, f: (i: number) => number) => ({
    name,
    path: `h1.W.${name}`,
    shape: [16, 8],
    values: Array.from({ length: 128 }, (_, i) => f(i)),
    truncated: false,
  });
  return {
    ...base,
    layer: 'h1',
    clip: clipPart(),
    decomposition: decompPart(),
    optimizer: {
      kind: 'adam',
      lr: 0.001,
      t: 12,
      tensors: [
        state('m̂', (i) => Math.sin(i) * 0.01),
        state('v̂', (i) => (i % 8) * 1e-5),
        state('effective step', (i) => (i % 4 === 0 ? 0 : Math.cos(i) * 1e-3)),
      ],
    },
    history: { first: 3, last: 12, step: 7, live: true },
  };
}

/** Messages whose only fault is in one of the new optional fields. */
function malformedSections(): [string, unknown][] {
  const m = sectionsMessage();
  return [
    ['clip.share a string', { ...m, clip: { ...clipPart(), share: '0.25' } }],
    ['clip.threshold missing', { ...m, clip: { ...clipPart(), threshold: undefined } }],
    ['clip an array', { ...m, clip: [1, 2] }],
    ['history.step not a number', { ...m, history: { ...m.history, step: '7' } }],
    ['history.step outside [first, last]', { ...m, history: { ...m.history, step: 13 } }],
    ['history.first after last', { ...m, history: { first: 5, last: 4, step: 5, live: true } }],
    ['history.live not a boolean', { ...m, history: { ...m.history, live: 1 } }],
    ['history.step 0', { ...m, history: { first: 0, last: 4, step: 0, live: true } }],
    ['optimizer.tensors not an array', { ...m, optimizer: { ...m.optimizer, tensors: {} } }],
    [
      'optimizer tensor malformed',
      { ...m, optimizer: { ...m.optimizer, tensors: [{ name: 'm̂', path: 'p', shape: [2], values: [1, 2, 3] }] } },
    ],
    ['optimizer.t fractional', { ...m, optimizer: { ...m.optimizer, t: 1.5 } }],
    ['decomposition.deltaNorm missing', { ...m, decomposition: { ...decompPart(), deltaNorm: undefined } }],
    ['decomposition.activation a number', { ...m, decomposition: { ...decompPart(), activation: 3 } }],
    ['layer not a string', { ...m, layer: 7 }],
  ];
}

describe('layer inspector webview (headless Chromium)', () => {
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let warnings: string[];

  before(async () => {
    assert.ok(
      fs.existsSync(path.join(DIST, 'inspector.js')),
      'dist/webview/inspector.js missing: run `node scripts/build.mjs` first',
    );
    server = await startServer();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  async function open(theme: Theme): Promise<void> {
    await context?.close();
    context = await browser.newContext({ viewport: { width: 760, height: 900 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    errors = [];
    warnings = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.goto(`${origin}/?theme=${theme}`);
    await page.waitForFunction(() => window.__posted.length > 0);
  }
  const send = (msg: unknown) =>
    page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(msg));
  /** Cell texts of the stats grid's data rows, read from the DOM (what a screen reader gets). */
  const gridRows = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('#stats vscode-data-grid-row:not([row-type="header"])')].map((row) =>
        [...row.querySelectorAll('vscode-data-grid-cell')].map((c) => c.textContent ?? ''),
      ),
    );
  const visible = (id: string) =>
    page.evaluate((i) => {
      const e = document.getElementById(i)!;
      return !e.hidden && e.getBoundingClientRect().height > 0;
    }, id);
  const posted = () => page.evaluate(() => window.__posted.slice(1));
  const settle = () =>
    page.evaluate(() => new Promise<void>((r) => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 0)), 0)));

  for (const theme of ['dark', 'light'] as const) {
    test(`draws heat maps whose pixels match the diverging scale, histograms and the stats table (${theme})`, async () => {
      await open(theme);
      assert.deepEqual(await page.evaluate(() => window.__posted), [{ kind: 'ready' }]);
      const msg = layerMessage();
      await send(msg);
      await settle();
      const r = await page.evaluate(() => window.nnetInspector!.read());
      assert.equal(r.title, 'Layer h1 (backward)');
      assert.deepEqual(
        r.tensors.map((t) => t.name),
        ['W', 'W.grad', 'z', 'b'],
      );
      assert.deepEqual([r.tensors[0].drawRows, r.tensors[0].drawCols], [16, 8]);
      assert.equal(
        r.tensors[0].histogram.reduce((a, b) => a + b),
        128,
      );

      // Sampled pixels of each heat map are exactly the scale's colour of the value at that cell.
      if (msg.kind !== 'layer') throw new Error();
      for (const [k, t] of msg.tensors.entries()) {
        const cols = t.shape.length === 1 ? t.shape[0] : t.shape[1];
        for (const idx of [0, 3, 5, 17, Math.floor(t.values.length / 2), t.values.length - 1].filter(
          (i) => i < t.values.length,
        )) {
          const got = await page.evaluate(
            ({ k, x, y }) =>
              Array.from(
                (document.getElementById(`heat-${k}`) as HTMLCanvasElement)
                  .getContext('2d')!
                  .getImageData(x, y, 1, 1)
                  .data.slice(0, 3),
              ),
            { k, x: idx % cols, y: Math.floor(idx / cols) },
          );
          const want = await page.evaluate(({ k, v }) => window.nnetInspector!.colorOf(k, v), { k, v: t.values[idx] });
          assert.deepEqual(got, want, `${t.name}[${idx}] = ${t.values[idx]}`);
        }
      }
      // Zero is the editor background; the ends are the theme's blue and red.
      const zero = await page.evaluate(() => window.nnetInspector!.colorOf(1, 0));
      const bg = parseInt(THEMES[theme]['editor-background'].slice(1), 16);
      assert.deepEqual(zero, [(bg >> 16) & 255, (bg >> 8) & 255, bg & 255]);

      const table = await gridRows();
      assert.deepEqual(r.grid, table);
      assert.equal(table.length, 4);
      assert.deepEqual(table[2], ['z', '4×16', '-0.05', '1.847', '-3.2', '3.1', '14.78', '0.01563']);
      assert.equal(table[3][1], '16');
      assert.equal(table[3][2], '0.07667', 'NaN excluded from the mean');
      const scalars = await page.evaluate(() => document.getElementById('scalars')!.textContent);
      assert.match(scalars ?? '', /clip coefficient0\.3125/);

      // Hover shows the index and the exact value.
      const box = (await page.locator('#heat-0').boundingBox())!;
      await page.mouse.move(box.x + (box.width / 8) * 2.5, box.y + (box.height / 16) * 1.5);
      const hover = await page.locator('#hover').innerText();
      assert.equal(hover, `h1.W[1][2] = ${msg.tensors[0].values[1 * 8 + 2]}`);
      await page.screenshot({ path: path.join(SHOTS, `inspector-${theme}.png`), fullPage: true });
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
      assert.deepEqual(errors, []);
    });
  }

  test('large layers are downsampled for display; malformed messages are dropped; state survives a reload', async () => {
    await open('dark');
    const big = Array.from({ length: 1024 * 1024 }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
    big[5 * 1024 + 900] = 40;
    await send({
      kind: 'layer',
      title: 'big',
      where: 'w',
      scalars: [],
      tensors: [{ name: 'W', path: 'big.W', shape: [1024, 1024], values: big, truncated: false }],
    });
    await page
      .waitForFunction(() => window.nnetInspector!.read().tensors.length > 0, undefined, { timeout: 20_000 })
      .catch(() => undefined);
    let r = await page.evaluate(() => window.nnetInspector!.read());
    assert.deepEqual(errors, []);
    assert.deepEqual([r.tensors[0].drawRows, r.tensors[0].drawCols, r.tensors[0].limit], [256, 256, 40]);
    // The single large entry survives downsampling: its block shows the saturated positive colour.
    const px = await page.evaluate(() =>
      Array.from(
        (document.getElementById('heat-0') as HTMLCanvasElement)
          .getContext('2d')!
          .getImageData(225, 1, 1, 1)
          .data.slice(0, 3),
      ),
    );
    assert.deepEqual(px, await page.evaluate(() => window.nnetInspector!.colorOf(0, 40)));

    await send(layerMessage());
    await settle();
    for (const junk of [null, { kind: 'layer' }, { kind: 'layer', title: 1 }, { kind: 'empty', text: 5 }])
      await page.evaluate((d) => window.postMessage(d, '*'), junk);
    await settle();
    r = await page.evaluate(() => window.nnetInspector!.read());
    assert.equal(r.tensors.length, 4);
    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle();
    r = await page.evaluate(() => window.nnetInspector!.read());
    assert.deepEqual(
      r.tensors.map((t) => t.name),
      ['W', 'W.grad', 'z', 'b'],
      'restored from getState',
    );
    await send({ kind: 'empty', text: 'The debugger is running; pause on a layer to inspect it.' });
    await settle();
    assert.equal(await page.locator('#where').innerText(), 'The debugger is running; pause on a layer to inspect it.');
    assert.deepEqual(errors, []);
  });

  for (const theme of ['dark', 'light'] as const) {
    test(`clipping, δ decomposition, optimizer and step slider render from one message, hidden without it (${theme})`, async () => {
      await open(theme);
      for (const id of ['history', 'clip', 'decomp', 'optimizer'])
        assert.equal(await visible(id), false, `${id} hidden before any layer`);
      await send(sectionsMessage());
      await settle();
      const r = await page.evaluate(() => window.nnetInspector!.read());
      for (const id of ['history', 'clip', 'decomp', 'optimizer']) assert.equal(await visible(id), true, `${id} shown`);

      assert.deepEqual(r.clip, {
        rows: [
          ['global ‖g‖ before → after', '3.2 → 1'],
          ['coefficient', '0.3125'],
          ['threshold', '1'],
          ['this layer’s ‖∂L/∂W‖', '1.6'],
          ['its share of ‖g‖²', '25%'],
        ],
        barWidth: '25.0%',
      });
      assert.match(await page.locator('#clip').innerText(), /global ‖g‖ before → after\s+3\.2 → 1/);
      const bar = await page.evaluate(() => [
        document.getElementById('clip-fill')!.getBoundingClientRect().width,
        document.getElementById('clip-bar')!.getBoundingClientRect().width,
      ]);
      assert.ok(Math.abs(bar[0] / bar[1] - 0.25) < 0.01, `share bar ${bar}`);
      assert.match((await page.locator('#clip-bar').getAttribute('aria-label')) ?? '', /25%/);

      assert.equal(r.decomposition?.verdict, 'φ′(z) shrinks the gradient ×0.03: the activation is saturated.');
      assert.ok(Math.abs(r.decomposition!.factor - 0.03) < 1e-12);
      assert.deepEqual(r.decomposition?.rows[0], ['‖∂L/∂a‖ (Wᵀδ′ from h2)', '0.52']);
      assert.deepEqual(r.decomposition?.rows[1], ['φ′(z) mean / max (tanh)', '0.04 / 0.2']);
      assert.equal(await page.locator('#decomp-verdict').innerText(), r.decomposition?.verdict);
      assert.equal(
        await page.locator('#decomp-bars').getAttribute('aria-label'),
        'Log-scale bars: ‖∂L/∂a‖ = 0.52, ‖δ‖ = 0.0156, factor ×0.03',
      );
      assert.ok(await page.evaluate(() => (document.getElementById('decomp-bars') as HTMLCanvasElement).width > 0));

      assert.deepEqual(r.optimizer, {
        kind: 'adam',
        lr: 0.001,
        t: 12,
        tensors: ['m̂', 'v̂', 'effective step'],
        emptyText: null,
      });
      assert.equal(await page.locator('#opt-meta').innerText(), 'adam · lr 0.001 · t 12');
      assert.equal(
        await page.locator('#optimizer section.tensor').count(),
        3,
        'optimizer tensors drawn under their section',
      );
      assert.deepEqual(
        r.tensors.map((t) => [t.name, t.group]),
        [
          ['W', 'layer'],
          ['W.grad', 'layer'],
          ['z', 'layer'],
          ['b', 'layer'],
          ['m̂', 'optimizer'],
          ['v̂', 'optimizer'],
          ['effective step', 'optimizer'],
        ],
      );
      // Optimizer heat maps follow the same colour scale as the layer's.
      const px = await page.evaluate(() =>
        Array.from(
          (document.getElementById('heat-4') as HTMLCanvasElement)
            .getContext('2d')!
            .getImageData(1, 0, 1, 1)
            .data.slice(0, 3),
        ),
      );
      assert.deepEqual(px, await page.evaluate(() => window.nnetInspector!.colorOf(4, Math.sin(1) * 0.01)));

      // One grid row per tensor, the optimizer's named by their optimizer.
      const grid = await gridRows();
      assert.deepEqual(grid, r.grid);
      assert.deepEqual(
        grid.map((g) => g[0]),
        ['W', 'W.grad', 'z', 'b', 'adam m̂', 'adam v̂', 'adam effective step'],
      );
      assert.deepEqual(grid[2], ['z', '4×16', '-0.05', '1.847', '-3.2', '3.1', '14.78', '0.01563']);
      assert.deepEqual(grid[5].slice(0, 6), ['adam v̂', '16×8', '3.500e-5', '2.291e-5', '0', '7.000e-5']);
      assert.equal(grid[5][7], '0.125');
      assert.equal(grid[6][7], '0.25');
      assert.equal(await page.locator('#stats').getAttribute('role'), 'grid');

      assert.deepEqual(r.slider, {
        min: 3,
        max: 12,
        value: 7,
        live: true,
        text: 'step 7 of 3–12',
        followVisible: false,
      });
      assert.equal(await page.locator('#step-text').innerText(), 'step 7 of 3–12');
      assert.equal(await page.locator('#step-live').innerText(), 'live');
      assert.equal(await visible('follow'), false);
      assert.equal(await page.locator('#step-slider').getAttribute('aria-valuetext'), 'step 7 of 3–12, live');
      assert.equal(await page.evaluate(() => document.querySelector('label[for="step-slider"]')?.textContent), 'Step');

      // An earlier step: the indicator says so and Follow appears. Screenshot this state: it shows every control.
      await send({ ...sectionsMessage(), history: { first: 3, last: 12, step: 5, live: false } });
      await settle();
      assert.equal(await page.locator('#step-live').innerText(), 'earlier step');
      assert.equal(await visible('follow'), true);
      await page.screenshot({ path: path.join(SHOTS, `inspector-sections-${theme}.png`), fullPage: true });
      await page.screenshot({
        path: path.join(SHOTS, `inspector-sections-top-${theme}.png`),
        clip: { x: 0, y: 0, width: 760, height: 700 },
      });
      // A narrow panel: the grid scrolls inside itself instead of widening the page.
      await page.setViewportSize({ width: 420, height: 900 });
      await settle();
      assert.ok(
        await page.evaluate(() => document.documentElement.scrollWidth <= 420),
        'no page-wide horizontal scroll',
      );
      await page.screenshot({
        path: path.join(SHOTS, `inspector-sections-narrow-${theme}.png`),
        clip: { x: 0, y: 0, width: 420, height: 900 },
      });
      await page.setViewportSize({ width: 760, height: 900 });

      // Back to a layer without the sections: all four hide and the grid shrinks to the layer's tensors.
      await send(layerMessage());
      await settle();
      const bare = await page.evaluate(() => window.nnetInspector!.read());
      for (const id of ['history', 'clip', 'decomp', 'optimizer'])
        assert.equal(await visible(id), false, `${id} hidden again`);
      assert.deepEqual([bare.clip, bare.optimizer, bare.decomposition, bare.slider], [null, null, null, null]);
      assert.equal((await gridRows()).length, 4);
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
      assert.deepEqual(errors, []);
    });
  }

  test('edge cases: no optimizer state yet, non-finite decomposition, a one-step history, null sections', async () => {
    await open('dark');
    await send({
      ...sectionsMessage(),
      optimizer: { kind: 'adam', lr: 0.001, t: 0, tensors: [] },
      history: { first: 4, last: 4, step: 4, live: true },
      decomposition: { ...decompPart(), upstreamNorm: NaN, deltaNorm: NaN, phiPrimeMean: Infinity },
      clip: { ...clipPart(), threshold: null, coefficient: 1, share: NaN },
    });
    await settle();
    const r = await page.evaluate(() => window.nnetInspector!.read());
    assert.equal(r.optimizer?.emptyText, 'no optimizer state yet (before the first update)');
    assert.equal(await visible('opt-empty'), true);
    assert.equal((await gridRows()).length, 4);
    assert.equal(r.decomposition?.verdict, 'No δ yet: the layer has not run backward.');
    assert.equal(r.decomposition?.factor, null, 'NaN factor (JSON null in the readout)');
    assert.deepEqual(
      r.decomposition?.rows.map((x) => x[1]),
      ['NaN', 'NaN / 0.2', 'NaN', '×NaN'],
    );
    assert.deepEqual(r.clip?.rows.slice(1, 3), [
      ['coefficient', '1 (not clipped)'],
      ['threshold', 'no clip norm'],
    ]);
    assert.deepEqual([r.clip?.rows[4][1], r.clip?.barWidth], ['NaN', '0.0%']);
    assert.equal(r.slider, null);
    assert.equal(await visible('history'), false, 'nothing to scrub through');
    await send({ ...layerMessage(), clip: null, optimizer: null, decomposition: null, history: null });
    await settle();
    for (const id of ['history', 'clip', 'decomp', 'optimizer'])
      assert.equal(await visible(id), false, `${id} hidden for null`);
    assert.deepEqual(errors, []);
  });

  test('the slider scrubs on change and from the keyboard (coalesced), Follow returns to the debugger, state survives a reload', async () => {
    await open('light');
    await send(sectionsMessage());
    await settle();
    // Dragging fires `input` on every pixel: nothing is posted until the user lets go (`change`).
    await page.evaluate(() => {
      const s = document.getElementById('step-slider') as HTMLInputElement;
      s.value = '6';
      s.dispatchEvent(new Event('input', { bubbles: true }));
    });
    assert.equal(await page.locator('#step-text').innerText(), 'step 6 of 3–12', 'preview while dragging');
    assert.equal(await page.locator('#step-slider').getAttribute('aria-valuetext'), 'step 6 of 3–12, not loaded yet');
    await page.waitForTimeout(300);
    assert.deepEqual(await posted(), []);
    await page.evaluate(() => {
      const s = document.getElementById('step-slider') as HTMLInputElement;
      s.value = '5';
      s.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForFunction(() => window.__posted.length > 1);
    assert.deepEqual(await posted(), [{ kind: 'scrub', step: 5 }]);

    // The host answers with step 5, an earlier step.
    await send({ ...sectionsMessage(), history: { first: 3, last: 12, step: 5, live: false } });
    await settle();
    await page.locator('#step-slider').focus();
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => window.__posted.length > 2);
    assert.deepEqual((await posted())[1], { kind: 'scrub', step: 4 });
    // Held keys: each repeat is a `change`; only where the user stops is asked for. The range stops at `first`.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(400);
    assert.deepEqual((await posted()).slice(2), [{ kind: 'scrub', step: 3 }]);
    await page.keyboard.press('End');
    await page.waitForTimeout(400);
    assert.deepEqual((await posted()).slice(3), [{ kind: 'scrub', step: 12 }]);

    await page.locator('#follow').click();
    assert.deepEqual((await posted()).slice(4), [{ kind: 'follow' }]);
    await page.locator('#follow').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__posted.length > 6);
    assert.deepEqual((await posted()).slice(5), [{ kind: 'follow' }]);

    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle();
    const r = await page.evaluate(() => window.nnetInspector!.read());
    assert.deepEqual(r.optimizer?.tensors, ['m̂', 'v̂', 'effective step'], 'restored from getState');
    assert.deepEqual([r.slider?.value, r.slider?.live, r.clip?.barWidth, r.grid.length], [5, false, '25.0%', 7]);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errors, []);
  });

  test('a malformed new field drops the whole message: nothing changes and a warning goes to the host log', async () => {
    await open('dark');
    await send(sectionsMessage());
    await settle();
    const before = await page.evaluate(() => window.nnetInspector!.read());
    for (const [why, bad] of malformedSections()) {
      const sent = await page.evaluate(() => window.__posted.length);
      await page.evaluate(
        (json) => window.postMessage({ ...JSON.parse(json), title: 'changed' }, '*'),
        JSON.stringify(bad),
      );
      await settle();
      assert.deepEqual(await page.evaluate(() => window.nnetInspector!.read()), before, why);
      const logged = await page.evaluate((n) => window.__posted.slice(n), sent);
      assert.deepEqual(
        logged,
        [{ kind: 'log', level: 'warn', message: 'ignoring a malformed message' }],
        `${why}: warned through the host, not the console`,
      );
    }
    assert.equal(await page.locator('#title').innerText(), 'Layer h1 (backward)');
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, [], 'nothing on the console, which no user reads');
  });
});
