// E2E in a real VS Code (code-server): paused on a layer of xor.nnet, `nnet: Check Gradients Here` from the command
// palette prints the gradient check to the Debug Console (W, b and δ of h1 against finite differences, all ok) and
// opens the Layer Inspector on h1 with its Gradient check section.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setBreakpoint, startDebugging } from './actions';
import { callStackRows } from './debugViews';
import { withWorkbench } from './workbench';

const H1 = 4; // `  dense h1 4 tanh init=xavier` in examples/xor.nnet

test(
  'Check Gradients Here: the report in the Debug Console and the Layer Inspector',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'check-gradients' }, async (wb) => {
      const { page } = wb;
      await wb.openFile('xor.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      await setBreakpoint(wb, H1);
      await startDebugging(wb);
      await wb.waitUntil(
        'forward h1',
        async () => (await callStackRows(page)).some((r) => /forward h1 · step 1/.test(r)),
        60_000,
      );

      await wb.runCommand('nnet: Check Gradients Here');
      const report = await wb.waitUntil(
        'the gradient check in the Debug Console',
        async () => {
          const rows = await page.locator('.repl .monaco-list-row').allInnerTexts();
          const text = rows.join('\n');
          return /Gradient check of h1 at step 1/.test(text) && /h1\.delta/.test(text) ? text : null;
        },
        60_000,
      );
      t.diagnostic(report.replace(/\s+/g, ' ').slice(0, 600));
      assert.match(report, /all 3 gradients agree with finite differences \(tolerance 0\.000001\)/);
      for (const p of ['h1.W.grad', 'h1.b.grad', 'h1.delta'])
        assert.match(report, new RegExp(`${p.replace(/\./g, '\\.')} +max rel error \\d\\.\\de-\\d+ .*ok`));
      await wb.screenshot('check-gradients-console');

      const frame = page
        .frameLocator('iframe.webview.ready[src*="extensionId=nnet-dev.nnet"]:not([src*="purpose=webviewView"])')
        .first()
        .frameLocator('#active-frame');
      const section = await wb.waitUntil(
        'the Gradient check section of the Layer Inspector',
        async () => {
          const text = await frame
            .locator('#gradcheck:not([hidden])')
            .innerText({ timeout: 1000 })
            .catch(() => '');
          return /all 3 gradients agree/.test(text) ? text : null;
        },
        30_000,
      );
      t.diagnostic(section.replace(/\s+/g, ' '));
      assert.match(section, /h1\.W\.grad\s+\d\.\de-\d+ · ok \(8 of 8\)/);
      // The section sits below the statistics: bring it into view for the picture.
      await frame.locator('#gradcheck').scrollIntoViewIfNeeded();
      await wb.screenshot('check-gradients-inspector');
      await page.keyboard.press('Shift+F5');
    });
  },
);
