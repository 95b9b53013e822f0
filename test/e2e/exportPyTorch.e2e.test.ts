// E2E in a real VS Code (code-server): nnet: Export to PyTorch from the command palette on xor.nnet, the folder
// dialog accepted with its default (xor-pytorch beside the file), the files on disk and the README opened, rendered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withWorkbench } from './workbench';

test('Export to PyTorch writes the folder beside the file and opens its README', { timeout: 240_000 }, async () => {
  await withWorkbench({ name: 'export-pytorch' }, async (wb) => {
    const { page } = wb;
    await wb.openFile('xor.nnet');
    await wb.pickCommand('nnet: Export to PyTorch');
    const input = page.locator('.quick-input-widget input');
    // The save dialog (code-server's simple dialog) proposes xor-pytorch next to xor.nnet.
    await wb.waitUntil(
      'the folder dialog proposing xor-pytorch',
      async () => /xor-pytorch$/.test(await input.inputValue().catch(() => '')),
      30_000,
      250,
    );
    await wb.screenshot('folder-dialog');
    // Enter again if the dialog is still open with its path a while later (the first Enter was lost).
    const readme = page.locator('.tabs-container .tab.active', { hasText: 'README.md' });
    const proposed = await input.inputValue();
    await page.keyboard.press('Enter');
    const folder = path.join(wb.workspace, 'xor-pytorch');
    await wb.acceptUntil('README.md to open', proposed, () => readme.first().isVisible());
    assert.deepEqual(fs.readdirSync(folder).sort(), [
      'README.md',
      'data.npz',
      'init.npz',
      'model.py',
      'nnet_torch.py',
      'train.py',
    ]);
    assert.match(fs.readFileSync(path.join(folder, 'model.py'), 'utf8'), /class XorNet\(nn\.Module\)/);
    // Rendered in the Markdown preview (a webview): its heading is an <h1>, not a line of text with a '#'.
    await wb.waitUntil(
      "the README's rendered heading",
      async () => {
        for (const f of page.frames())
          if (
            !f.isDetached() &&
            (await f
              .locator('h1', { hasText: 'xor in PyTorch' })
              .count()
              .catch(() => 0)) > 0
          )
            return true;
        return false;
      },
      30_000,
    );
    await wb.screenshot('readme-opened');
  });
});
