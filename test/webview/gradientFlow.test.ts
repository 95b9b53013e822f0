// Tests of the Gradient Flow view: the built bundle in headless Chromium (its pure parts: gradientFlowModel.test.ts;
// its provider: gradientFlowProvider.test.ts).

// Run after `node scripts/build.mjs`:  node --import tsx --test test/webview/gradientFlow.test.ts

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { THEMES } from './themes';
import { MAX_SHOWN_POINTS } from '../../webview/gradientFlow/model';
import { GRADS, LAYERS, lossPoints } from './gradientFlowRuns';
import {
  canvasPixels,
  feedRun,
  frames,
  posted,
  read,
  send,
  sendRaw,
  settle,
  SHOTS,
  startServer,
  switchTheme,
  type Theme,
} from './gradientFlowPage';

describe('gradient flow webview (headless Chromium)', () => {
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
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
