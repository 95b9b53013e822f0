// E2E in a real VS Code (code-server): pause on a layer of the 10-layer sigmoid example, open the Layer Inspector
// from the command palette, see the layer's tensors as heat maps with a stats table, and watch it follow a step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDebugging } from './actions';
import { callStackRows } from './debugViews';
import { withWorkbench } from './workbench';

const OUT_LINE = 8; // `  dense out 1 sigmoid` in examples/deep-sigmoid.nnet

test('deep sigmoid: the Layer Inspector shows the paused layer and follows the debugger', { timeout: 180_000 }, async (t) => {
  await withWorkbench({ name: 'inspector' }, async (wb) => {
    const { page } = wb;
    await wb.openFile('deep-sigmoid.nnet');
    await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
    await wb.gotoLine(OUT_LINE);
    await page.keyboard.press('F9');
    await startDebugging(wb);
    await wb.waitUntil('forward out', async () => (await callStackRows(page)).some((r) => /forward out/.test(r)), 60_000);

    await wb.runCommand('nnet: Open Layer Inspector');
    // The inspector is the extension's one editor-area webview: every webview that is not a sidebar view.
    const frame = page.frameLocator('iframe.webview.ready[src*="extensionId=nnet-dev.nnet"]:not([src*="purpose=webviewView"])').first().frameLocator('#active-frame');
    await wb.waitUntil('the inspector to show the paused layer', async () =>
      /forward out/.test(await frame.locator('#where').innerText({ timeout: 1000 }).catch(() => '')), 30_000);
    const rows = await frame.locator('#stats tbody tr').allInnerTexts();
    t.diagnostic(rows.join(' | '));
    assert.ok(rows.length >= 2, `stats rows: ${rows.join(' | ')}`);
    assert.ok(await frame.locator('canvas.heat').count() >= 2);
    await wb.screenshot('inspector-forward-out');

    // Continue to the backward pass of the same layer: the open panel follows the stop on its own.
    await wb.focusEditor();
    await page.keyboard.press('F5');
    await wb.waitUntil('the inspector to follow to backward out', async () =>
      /backward out/.test(await frame.locator('#where').innerText({ timeout: 1000 }).catch(() => '')), 30_000);
    const names = await frame.locator('#stats tbody th').allInnerTexts();
    t.diagnostic(names.join(', '));
    assert.ok(names.some((n) => /grad/.test(n)), `backward tensors include a gradient: ${names.join(', ')}`);
    await wb.screenshot('inspector-backward-out');
    await page.keyboard.press('Shift+F5');
  });
});
