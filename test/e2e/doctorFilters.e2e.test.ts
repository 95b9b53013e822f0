// E2E: the training doctor's rules as exception filters in a real VS Code (code-server). The Breakpoints view lists
// one filter per rule; ticking only "Saturated tanh/sigmoid" and debugging a saturated network stops on the h1 line
// with the rule's sentence in the exception widget; continuing to the end puts the session's findings in Problems
// (source `nnet doctor`), as a Train run does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { showExceptionFilters, startDebugging, tickOnly } from './actions';
import { withWorkbench } from './workbench';

const source = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'saturated.nnet'), 'utf8');
const H1_LINE = 5;
const LABELS = [
  'NaN or Inf',
  'Exploding gradient',
  'Vanishing gradient',
  'Dead ReLU layer',
  'Saturated tanh/sigmoid',
  'Symmetric units',
  'Update ratio out of range',
  'Unchanged weights',
  'All-zero weights',
  'Poor initialization',
  'Loss not decreasing',
  'Loss spike',
  'Overfitting',
];

test(
  'every doctor rule is an exception filter; the saturated one stops on h1, and the findings reach Problems',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'doctor-filters', height: 1300, files: { 'saturated.nnet': source } }, async (wb) => {
      const { page } = wb;
      await wb.openFile('saturated.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      await showExceptionFilters(wb, H1_LINE, 'Saturated tanh/sigmoid');
      const rows = page.locator('.debug-breakpoints .monaco-list-row');
      const listed = await wb.waitUntil(
        'every filter listed',
        async () => {
          const texts = (await rows.allInnerTexts()).map((x) => x.replace(/\s+/g, ' '));
          return LABELS.every((l) => texts.some((x) => x.includes(l))) ? texts : undefined;
        },
        20_000,
      );
      t.diagnostic(`Breakpoints view: ${listed.join(' | ')}`);
      const nan = rows.filter({ hasText: 'NaN or Inf' }).first();
      assert.equal(
        await nan.locator('.monaco-checkbox.checked, input[type="checkbox"]:checked, [aria-checked="true"]').count(),
        1,
        'NaN or Inf is on by default',
      );
      await wb.screenshot('doctor-filters-listed');

      await tickOnly(wb, 'Saturated tanh/sigmoid');
      await startDebugging(wb); // F5 in the editor, again only if no session started
      const widget = page.locator('.zone-widget .exception-widget, .debug-exception-widget, .exception-widget');
      const text = await wb.waitUntil(
        'the saturated stop in the exception widget',
        async () => (await widget.allInnerTexts()).find((x) => /Saturated tanh/.test(x)),
        60_000,
      );
      t.diagnostic(`exception: ${text.replace(/\s+/g, ' ')}`);
      assert.match(text, /of the outputs of 'h1'/);
      assert.match(text, /\[saturated, layer 'h1'\]/);
      const current = page.locator('.editor-instance .debug-top-stack-frame-line');
      await current.first().waitFor({ timeout: 10_000 });
      await wb.screenshot('doctor-filter-saturated-stop');

      // Continue to the end: the session's findings go to Problems like a Train run's.
      // F5 again while the session is still paused a while later (the key was lost, or the filter fired once more):
      // either way continuing is what is wanted, until the session ends.
      const paused = page.locator('.debug-toolbar .action-label[aria-label^="Continue"]').first();
      let pressedAt = 0;
      await wb.waitUntil(
        'the session to end',
        async () => {
          if (!(await page.locator('.debug-toolbar').isVisible())) return true;
          if (Date.now() - pressedAt > 4_000 && (await paused.isVisible())) {
            pressedAt = Date.now();
            await wb.leaveWebview();
            await page.keyboard.press('F5');
          }
          return false;
        },
        60_000,
      );
      await wb.showProblems();
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: /saturated tanh/ });
      await row.first().waitFor({ timeout: 30_000 });
      const problem = (await row.first().innerText()).replace(/\s+/g, ' ');
      t.diagnostic(`Problems: ${problem}`);
      assert.match(problem, /nnet doctor/);
      assert.match(problem, new RegExp(`Ln ${H1_LINE}, Col 3`));
      await wb.screenshot('doctor-filter-findings');
    });
  },
);
