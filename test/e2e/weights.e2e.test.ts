// E2E in a real VS Code (code-server): `weights "FILE.npz"` with files numpy writes into the workspace. A file whose
// array has the wrong shape is squiggled on the weights line with both shapes in Problems; pointing the line at a
// good file clears it and fades h1's `init=xavier` (the file replaces what it sets), and a debug session paused on
// h1 reads the file's values in the Debug Console.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { evaluateInConsole, setBreakpoint, startDebugging } from './actions';
import { callStackRows } from './debugViews';
import { withWorkbench } from './workbench';
import { pythonForTests, runPython } from '../python';

const py = pythonForTests();
const XOR = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'xor.nnet'), 'utf8');
const TEXT = `${XOR.trimEnd()}\n  weights "bad.npz"\n`;
const WEIGHTS_LINE = TEXT.trimEnd().split('\n').length;
const H1_LINE = XOR.split('\n').findIndex((l) => /^\s*dense h1\b/.test(l)) + 1;

test(
  'a wrong-shaped weights file is squiggled with both shapes; a good one starts the debug session from its values',
  { timeout: 240_000, skip: py.skip },
  async (t) => {
    await withWorkbench({ name: 'weights', files: { 'trained.nnet': TEXT } }, async (wb) => {
      const { page } = wb;
      runPython(
        py.python,
        `import numpy as np
W = (np.arange(8, dtype=np.float32).reshape(4, 2) - 4) / 8
np.savez('good.npz', **{'h1.W': W, 'h1.b': np.zeros(4), 'out.W': np.ones((1, 4)), 'out.b': np.zeros(1)})
np.savez('bad.npz', **{'h1.W': W.T.copy(), 'h1.b': np.zeros(4), 'out.W': np.ones((1, 4)), 'out.b': np.zeros(1)})`,
        wb.workspace,
      );
      await wb.openFile('trained.nnet');
      await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
      await wb.showProblems();
      const problem = page.locator('.markers-panel .monaco-list-row', {
        hasText: "'h1.W' in 'bad.npz' has shape [2, 4]; the network's is [4, 2]",
      });
      await problem.first().waitFor({ timeout: 30_000 });
      const text = (await problem.first().innerText()).replace(/\s+/g, ' ');
      t.diagnostic(`problem: ${text}`);
      assert.match(text, new RegExp(`Ln ${WEIGHTS_LINE},`));
      await wb.screenshot('weights-wrong-shape');

      // Point the line at the good file: the error goes.
      await wb.gotoLine(WEIGHTS_LINE);
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.type('weights "good.npz"');
      await wb.waitUntil(
        'the shape error to go',
        async () => (await page.locator('.markers-panel .monaco-list-row', { hasText: 'bad.npz' }).count()) === 0,
        30_000,
      );
      // h1's `init=xavier` now sets nothing: faded like unused code (not squiggled), the reason on hover.
      await wb.gotoLine(H1_LINE);
      const faded = page.locator('.editor-instance .monaco-editor .squiggly-inline-unnecessary');
      await faded.first().waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('.editor-instance .monaco-editor .squiggly-warning').count(), 0);
      await wb.screenshot('weights-init-faded');
      await page.keyboard.press('Control+S');

      // Debug: pause on h1's forward pass and read its weights from the Debug Console.
      await setBreakpoint(wb, H1_LINE);
      await startDebugging(wb);
      await wb.waitUntil(
        'a stop on h1',
        async () => (await callStackRows(page)).some((r) => /forward h1/.test(r)),
        60_000,
      );
      await wb.runCommand('Debug Console: Focus on Debug Console View');
      await evaluateInConsole(wb, 'h1.W');
      const answer = await wb.waitUntil(
        "the file's h1.W in the console",
        async () =>
          (await page.locator('.repl .monaco-list-row').allInnerTexts()).find((x) => /-0\.5\b.*-0\.375/s.test(x)),
        30_000,
      );
      t.diagnostic(`console: ${answer.replace(/\s+/g, ' ')}`);
      await wb.screenshot('weights-debug-console');
    });
  },
);
