// Tests of the Gradient Flow view: the built bundle in headless Chromium: start-up, drawing, buttons, the debug
// session's marks, the loss curve, hostile messages, long runs and draw pacing (its panels: gradientFlowPanels.test.ts;
// its pure parts: gradientFlowModel.test.ts; its provider: gradientFlowProvider.test.ts).

// Run after `node scripts/build.mjs`:  node --import tsx --test test/webview/gradientFlow.test.ts

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type Page } from 'playwright-core';
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
  type Theme,
} from './gradientFlowPage';
import { gradientFlowBrowser } from './gradientFlowBrowser';

describe('gradient flow webview (headless Chromium)', () => {
  const view = gradientFlowBrowser();
  let page: Page;
  const open = async (theme: Theme = 'dark') => {
    page = await view.open(theme);
  };
  const assertHealthy = () => view.assertHealthy();

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
    const running = await toolbarBox(page);
    assert.equal(running.rows, 1, `the four buttons fit one row of a 300 px sidebar: ${JSON.stringify(running)}`);
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
    // Continue takes Pause's room: the charts below do not move when a session pauses.
    assert.deepEqual(await toolbarBox(page), running);
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
});

/** The toolbar's height, its rows of buttons and the Pause/Continue button's width. */
function toolbarBox(page: Page): Promise<{ height: number; rows: number; pause: number }> {
  return page.evaluate(() => {
    const bar = document.querySelector('.toolbar') as HTMLElement;
    const tops = new Set([...bar.children].map((b) => Math.round(b.getBoundingClientRect().top)));
    return {
      height: bar.getBoundingClientRect().height,
      rows: tops.size,
      pause: (document.getElementById('pause') as HTMLElement).getBoundingClientRect().width,
    };
  });
}
