// E2E in a real VS Code (code-server): the lesson mode. Open Example → bowl-lr-too-high asks its question in a quick
// pick before anything runs; the learner predicts (wrongly here), the run trains, and when it ends a notification
// reveals the answer with its reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickLesson } from './walkthroughTour';
import { withWorkbench } from './workbench';

/** Text as shown, with the editor's non-breaking spaces and line breaks as plain spaces. */
const text = (s: string) => s.replace(/\s+/g, ' ');

test(
  'Open Example: a lesson asks its question, trains, and reveals the answer when the run ends',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'lesson' }, async (wb) => {
      const { page } = wb;
      await wb.openFile('xor.nnet'); // activates the extension, whose commands the palette then lists
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      await wb.pickCommand('nnet: Open Example');
      await pickLesson(wb, 'bowl-lr-too-high');

      // The question, before any run: its choices in a quick pick titled with it.
      const title = page.locator('.quick-input-widget .quick-input-title', { hasText: /Predict, then train/ });
      await title.waitFor({ timeout: 30_000 });
      const question = await title.innerText();
      t.diagnostic(`question: ${question}`);
      assert.match(question, /will the loss go down over the 20 steps\?/);
      const rows = page.locator('.quick-input-list .monaco-list-row');
      assert.deepEqual(
        (await rows.allInnerTexts()).map((s) => s.trim()),
        ['yes', 'no'],
      );
      await page.locator('.tabs-container .tab.active', { hasText: 'bowl-lr-too-high' }).waitFor({ timeout: 10_000 });
      await wb.screenshot('lesson-predict');
      assert.equal(
        wb.trace().filter((e) => JSON.stringify(e).includes('"nnet.train"')).length,
        0,
        'nothing trains before the prediction',
      );

      // The answer is folded away with the rest of the leading comment while the question is open.
      const shownLines = (await page.locator('.editor-instance .view-line').allInnerTexts()).map(text);
      assert.ok(!shownLines.some((l) => l.includes('# answer:')), 'the answer is not in sight');
      await page.locator('.quick-input-widget input').fill('yes');
      await page.keyboard.press('Enter');
      // Picking closes the question: while it is still open with "yes" a while later, the Enter was lost.
      await wb.acceptUntil('the prediction to be taken', 'yes', async () => !(await title.isVisible()));

      // The run ends; the reveal names the prediction, the answer and why.
      const reveal = wb.notifications().filter({ hasText: /You predicted yes; the answer is no\./ });
      await reveal.first().waitFor({ timeout: 120_000 });
      const said = text(await reveal.first().innerText());
      t.diagnostic(`reveal: ${said}`);
      assert.match(said, /the answer is no\. Every step multiplies w2 by −1\.2.* from 192 to 130,646/);
      const finished = page.locator('.part.statusbar .statusbar-item', { hasText: /finished after 20 steps/ });
      assert.ok((await finished.count()) > 0, 'the run finished before the reveal');
      await wb.screenshot('lesson-reveal');
      await wb.waitUntil('the comment unfolded again, answer in sight', async () =>
        (await page.locator('.editor-instance .view-line').allInnerTexts())
          .map(text)
          .some((l) => l.includes('# answer:')),
      );
      const events = wb.trace().map((e) => JSON.stringify(e));
      const at = (id: string) => events.findIndex((e) => e.includes(`"${id}"`));
      assert.ok(at('nnet.predict') >= 0 && at('nnet.predict') < at('nnet.train'), 'predict, then train');
      assert.ok(at('nnet.train') < at('nnet.reveal'), 'train, then reveal');
    });
  },
);
