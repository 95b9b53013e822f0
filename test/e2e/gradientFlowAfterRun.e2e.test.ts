// E2E in a real VS Code (code-server): a Gradient Flow view opened only after a run has finished shows that run as
// it ended (last step's bars, whole loss curve, norms), not its first progress update; and still does after a reload.
// The Findings view below it says the run was healthy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickTrain } from './actions';
import { openGradientFlow } from './gradientFlow';
import { withWorkbench } from './workbench';

/** examples/xor.nnet: 2000 epochs of one 4-sample batch. */
const XOR_STEPS = 2000;

interface Shown {
  step: string;
  status: string;
  lossSummary: string;
  normSummary: string;
  lossPoints: number;
  lastLossEpoch: number;
  normLastStep: number;
  normPoints: number;
}

test(
  'Gradient Flow opened after Train has finished shows the finished run, not its first step',
  { timeout: 180_000 },
  async (t) => {
    await withWorkbench({ name: 'gradient-flow-after-run' }, async (wb) => {
      const { page } = wb;
      await wb.openFile('xor.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      const sidebarHasView = async () => {
        for (const f of page.frames())
          if (
            await f
              .locator('#gradflow-chart')
              .count()
              .catch(() => 0)
          )
            return true;
        return false;
      };
      assert.equal(await sidebarHasView(), false, 'the Gradient Flow view is closed before training');

      t.diagnostic(`Train pressed via ${await clickTrain(wb)}`);
      const done = await wb.waitUntil(
        'the status bar to say the run finished',
        async () => {
          const item = page.locator('.part.statusbar .statusbar-item', { hasText: /finished after \d+ steps/ });
          return (await item.count()) > 0 ? item.first().innerText() : undefined;
        },
        90_000,
        500,
      );
      t.diagnostic(`status bar: ${done}`);
      assert.match(done, new RegExp(`finished after ${XOR_STEPS} steps`));
      assert.equal(await sidebarHasView(), false, 'Train did not open the view by itself');

      const flow = await openGradientFlow(wb);
      const shown = await wb.waitUntil(
        'the view to show the finished run',
        async () => {
          // No named helpers inside: tsx would wrap them in a __name() call the page does not have.
          const s: Shown = await flow.locator('body').evaluate(() => {
            const [step, status, lossSummary, normSummary] = ['step', 'status', 'loss-summary', 'norm-summary'].map(
              (id) => document.getElementById(id)?.textContent ?? '',
            );
            const r = (
              window as unknown as {
                nnetGradientFlow: {
                  read(): {
                    loss: { datasets: { data: { x: number }[] }[] };
                    norm: { datasets: { data: { x: number }[] }[] };
                  };
                };
              }
            ).nnetGradientFlow.read();
            const loss = r.loss.datasets[0]?.data ?? [];
            const norm = r.norm.datasets[0]?.data ?? [];
            return {
              step,
              status,
              lossSummary,
              normSummary,
              lossPoints: loss.length,
              lastLossEpoch: loss.at(-1)?.x ?? NaN,
              normLastStep: norm.at(-1)?.x ?? NaN,
              normPoints: norm.length,
            };
          });
          return /finished/.test(s.status) && s.lossPoints > 0 ? s : undefined;
        },
        30_000,
        500,
      );
      t.diagnostic(JSON.stringify(shown));
      await wb.screenshot('opened-after-run');
      // The curves sit below the bars in the sidebar: bring them into view for a second picture.
      await flow.locator('#norm-chart').scrollIntoViewIfNeeded();
      await wb.screenshot('opened-after-run-curves');
      assert.equal(shown.step, `step ${XOR_STEPS}`, "the bars are the last step's");
      assert.equal(shown.lastLossEpoch, XOR_STEPS, 'the loss curve runs to the last epoch');
      // The worker sends at most 256 points per progress message (each stretch's lowest and highest); xor's 2000
      // epochs take one or two messages.
      assert.ok(shown.lossPoints > 200, `the whole loss curve, not the first epoch: ${shown.lossPoints} points`);
      assert.match(shown.lossSummary, new RegExp(`^epoch ${XOR_STEPS}: `));
      assert.equal(shown.normLastStep, XOR_STEPS, 'the norm curve ends at the last step');
      // Every step is traced (up to 128 points of each stretch a message): not one sample per progress message.
      assert.ok(shown.normPoints > 60, `the norm curve has the run's steps: ${shown.normPoints} points`);
      assert.match(shown.normSummary, new RegExp(`^step ${XOR_STEPS}: `));
      // The clip fraction counts every step (the worker's count), not the thinned points drawn.
      assert.match(shown.normSummary, new RegExp(`clipped in 0 of ${XOR_STEPS} steps \\(0%\\)$`));
      // The Findings view below says the run was healthy, not "Train a network…" as if nothing had run.
      const findings = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Findings/i }) });
      const healthy = await wb.waitUntil(
        'the Findings view to speak of the run',
        async () => {
          const m = findings.locator('.message');
          return (await m.count()) ? (await m.first().innerText()).trim() || undefined : undefined;
        },
        30_000,
        500,
      );
      t.diagnostic(`Findings view: ${healthy}`);
      assert.equal(healthy, 'The doctor found nothing wrong in the last run of xor.nnet.');
      await wb.screenshot('findings-healthy');

      // Reloaded: the extension host starts again with no run; the view keeps the run it saved, and says how it ended.
      await wb.runCommand('Developer: Reload Window');
      await page.locator('.part.statusbar').waitFor({ timeout: 60_000 });
      const activations = () => wb.trace().filter((e) => (e as { kind?: string }).kind === 'activated').length;
      await wb.waitUntil('the extension activated again', async () => activations() >= 2, 60_000, 500);
      const again = await openGradientFlow(wb);
      const read = () =>
        again
          .locator('body')
          .evaluate(() => ['step', 'status'].map((id) => document.getElementById(id)?.textContent ?? ''));
      await wb.waitUntil('the view after the reload', async () => (await read())[0] !== '', 60_000, 500);
      // The view draws what it saved at once and hears from the new host soon after: read it for a few seconds.
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++, await page.waitForTimeout(500)) seen.add(JSON.stringify(await read()));
      t.diagnostic(`after reload: ${[...seen].join(' then ')}`);
      await wb.screenshot('after-reload');
      for (const s of seen) {
        const [step, status] = JSON.parse(s) as string[];
        assert.equal(step, `step ${XOR_STEPS}`);
        assert.match(status, new RegExp(`finished after ${XOR_STEPS} steps`), 'not "No run yet" over the run it shows');
      }
    });
  },
);
