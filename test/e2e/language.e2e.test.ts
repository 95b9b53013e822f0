// E2E language features in a real VS Code (code-server): hover on a layer, completion, the Outline, Format Document.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withWorkbench } from './workbench';

const SCENARIO_TIMEOUT = 180_000;
const MESSY =
  'network messy\ninput 2\n      dense h1 4   tanh\ndense out 1 sigmoid\nloss bce\ndata\n0 0->0\n  1 1 -> 1\n';
const FORMATTED =
  'network messy\n  input 2\n  dense h1 4 tanh\n  dense out 1 sigmoid\nloss bce\ndata\n  0 0 -> 0\n  1 1 -> 1\n';

test('hover, completion, outline and formatting of .nnet files', { timeout: SCENARIO_TIMEOUT }, async (t) => {
  await withWorkbench({ name: 'language', files: { 'messy.nnet': MESSY } }, async (wb) => {
    const { page } = wb;
    await wb.openFile('xor.nnet');
    await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });

    // Hover: line 4 is `  dense h1 4 tanh init=xavier`; Go to Line 4, column 5 puts the cursor inside `dense`
    // (not Home, which toggles between the indentation and the first word), and Ctrl+K Ctrl+I shows the hover.
    await wb.gotoLine(4, 5);
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: '12 parameters' });
    await wb.waitUntil(
      'a hover with the shapes and parameter count of h1',
      async () => {
        await wb.focusEditor();
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        return (await hover.count()) > 0 && hover.first().isVisible();
      },
      30_000,
      1000,
    );
    const hoverText = (await hover.first().innerText()).replace(/\s+/g, ' ');
    t.diagnostic(`hover: ${hoverText.slice(0, 160)}`);
    assert.match(hoverText, /\[4×2\] → \[4×4\]/);
    assert.match(hoverText, /z = x·Wᵀ \+ b/);
    await wb.screenshot('hover-h1');
    await page.keyboard.press('Escape');

    // Completion: after `optimizer adam lr=0.05 ` the unused Adam parameters are proposed.
    await wb.gotoLine(17);
    await wb.focusEditor();
    await page.keyboard.press('End');
    await page.keyboard.type(' ');
    const suggest = page.locator('.suggest-widget .monaco-list-row');
    await wb.waitUntil(
      'completion proposals beta1=, beta2=',
      async () => {
        if ((await suggest.count()) === 0) await page.keyboard.press('Control+Space');
        const labels = (await suggest.allInnerTexts()).join(' ');
        return labels.includes('beta1=') && labels.includes('beta2=') ? labels : undefined;
      },
      30_000,
      1000,
    );
    await wb.screenshot('completion-adam');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Z');

    // Outline: the network, its layers and the sections.
    await wb.runCommand('Explorer: Focus on Outline View');
    const rows = page.locator('.monaco-list-row');
    let seen = ''; // label and detail render side by side: "h1dense 4 tanh init=xavier"

    const outline = await wb
      .waitUntil(
        'the Outline lists the network xor, its layers h1 and out, and the loss',
        async () => {
          const text = (await rows.allInnerTexts()).join(' | ').replace(/\s+/g, ' ');
          seen = text;
          return /xor ?network/.test(text) &&
            /h1 ?dense 4 tanh init=xavier/.test(text) &&
            /out ?dense 1 sigmoid/.test(text) &&
            /loss ?bce/.test(text)
            ? text
            : undefined;
        },
        30_000,
        500,
      )
      .catch((e: unknown) => {
        throw new Error(`${String(e)}; rows: ${seen}`);
      });
    t.diagnostic(`outline: ${outline.replace(/\s+/g, ' ')}`);
    await wb.screenshot('outline');
    // The CodeLens above `network` adds the parameter count (12 + 5).
    await page.locator('.codelens-decoration', { hasText: '17 parameters' }).first().waitFor({ timeout: 10_000 });

    // Format Document rewrites messy.nnet to canonical indentation.
    await wb.openFile('messy.nnet');
    await wb.runCommand('Format Document');
    const file = path.join(wb.workspace, 'messy.nnet');
    // Saved again while the file on disk is not yet formatted: a Ctrl+S lost before the editor had focus, or one that
    // came before the formatter's edit, is made good by the next (saving twice is harmless).
    let savedAt = 0;
    await wb.waitUntil(
      'messy.nnet saved in canonical form',
      async () => {
        if (fs.readFileSync(file, 'utf8') === FORMATTED) return true;
        if (Date.now() - savedAt > 3_000) {
          savedAt = Date.now();
          await wb.focusEditor();
          await page.keyboard.press('Control+S');
        }
        return false;
      },
      30_000,
      500,
    );
    await wb.screenshot('formatted');
  });
});
