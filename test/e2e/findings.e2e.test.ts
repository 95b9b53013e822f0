// E2E in a real VS Code (code-server): the Findings view. Empty, it offers Train; after Train of deep-sigmoid.nnet it
// lists the doctor's findings with their steps; a click puts the cursor on the finding's line; Go to First Occurrence
// with no session starts one paused on entry and runs it forward to the finding's first step, and in a session
// rewinds to another finding's; with a second file trained the rows go under a row per file; Apply Fix makes the
// light bulb's edit and that file's rows go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { clickTrain, trainTraced, untilTraced } from './actions';
import { callStackRows, variableRows } from './debugViews';
import { withWorkbench, type Workbench } from './workbench';

/** The Findings view's pane (its header reads FINDINGS). */
const pane = (page: Page) => page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Findings/i }) });

/** A row of the Findings view. */
const row = (page: Page, label: RegExp) => pane(page).locator('.monaco-list-row', { hasText: label });

/** Waits until the Variables view lists the stop's scope (it fills after the Call Stack), so a screenshot shows it. */
async function untilVariablesShow(wb: Workbench, scope: RegExp): Promise<void> {
  await wb.waitUntil(
    `the Variables view on ${scope.source}`,
    async () => (await variableRows(wb.page)).some((r) => scope.test(r)),
    15_000,
  );
}

/** Shows the Findings view (the sidebar may be on Run and Debug). */
async function showFindings(wb: Workbench): Promise<void> {
  await wb.runCommand('Focus on Findings View');
  await pane(wb.page).locator('.pane-body').waitFor({ timeout: 15_000 });
}

/**
 * Runs a row's inline action: hovering the row shows its action bar. The hover is made again until the button shows
 * (the list re-renders as findings arrive, and a row redrawn under a still pointer gets no hover).
 */
async function rowAction(wb: Workbench, label: RegExp, action: string): Promise<void> {
  const r = row(wb.page, label).first();
  const button = r.locator(`.actions .action-label[aria-label="${action}"]`);
  await wb.waitUntil(
    `the ${action} button on the row`,
    async () => {
      if (await button.isVisible()) return true;
      await wb.page.mouse.move(0, 0);
      await r.hover({ timeout: 2_000 });
      return button.isVisible();
    },
    10_000,
    500,
  );
  await button.click({ timeout: 10_000 });
}

/** Waits until the top frame of the Call Stack names `step`, and returns it. */
async function topFrameAt(wb: Workbench, step: number): Promise<string> {
  return wb.waitUntil(
    `the Call Stack at step ${step}`,
    async () => {
      // The Call Stack is in Run and Debug: shown again if the sidebar is elsewhere (showing it twice is harmless).
      if (!(await wb.page.locator('.debug-call-stack').isVisible())) await wb.page.keyboard.press('Control+Shift+D');
      return (await callStackRows(wb.page)).find((r) => new RegExp(`· step ${step} · epoch`).test(r));
    },
    60_000,
  );
}

test(
  'Findings view: Train from its welcome, rows with steps, reveal the line, Go to First Occurrence forward and back, Apply Fix',
  { timeout: 300_000 },
  async (t) => {
    await withWorkbench({ name: 'findings', height: 1000 }, async (wb) => {
      const { page } = wb;
      await wb.openFile('deep-sigmoid.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      await showFindings(wb);
      const train = pane(page).locator('.welcome-view-content .monaco-button', { hasText: /^Train$/ });
      await train.waitFor({ timeout: 15_000 });
      assert.match(await pane(page).locator('.welcome-view-content').innerText(), /see what the doctor finds/);
      await wb.screenshot('findings-empty');

      // Train from the welcome's button: the rows come when the run ends. Clicked again if Train has not reached the
      // extension a while later (a click while the welcome view re-renders is lost).
      await untilTraced(wb, 'Train from the welcome to reach the extension', trainTraced, () =>
        train.click({ timeout: 5_000 }),
      );
      const vanishing = row(page, /vanishing gradient \(h_4\)/);
      await vanishing.first().waitFor({ timeout: 120_000 });
      const vText = (await vanishing.first().innerText()).replace(/\s+/g, ' ');
      const unchanged = row(page, /unchanged weights/);
      const uText = (await unchanged.first().innerText()).replace(/\s+/g, ' ');
      t.diagnostic(`rows: ${vText} | ${uText}`);
      assert.match(vText, /steps 1–200 · ×200/);
      const firstStep = Number(/steps (\d+)–/.exec(uText)?.[1]);
      assert.ok(firstStep > 1, `unchanged weights starts after the first step (${uText})`);
      // The run is over: its progress notification (with its Cancel button) goes away with it.
      const progress = wb.notifications().filter({ hasText: /Training deep-sigmoid\.nnet/ });
      await wb.waitUntil(
        'the Train progress notification to close',
        async () => (await progress.count()) === 0,
        15_000,
      );
      await wb.screenshot('findings-after-train');

      // The tooltip: evidence, fix, docs. Hovered again until it shows (a row redrawn under the pointer gets no hover).
      const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: /Measured .* threshold/ });
      let hoveredAt = 0;
      await wb.waitUntil(
        'the tooltip of the vanishing-gradient row',
        async () => {
          if (await hover.first().isVisible()) return true;
          if (Date.now() - hoveredAt > 4_000) {
            hoveredAt = Date.now();
            await page.mouse.move(0, 0);
            await vanishing.first().hover({ timeout: 2_000 });
          }
          return false;
        },
        15_000,
      );
      const tip = (await hover.first().innerText()).replace(/\s+/g, ' ');
      t.diagnostic(`tooltip: ${tip}`);
      assert.match(tip, /relu with He init/);
      await wb.screenshot('findings-tooltip');
      await page.mouse.move(0, 0);

      // Selecting the row reveals its line.
      await page.keyboard.press('Escape');
      await wb.gotoLine(1);
      const cursor = page.locator('[id="status.editor.selection"]');
      let clickedAt = 0; // clicked again while the cursor has not moved: selecting the row again reveals the same line
      await wb.waitUntil(
        'the cursor on line 6',
        async () => {
          if (/Ln 6, Col 5/.test(await cursor.innerText())) return true;
          if (Date.now() - clickedAt > 4_000) {
            clickedAt = Date.now();
            await vanishing.first().click({ timeout: 3_000 });
          }
          return false;
        },
        15_000,
      );
      await wb.screenshot('findings-revealed');

      // A second file with findings: the rows go under one row per file.
      await wb.openFile('zero-init.nnet');
      t.diagnostic(`zero-init.nnet: Train pressed via ${await clickTrain(wb)}`);
      const files = pane(page).locator('.monaco-list-row', { hasText: /^\s*(deep-sigmoid|zero-init)\.nnet/ });
      await wb.waitUntil('a row per file', async () => (await files.count()) === 2, 120_000);
      assert.equal(await row(page, /symmetric units \(h1\)/).count(), 1);
      assert.equal(await vanishing.count(), 1, 'the first file keeps its rows');
      await wb.screenshot('findings-two-files');

      // Go to First Occurrence with no session: it offers one, paused on entry, then runs on to the first step.
      await rowAction(wb, /unchanged weights/, 'Go to First Occurrence');
      const offer = wb.notifications().filter({ hasText: /No debug session of deep-sigmoid\.nnet/ });
      await offer.first().waitFor({ timeout: 15_000 });
      await wb.screenshot('findings-offer-debug');
      // A notification's button closes it: while it still shows a while later, the click was lost and is made again.
      const debugAndGo = offer.first().locator('.monaco-button', { hasText: 'Debug and Go' });
      await debugAndGo.click();
      let clickedAt2 = Date.now();
      await wb.waitUntil(
        'the offer to be taken',
        async () => {
          if (!(await debugAndGo.isVisible())) return true;
          if (Date.now() - clickedAt2 > 4_000) {
            clickedAt2 = Date.now();
            await debugAndGo.click({ timeout: 3_000 });
          }
          return false;
        },
        30_000,
      );
      const forward = await topFrameAt(wb, firstStep);
      t.diagnostic(`after Go to First Occurrence (forward): ${forward}`);
      assert.match(forward, new RegExp(`^forward h_1 · step ${firstStep} · epoch ${firstStep}\\b`));
      await untilVariablesShow(wb, /^Layer h_1 \(forward\)/);
      await wb.screenshot('findings-goto-forward');

      // In the session: the vanishing gradient's first occurrence is step 1, behind: the session rewinds there.
      await showFindings(wb);
      await rowAction(wb, /vanishing gradient \(h_4\)/, 'Go to First Occurrence');
      await page
        .locator('.repl .monaco-list-row', { hasText: 'Went to the start of step 1' })
        .first()
        .waitFor({ timeout: 60_000 });
      await page.keyboard.press('Control+Shift+D'); // back to Run and Debug, where the Call Stack is
      const back = await topFrameAt(wb, 1);
      t.diagnostic(`after Go to First Occurrence (back): ${back}`);
      assert.match(back, /^forward h_1 · step 1 · epoch 1\b/);
      // Rewound to before the first update: h_1's biases are their initial zeros again (they were not at step 3).
      await untilVariablesShow(wb, /^b = Float32\[16\] mean 0 min 0 max 0\b/);
      await wb.screenshot('findings-goto-back');

      // Apply Fix: the light bulb's edit on line 6; the edit clears the findings.
      await showFindings(wb);
      await rowAction(wb, /vanishing gradient \(h_4\)/, 'Apply Fix');
      await page
        .locator('.editor-instance .view-line', { hasText: /dense\sh\s16\srelu\sinit=he/ })
        .first()
        .waitFor({ timeout: 15_000 });
      // deep-sigmoid.nnet's rows go; zero-init.nnet's stay, no longer under a file row.
      await wb.waitUntil(
        'deep-sigmoid.nnet rows to go',
        async () => (await row(page, /vanishing|unchanged/).count()) === 0,
      );
      await row(page, /symmetric units \(h1\)/)
        .first()
        .waitFor({ timeout: 10_000 });
      assert.equal(await files.count(), 0, 'one file left: no file rows');
      await wb.screenshot('findings-after-fix');
    });
  },
);
