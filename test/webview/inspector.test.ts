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
import { readPausedLayer, shapeOfType, type DapRequest } from '../../extension/views/dapTensors';
import { renderInspectorHtml } from '../../extension/views/inspectorHtml';
import { blockValue, displayGrid, divergingColor, histogram, indexLabel, matrixShape, maxAbs, tensorStats } from '../../webview/inspector/numbers';
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
    assert.equal(histogram([2, 2, 2], 5).counts.reduce((a, b) => a + b), 3);
    assert.deepEqual(histogram([NaN], 3).counts, [0, 0, 0]);
  });

  test('diverging colour scale is centred on 0 and saturates at ±limit', () => {
    const neg = [0, 0, 255] as const, mid = [255, 255, 255] as const, pos = [255, 0, 0] as const, bad = [1, 2, 3] as const;
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
    for (const bad of [null, 1, { kind: 'layer' }, { kind: 'layer', title: 't', where: '', tensors: [{ name: 'W', path: 'W', shape: [2], values: [1, 2, 3] }], scalars: [] },
      { kind: 'layer', title: 't', where: '', tensors: [{ name: 'W', path: 'W', shape: [-1], values: [] }], scalars: [] },
      { kind: 'layer', title: 't', where: '', tensors: [{ name: 'W', path: 'W', shape: [1], values: ['1'] }], scalars: [] },
      { kind: 'layer', title: 't', where: '', tensors: [], scalars: [{ name: 'x' }] }, { kind: 'empty' }]) {
      assert.equal(parseHostToInspector(bad), undefined, JSON.stringify(bad));
    }
    const ok = parseHostToInspector(JSON.parse(JSON.stringify({ kind: 'layer', title: 't', where: 'w', scalars: [], tensors: [{ name: 'W', path: 'h.W', shape: [2, 2], values: [1, NaN] }] })));
    assert.ok(ok?.kind === 'layer' && Number.isNaN(ok.tensors[0].values[1]) && ok.tensors[0].truncated);
    assert.ok(isInspectorToHost({ kind: 'ready' }) && isInspectorToHost({ kind: 'refresh' }));
    assert.ok(!isInspectorToHost({ kind: 'train' }) && !isInspectorToHost(null));
  });

  test('reads the paused layer through DAP threads/stackTrace/scopes/variables, exact values, truncating huge tensors', async () => {
    assert.deepEqual(shapeOfType('Float32[32×4]'), [32, 4]);
    assert.equal(shapeOfType('float32'), undefined);
    const W = [[0.5, -1.25, 3], [NaN, 0, -Infinity]];
    const refs: Record<number, { name: string; value: string; type?: string; variablesReference: number; evaluateName?: string }[]> = {
      10: [
        { name: 'W', value: 'Float32[2×3] …', type: 'Float32[2×3]', variablesReference: 20, evaluateName: 'h1.W' },
        { name: 'b', value: 'Float32[3] …', type: 'Float32[3]', variablesReference: 30, evaluateName: 'h1.b' },
        { name: 'note', value: 'x', variablesReference: 0 },
      ],
      11: [{ name: 'loss', value: '0.25', variablesReference: 0 }, { name: 'clip coefficient', value: '0.5', variablesReference: 0 }],
      20: W.map((_, i) => ({ name: `[${i}]`, value: '[…]', variablesReference: 21 + i })),
      21: W[0].map((v, i) => ({ name: `[${i}]`, value: String(v), variablesReference: 0 })),
      22: W[1].map((v, i) => ({ name: `[${i}]`, value: String(v), variablesReference: 0 })),
      30: [0.1, 0.2, 0.30000001192092896].map((v, i) => ({ name: `[${i}]`, value: String(v), variablesReference: 0 })),
    };
    const log: string[] = [];
    const req: DapRequest = async (command, args) => {
      log.push(command);
      switch (command) {
        case 'threads': return { threads: [{ id: 1, name: 't' }] };
        case 'stackTrace': return { stackFrames: [{ id: 2, name: 'δ = …  (1/4)' }, { id: 1, name: 'backward h1 · step 3 · epoch 1' }] };
        case 'scopes': return { scopes: [{ name: 'Layer h1 (backward)', variablesReference: 10 }, { name: 'Network', variablesReference: 12 }, { name: 'Training', variablesReference: 11 }] };
        case 'variables': {
          const all = refs[args?.variablesReference as number] ?? [];
          const start = (args?.start as number | undefined) ?? 0;
          return { variables: all.slice(start, args?.count ? start + (args.count as number) : undefined) };
        }
        default: throw new Error(command);
      }
    };
    const layer = await readPausedLayer(req);
    assert.ok(layer);
    assert.equal(layer.title, 'Layer h1 (backward)');
    assert.equal(layer.where, 'backward h1 · step 3 · epoch 1');
    assert.deepEqual(layer.tensors.map((t) => [t.name, t.path, t.shape, t.truncated]), [['W', 'h1.W', [2, 3], false], ['b', 'h1.b', [3], false]]);
    assert.deepEqual(layer.tensors[0].values, W.flat());
    assert.equal(layer.tensors[1].values[2], 0.30000001192092896);
    assert.deepEqual(layer.scalars, [{ name: 'loss', value: '0.25' }, { name: 'clip coefficient', value: '0.5' }]);
    const small = await readPausedLayer(req, 3);
    assert.deepEqual(small?.tensors[0].values, W[0]);
    assert.equal(small?.tensors[0].truncated, true);
    const none = await readPausedLayer(async (c) => (c === 'threads' ? { threads: [{ id: 1 }] } : { stackFrames: [] }));
    assert.equal(none, undefined);
  });

  test('HTML has the strict CSP, one nonce script, no inline styles', () => {
    const html = renderInspectorHtml({ cspSource: 'https://x.test', nonce: 'n1', styleNonce: 's1', scriptUri: 'https://x.test/i.js', styleUri: 'https://x.test/i.css' });
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
    'foreground': '#cccccc', 'editor-foreground': '#cccccc', 'editor-background': '#1f1f1f', 'descriptionForeground': '#9d9d9d',
    'charts-blue': '#3794ff', 'charts-red': '#f14c4c', 'charts-yellow': '#cca700', 'editorWidget-border': '#454545',
    'editorHoverWidget-background': '#202020', 'editorHoverWidget-foreground': '#cccccc', 'editorHoverWidget-border': '#454545',
    'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'focusBorder': '#0078d4',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', 'font-size': '13px', 'font-weight': 'normal',
  },
  light: {
    'foreground': '#3b3b3b', 'editor-foreground': '#3b3b3b', 'editor-background': '#ffffff', 'descriptionForeground': '#595959',
    'charts-blue': '#1a85ff', 'charts-red': '#e51400', 'charts-yellow': '#bf8803', 'editorWidget-border': '#c8c8c8',
    'editorHoverWidget-background': '#f8f8f8', 'editorHoverWidget-foreground': '#3b3b3b', 'editorHoverWidget-border': '#c8c8c8',
    'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'focusBorder': '#005fb8',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', 'font-size': '13px', 'font-weight': 'normal',
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
  const vars = Object.entries(THEMES[theme]).map(([k, v]) => `--vscode-${k}: ${v}`).join('; ').replace(/"/g, '&quot;');
  return renderInspectorHtml({
    cspSource: origin, nonce: crypto.randomBytes(18).toString('base64'), styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: `${origin}/dist/webview/inspector.js`, styleUri: `${origin}/dist/webview/inspector.css`,
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
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml(`http://${req.headers.host}`, url.searchParams.get('theme') === 'light' ? 'light' : 'dark'));
      return;
    }
    const file = path.join(DIST, path.basename(url.pathname));
    if (!url.pathname.startsWith('/dist/webview/') || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/json' });
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
    kind: 'layer', title: 'Layer h1 (backward)', where: 'backward h1 · step 12 · epoch 3',
    tensors: [
      { name: 'W', path: 'h1.W', shape: [16, 8], values: W, truncated: false },
      { name: 'W.grad', path: 'h1.W.grad', shape: [16, 8], values: G, truncated: false },
      { name: 'z', path: 'h1.z', shape: [4, 16], values: z, truncated: false },
      { name: 'b', path: 'h1.b', shape: [16], values: Array.from({ length: 16 }, (_, i) => (i === 5 ? NaN : i / 100)), truncated: false },
    ],
    scalars: [{ name: 'loss', value: '0.4321' }, { name: 'grad norm (before clip)', value: '3.2' }, { name: 'clip coefficient', value: '0.3125' }],
  };
}

describe('layer inspector webview (headless Chromium)', () => {
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  before(async () => {
    assert.ok(fs.existsSync(path.join(DIST, 'inspector.js')), 'dist/webview/inspector.js missing: run `node scripts/build.mjs` first');
    server = await startServer();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
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
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${origin}/?theme=${theme}`);
    await page.waitForFunction(() => window.__posted.length > 0);
  }
  const send = (msg: unknown) => page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(msg));
  const settle = () => page.evaluate(() => new Promise<void>((r) => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 0)), 0)));

  for (const theme of ['dark', 'light'] as const) {
    test(`draws heat maps whose pixels match the diverging scale, histograms and the stats table (${theme})`, async () => {
      await open(theme);
      assert.deepEqual(await page.evaluate(() => window.__posted), [{ kind: 'ready' }]);
      const msg = layerMessage();
      await send(msg);
      await settle();
      const r = await page.evaluate(() => window.nnetInspector!.read());
      assert.equal(r.title, 'Layer h1 (backward)');
      assert.deepEqual(r.tensors.map((t) => t.name), ['W', 'W.grad', 'z', 'b']);
      assert.deepEqual([r.tensors[0].drawRows, r.tensors[0].drawCols], [16, 8]);
      assert.equal(r.tensors[0].histogram.reduce((a, b) => a + b), 128);

      // Sampled pixels of each heat map are exactly the scale's colour of the value at that cell.
      if (msg.kind !== 'layer') throw new Error();
      for (const [k, t] of msg.tensors.entries()) {
        const cols = t.shape.length === 1 ? t.shape[0] : t.shape[1];
        for (const idx of [0, 3, 5, 17, Math.floor(t.values.length / 2), t.values.length - 1].filter((i) => i < t.values.length)) {
          const got = await page.evaluate(({ k, x, y }) => Array.from((document.getElementById(`heat-${k}`) as HTMLCanvasElement).getContext('2d')!.getImageData(x, y, 1, 1).data.slice(0, 3)), { k, x: idx % cols, y: Math.floor(idx / cols) });
          const want = await page.evaluate(({ k, v }) => window.nnetInspector!.colorOf(k, v), { k, v: t.values[idx] });
          assert.deepEqual(got, want, `${t.name}[${idx}] = ${t.values[idx]}`);
        }
      }
      // Zero is the editor background; the ends are the theme's blue and red.
      const zero = await page.evaluate(() => window.nnetInspector!.colorOf(1, 0));
      const bg = parseInt(THEMES[theme]['editor-background'].slice(1), 16);
      assert.deepEqual(zero, [(bg >> 16) & 255, (bg >> 8) & 255, bg & 255]);

      const table = await page.evaluate(() => [...document.querySelectorAll('#stats tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent)));
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
    await send({ kind: 'layer', title: 'big', where: 'w', scalars: [], tensors: [{ name: 'W', path: 'big.W', shape: [1024, 1024], values: big, truncated: false }] });
    await page.waitForFunction(() => window.nnetInspector!.read().tensors.length > 0, undefined, { timeout: 20_000 }).catch(() => undefined);
    let r = await page.evaluate(() => window.nnetInspector!.read());
    assert.deepEqual(errors, []);
    assert.deepEqual([r.tensors[0].drawRows, r.tensors[0].drawCols, r.tensors[0].limit], [256, 256, 40]);
    // The single large entry survives downsampling: its block shows the saturated positive colour.
    const px = await page.evaluate(() => Array.from((document.getElementById('heat-0') as HTMLCanvasElement).getContext('2d')!.getImageData(225, 1, 1, 1).data.slice(0, 3)));
    assert.deepEqual(px, await page.evaluate(() => window.nnetInspector!.colorOf(0, 40)));

    await send(layerMessage());
    await settle();
    for (const junk of [null, { kind: 'layer' }, { kind: 'layer', title: 1 }, { kind: 'empty', text: 5 }]) await page.evaluate((d) => window.postMessage(d, '*'), junk);
    await settle();
    r = await page.evaluate(() => window.nnetInspector!.read());
    assert.equal(r.tensors.length, 4);
    await page.reload();
    await page.waitForFunction(() => window.__posted.length > 0);
    await settle();
    r = await page.evaluate(() => window.nnetInspector!.read());
    assert.deepEqual(r.tensors.map((t) => t.name), ['W', 'W.grad', 'z', 'b'], 'restored from getState');
    await send({ kind: 'empty', text: 'The debugger is running; pause on a layer to inspect it.' });
    await settle();
    assert.equal(await page.locator('#where').innerText(), 'The debugger is running; pause on a layer to inspect it.');
    assert.deepEqual(errors, []);
  });
});
