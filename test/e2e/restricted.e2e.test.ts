// E2E in a real VS Code (code-server) with workspace trust on: the folder opens in Restricted Mode, where nnet still
// highlights, checks and lenses .nnet files, and Train explains that it needs trust (with a way to grant it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickTrain } from './actions';
import { withWorkbench } from './workbench';

const BROKEN = `network broken
  input 2
  dense h1 four tanh
  dense out 1 sigmoid
loss bce
data
  0 0 -> 0
  1 1 -> 1
train
  epochs 10
`;

test(
  'Restricted Mode: highlighting, squiggles and CodeLenses work; Train asks for trust instead of running',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'restricted', restricted: true, files: { 'broken.nnet': BROKEN } }, async (wb) => {
      const { page } = wb;
      // VS Code asks whether to trust the folder when it opens: answer as a cautious user would.
      const distrust = page.getByRole('button', { name: /^No, I don.t trust/ });
      await distrust
        .first()
        .click({ timeout: 20_000 })
        .catch(() => undefined);
      await wb.waitUntil(
        'the Restricted Mode indicator',
        async () => (await page.locator('.part.statusbar').innerText()).includes('Restricted Mode'),
        30_000,
      );

      await wb.openFile('xor.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      // Highlighting: the grammar colours keywords, numbers and names differently.
      const classes = await wb.waitUntil(
        'several token colours',
        async () => {
          const c = new Set(
            await page
              .locator('.editor-instance .view-lines span[class*="mtk"]')
              .evaluateAll((els) => els.map((e) => e.className)),
          );
          return c.size >= 3 ? [...c] : undefined;
        },
        30_000,
      );
      t.diagnostic(`token classes: ${classes.join(' ')}`);
      // The extension is active: its CodeLens counts the parameters.
      await page
        .locator('.editor-instance .codelens-decoration', { hasText: '17 parameters' })
        .first()
        .waitFor({ timeout: 30_000 });

      // Train explains why it cannot run here, and offers to manage trust.
      t.diagnostic(`Train pressed via ${await clickTrain(wb)}`);
      const toast = wb.notifications().filter({ hasText: /Restricted Mode/ });
      await toast.first().waitFor({ timeout: 30_000 });
      const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
      t.diagnostic(`message: ${text}`);
      assert.match(text, /Trust the folder to train it/);
      assert.ok(
        await toast.first().getByRole('button', { name: 'Manage Workspace Trust' }).isVisible(),
        'a button to manage trust',
      );
      await page.waitForTimeout(600);
      await wb.screenshot('train-asks-for-trust');
      assert.ok(
        wb.trace().some((e) => JSON.stringify(e).includes('restricted mode')),
        'the refusal is traced',
      );
      assert.equal(
        await page.locator('.notifications-toasts', { hasText: /^Training xor/ }).count(),
        0,
        'no training started',
      );

      // Squiggles still work in Restricted Mode.
      await wb.openFile('broken.nnet');
      await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
      await wb.screenshot('squiggle-in-restricted-mode');
    });
  },
);
