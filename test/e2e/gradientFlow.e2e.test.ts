// E2E in a real VS Code (code-server): the Gradient Flow view's own buttons. Train the 10-layer sigmoid example
// from the view and see the starving layers highlighted; then Debug, Pause, Continue and Stop from the view, with
// the paused step marked on the curves.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../../scripts/codeServer.mjs';
import { debugToolbarVisible } from './debugViews';
import { mentions, openGradientFlow, summarize } from './gradientFlow';
import { withWorkbench } from './workbench';
import { trainTraced, untilTraced } from './actions';

const DEEP = fs.readFileSync(path.join(ROOT, 'examples', 'deep-sigmoid.nnet'), 'utf8');
// The same network trained long enough to be paused by hand.
const LONG = DEEP.replace(/epochs \d+/, 'epochs 2000000');

test(
  'Gradient Flow buttons: Train highlights vanishing layers; Debug, Pause (marker), Continue, Stop',
  { timeout: 240_000 },
  async (t) => {
    assert.notEqual(LONG, DEEP, 'examples/deep-sigmoid.nnet has no `epochs` line to lengthen');
    await withWorkbench({ name: 'gradient-flow-buttons', files: { 'deep-long.nnet': LONG } }, async (wb) => {
      const { page } = wb;
      await wb.openFile('deep-sigmoid.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      let flow = await openGradientFlow(wb);

      // Train from the view: the active .nnet editor is the one trained. Clicked again if the extension has not heard
      // of it a while later (a click before the view's page listens is lost).
      await untilTraced(wb, 'Train from the view to reach the extension', trainTraced, () =>
        flow.locator('#train').click({ timeout: 5_000 }),
      );
      const summary = await wb.waitUntil(
        'the vanishing layers named under the bars',
        async () => {
          const text = await flow
            .locator('#health-summary')
            .innerText({ timeout: 1000 })
            .catch(() => '');
          return /Vanishing: /.test(text) && /finished/.test(await flow.locator('#status').innerText())
            ? text
            : undefined;
        },
        60_000,
        500,
      );
      t.diagnostic(summary);
      assert.ok(mentions(summary, 'h_1'), `the first sigmoid layer starves: ${summary}`);
      assert.ok(!mentions(summary, 'out'), 'the output layer is the reference, never vanishing');
      const rows = await flow
        .locator('#gradflow-table tbody tr[data-health="vanishing"] td:first-child')
        .allInnerTexts();
      assert.ok(rows.includes('h_1'), `the table marks h_1 vanishing: ${rows.join(', ')}`);
      await wb.screenshot('deep-sigmoid-vanishing');

      // Debug the long run from the view, pause it, see the marker, continue, stop.
      await wb.openFile('deep-long.nnet');
      const isDebug = (e: unknown) =>
        (e as { kind?: string; data?: { id?: string } }).kind === 'command' &&
        (e as { data?: { id?: string } }).data?.id === 'nnet.debug';
      await untilTraced(wb, 'Debug from the view to reach the extension', isDebug, () =>
        flow.locator('#debug').click({ timeout: 5_000 }),
      );
      await wb.waitUntil('the debug toolbar', () => debugToolbarVisible(page), 60_000);
      // Starting a session shows the Run and Debug view in the sidebar; go back to Gradient Flow as a user would.
      flow = await openGradientFlow(wb);
      await wb.waitUntil(
        'Pause enabled in the view',
        async () => !(await flow.locator('#pause').evaluate((b) => b.hasAttribute('disabled'))),
        30_000,
      );
      await wb.waitUntil(
        'training progress in the view',
        async () => /Training deep-long\.nnet: epoch/.test(await flow.locator('#status').innerText()),
        30_000,
      );
      await flow.locator('#pause').click();
      // The sidebar shows Gradient Flow, so the view's own status says where the session paused (as the Call Stack would).
      const frame = await wb.waitUntil(
        "Continue on the view's button and the paused status",
        async () => {
          const status = await flow.locator('#status').innerText();
          return (await flow.locator('#pause').innerText()).trim() === 'Continue' &&
            /^Paused on .* · step \d+/.test(status)
            ? status
            : undefined;
        },
        30_000,
      );
      t.diagnostic(`paused: ${frame}`);
      const marker = await flow.locator('body').evaluate(() => {
        const r = (
          window as unknown as {
            nnetGradientFlow: { read(): { loss: { marker?: number | null }; norm: { marker?: number | null } } };
          }
        ).nnetGradientFlow.read();
        return [r.loss.marker, r.norm.marker];
      });
      const step = Number(/step (\d+)/.exec(frame)?.[1]);
      assert.equal(marker[1], step, `the norm curve marks the paused step: ${JSON.stringify(marker)} vs ${frame}`);
      assert.ok(
        typeof marker[0] === 'number' && marker[0] >= 1,
        `the loss curve marks the paused epoch: ${JSON.stringify(marker)}`,
      );
      const s = await summarize(flow);
      assert.ok(s.canvases.filter((c) => c.painted > 0).length >= 3, `charts drawn: ${JSON.stringify(s.canvases)}`);
      await wb.screenshot('gradient-flow-paused');

      await flow.locator('#pause').click(); // Continue
      await wb.waitUntil(
        'running again (Pause on the button)',
        async () => (await flow.locator('#pause').innerText()).trim() === 'Pause',
        30_000,
      );
      // Stop is clicked again while the session still runs a while later (stopping twice is harmless).
      let stoppedAt = 0;
      await wb.waitUntil(
        'the debug session to end',
        async () => {
          if (!(await debugToolbarVisible(page))) return true;
          if (Date.now() - stoppedAt > 4_000) {
            stoppedAt = Date.now();
            await flow.locator('#stop').click({ timeout: 3_000 });
          }
          return false;
        },
        30_000,
      );
      await wb.waitUntil(
        'the view to say the run stopped',
        async () => !/^Training/.test(await flow.locator('#status').innerText()),
        30_000,
      );
      await wb.screenshot('gradient-flow-stopped');
    });
  },
);
