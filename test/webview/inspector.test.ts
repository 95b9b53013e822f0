// Tests of the Layer Inspector in headless Chromium: the built bundle under the webview's CSP (its numerics and DAP
// reading: inspectorNumbers.test.ts).

// Run after `node scripts/build.mjs`:  node --import tsx --test test/webview/inspector.test.ts

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { clipPart, decompPart, layerMessage, malformedSections, sectionsMessage } from './inspectorMessages';
import { SHOTS, startServer, THEMES, type Theme } from './inspectorPage';
import { HEADLESS_CHROMIUM_ARGS } from './serveWebview';

describe('layer inspector webview (headless Chromium)', () => {
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let warnings: string[];

  before(async () => {
    server = await startServer();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [...HEADLESS_CHROMIUM_ARGS],
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
    // A tensor named after its optimizer is not named twice in the grid ("momentum buffer").
    const adam = sectionsMessage().optimizer;
    await send({
      ...sectionsMessage(),
      optimizer: { ...adam, kind: 'momentum', tensors: [{ ...adam.tensors[0], name: 'momentum buffer' }] },
    });
    await settle();
    assert.deepEqual(
      (await gridRows()).slice(4).map((g) => g[0]),
      ['momentum buffer'],
    );
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
