// E2E in a real VS Code (code-server), the way out and back: nnet: Export to PyTorch on xor.nnet, the exported
// train.py trains 50 steps in PyTorch and saves its weights, a .nnet file names them with a `weights` line, and a
// debug session paused on h1 reads PyTorch's trained values in the Debug Console and checks the step's gradients.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { evaluateInConsole, setBreakpoint, startDebugging } from './actions';
import { callStackRows } from './debugViews';
import { withWorkbench } from './workbench';
import { pythonForTests, runPython } from '../python';

const py = pythonForTests();
const XOR = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'xor.nnet'), 'utf8');
const TRAINED = `${XOR.trimEnd()}\n  weights "xor-pytorch/trained.npz"\n`;
const H1_LINE = XOR.split('\n').findIndex((l) => /^\s*dense h1\b/.test(l)) + 1;

test(
  'export to PyTorch, train there, load the weights back and debug a step of the trained network',
  { timeout: 300_000, skip: py.skip },
  async (t) => {
    // trained.nnet names the weights PyTorch will save (written up front: Quick Open finds files the folder had).
    await withWorkbench({ name: 'round-trip', files: { 'trained.nnet': TRAINED } }, async (wb) => {
      const { page } = wb;
      await wb.openFile('xor.nnet');
      await wb.pickCommand('nnet: Export to PyTorch');
      const input = page.locator('.quick-input-widget input');
      await wb.waitUntil(
        'the folder dialog proposing xor-pytorch',
        async () => /xor-pytorch$/.test(await input.inputValue().catch(() => '')),
        30_000,
        250,
      );
      // Enter again if the dialog is still open with its path a while later (the first Enter was lost).
      const readme = page.locator('.tabs-container .tab.active', { hasText: 'README.md' });
      const proposed = await input.inputValue();
      await page.keyboard.press('Enter');
      await wb.acceptUntil('README.md to open', proposed, () => readme.first().isVisible());

      // PyTorch trains the exported network, as its README says, and saves the weights nnet can read.
      const folder = path.join(wb.workspace, 'xor-pytorch');
      const run = spawnSync(py.python, ['train.py', '--steps', '50', '--save', 'trained.npz'], {
        cwd: folder,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const expected = Number(
        runPython(py.python, "import numpy as np; print(float(np.load('trained.npz')['h1.W'][0, 1]))", folder),
      );
      t.diagnostic(`PyTorch's h1.W[0, 1] after 50 steps: ${expected}`);

      // The network, started from those weights: no problem in the editor, and the debugger reads them.
      await wb.openFile('trained.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      await wb.waitUntil(
        'no problem on the weights line now that the file exists',
        async () => (await page.locator('.editor-instance .monaco-editor .squiggly-error').count()) === 0,
        30_000,
      );
      await setBreakpoint(wb, H1_LINE);
      await startDebugging(wb);
      await wb.waitUntil(
        'a stop on h1',
        async () => (await callStackRows(page)).some((r) => /forward h1/.test(r)),
        60_000,
      );
      assert.equal(await page.locator('.editor-instance .monaco-editor .squiggly-error').count(), 0);
      await wb.runCommand('Debug Console: Focus on Debug Console View');
      await evaluateInConsole(wb, 'h1.W[0, 1]');
      const shown = await wb.waitUntil(
        'h1.W[0, 1] in the console',
        async () => {
          const rows = await page.locator('.repl .monaco-list-row').allInnerTexts();
          const value = rows.map((r) => Number(r.trim())).find((v) => Number.isFinite(v) && v !== 0);
          return value;
        },
        30_000,
      );
      t.diagnostic(`nnet's h1.W[0, 1] from the file: ${shown}`);
      assert.ok(Math.abs(shown - expected) <= 1e-4 * Math.max(1, Math.abs(expected)), `${shown} vs ${expected}`);
      // One step of the trained network, checked against finite differences where it stands.
      await evaluateInConsole(wb, 'gradcheck(h1)');
      await page
        .locator('.repl .monaco-list-row', { hasText: /Gradient check of h1 at step 1 .*all 3 gradients agree/ })
        .first()
        .waitFor({ timeout: 60_000 });
      await wb.screenshot('round-trip-debug-console');
    });
  },
);
