// E2E in a real VS Code (code-server): Train deep-sigmoid.nnet, and the training doctor's findings appear on their
// lines (a warning squiggle on the repeated sigmoid layer, rows with source `nnet doctor` in Problems); an edit of
// the file clears them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickTrain } from './actions';
import { withWorkbench } from './workbench';

test(
  'Train deep-sigmoid.nnet: the doctor names the vanishing gradient on the layer line; an edit clears it',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'doctor' }, async (wb) => {
      const { page } = wb;
      await wb.openFile('deep-sigmoid.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      t.diagnostic(`Train pressed via ${await clickTrain(wb)}`);
      await wb.waitUntil(
        'the status bar to say the run finished',
        async () =>
          (await page.locator('.part.statusbar .statusbar-item', { hasText: /finished after \d+ steps/ }).count()) > 0,
        120_000,
        500,
      );
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: /vanishing gradient/ });
      await row.first().waitFor({ timeout: 30_000 });
      const text = (await row.first().innerText()).replace(/\s+/g, ' ');
      t.diagnostic(`Problems: ${text}`);
      assert.match(text, /nnet doctor/, 'the source names the doctor');
      assert.match(text, /Ln 6, Col 5/, 'on the repeated `dense h 16 sigmoid` line');
      await page.locator('.editor-instance .monaco-editor .squiggly-warning').first().waitFor({ timeout: 10_000 });
      await wb.screenshot('doctor-deep-sigmoid');

      // Any edit may move the lines the findings sit on: they go.
      await wb.gotoLine(1);
      await page.keyboard.press('End');
      await page.keyboard.type(' (edited)');
      await wb.waitUntil(
        'the doctor findings to go',
        async () => (await page.locator('.markers-panel .monaco-list-row', { hasText: /nnet doctor/ }).count()) === 0,
        30_000,
      );
      await wb.screenshot('doctor-after-edit');
    });
  },
);
