// E2E in a real VS Code (code-server): files that would exhaust the machine are refused in the editor at once —
// three nested `repeat 256` (16.7M layers) and a batch that needs 12 GB of activations — with the reason squiggled
// on the line that drives it, Train refusing, and the editor still answering keystrokes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickTrain } from './actions';
import { withWorkbench } from './workbench';

const NESTED = `network r
  input 2
  repeat 256
    repeat 256
      repeat 256
        dense h 2
      end
    end
  end
  dense out 1 sigmoid
loss bce
data generate xor
`;

const HUGE = `network big
  input 2
  dense h 8192 relu
  dense out 1
loss mse
data generate xor n=100000
`;

test(
  'nested repeats and a 12 GB batch: squiggled with the budget, Train refuses, the editor keeps responding',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'hostile', files: { 'nested.nnet': NESTED, 'huge.nnet': HUGE } }, async (wb) => {
      const { page } = wb;
      for (const [file, line, message] of [
        ['nested.nnet', 4, /65,536 layers, more than the limit of 1024/],
        ['huge.nnet', 3, /needs 12\.2 GiB for activations/],
      ] as const) {
        await wb.openFile(file);
        await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
        await wb.showProblems();
        const problem = page.locator('.markers-panel .monaco-list-row', { hasText: message });
        await problem.first().waitFor({ timeout: 30_000 });
        const text = (await problem.first().innerText()).replace(/\s+/g, ' ');
        t.diagnostic(`${file}: ${text}`);
        assert.match(text, new RegExp(`Ln ${line},`));
        await wb.screenshot(`${file.replace('.nnet', '')}-squiggled`);

        t.diagnostic(`Train pressed via ${await clickTrain(wb)}`);
        const toast = wb.notifications().filter({ hasText: `line ${line}` });
        await toast.first().waitFor({ timeout: 30_000 });
        t.diagnostic(`refused: ${(await toast.first().innerText()).replace(/\s+/g, ' ')}`);
        await page.keyboard.press('Escape');
      }
      // The editor still answers: an edit that fixes the batch clears the budget error within moments.
      await wb.gotoLine(6);
      await page.keyboard.press('End');
      await page.keyboard.type('\ntrain\n  batch 64');
      await wb.waitUntil(
        'the budget error to go',
        async () =>
          (await page.locator('.markers-panel .monaco-list-row', { hasText: /GiB for activations/ }).count()) === 0,
        30_000,
      );
      await wb.screenshot('huge-fixed');
    });
  },
);
