// Tests of the Gradient Flow view's panels in headless Chromium: legends, state across a reload, themes, vanishing and
// exploding highlights, the gradient-norm and update-ratio charts, ranks, compared runs, the scale toggle, the empty
// view (the rest of the page: gradientFlow.test.ts).

// Run after `node scripts/build.mjs`:  node --import tsx --test test/webview/gradientFlowPanels.test.ts

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import { THEMES } from './themes';
import { GRADS, LAYERS, lossPoints } from './gradientFlowRuns';
import { canvasPixels, feedRun, posted, read, send, settle, SHOTS, switchTheme, type Theme } from './gradientFlowPage';
import { gradientFlowBrowser } from './gradientFlowBrowser';

describe('gradient flow webview panels (headless Chromium)', () => {
  const view = gradientFlowBrowser();
  let page: Page;
  const open = async (theme: Theme = 'dark') => {
    page = await view.open(theme);
  };
  const assertHealthy = () => view.assertHealthy();

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
      assert.match(text.norm ?? '', new RegExp(`threshold 1 · clipped in ${clipped} of 80 sampled steps`));
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
