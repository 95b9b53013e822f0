// E2E in a real VS Code (code-server): what a stop shows depends on the event alone. Pause on h1's forward pass of
// xor.nnet, read Variables, step forward nine events and back nine with the toolbar, and read the same text again;
// values the step has not computed yet say so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { clickToolbar, setBreakpoint, startDebugging, stopDebugging } from './actions';
import { callStackRows, variableRows } from './debugViews';
import { withWorkbench, type Workbench } from './workbench';

const H1_LINE = 4; // `  dense h1 4 tanh init=xavier` in examples/xor.nnet

/**
 * Every row of the Variables view, one scope at a time (the view renders only the rows it can show, so the others
 * are collapsed while a scope is read): the Layer scope, Network, Training and Batch.
 */
async function readVariables(wb: Workbench, page: Page): Promise<string[]> {
  const scopes = page.locator('.debug-variables .monaco-list-row[aria-level="1"]');
  const all: string[] = [];
  for (let k = 0; k < 4; k++) {
    let opened = false;
    const rows = await wb.waitUntil(
      `scope ${k + 1} alone expanded, its rows settled`,
      async () => {
        const n = await scopes.count();
        if (!opened) {
          // First every scope collapsed (then all four are on screen), then scope k opened.
          for (let j = 0; j < n; j++) {
            if ((await scopes.nth(j).getAttribute('aria-expanded')) === 'true') {
              await scopes.nth(j).locator('.monaco-tl-twistie').click();
              return undefined;
            }
          }
          if (n < 4) return undefined;
          await scopes.nth(k).locator('.monaco-tl-twistie').click();
          opened = true;
          return undefined;
        }
        const a = await variableRows(page);
        await page.waitForTimeout(400);
        const b = await variableRows(page);
        return a.length > 4 && a.join('\n') === b.join('\n') ? b : undefined;
      },
      30_000,
      300,
    );
    all.push(...rows.filter((r) => !all.includes(r)));
  }
  return all;
}

/** Opens every scope again, for a screenshot a person can read. */
async function expandAll(wb: Workbench, page: Page): Promise<void> {
  const collapsed = page.locator('.debug-variables .monaco-list-row[aria-level="1"][aria-expanded="false"]');
  await wb.waitUntil(
    'every scope expanded',
    async () => {
      if (!(await collapsed.count())) return true;
      await collapsed.first().locator('.monaco-tl-twistie').click();
      return false;
    },
    20_000,
    300,
  );
}

async function stepAndWait(wb: Workbench, page: Page, press: () => Promise<void>, expected: RegExp): Promise<void> {
  const before = (await callStackRows(page)).join('|');
  await press();
  await wb.waitUntil(
    `a stop at ${expected}`,
    async () => {
      const rows = await callStackRows(page);
      return rows.join('|') !== before && rows.some((r) => expected.test(r));
    },
    30_000,
  );
}

test(
  'xor: Step Over nine events and Step Back nine, and Variables read the same; future values say "not computed yet"',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'truth', height: 1600 }, async (wb) => {
      const { page } = wb;
      await wb.openFile('xor.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      await setBreakpoint(wb, H1_LINE);
      await startDebugging(wb);
      await wb.waitUntil(
        'forward h1 of step 1',
        async () => (await callStackRows(page)).some((r) => /^forward h1 · step 1 /.test(r)),
        60_000,
      );
      const first = await readVariables(wb, page);
      t.diagnostic(first.join(' | '));
      assert.ok(
        first.some((r) => /^out\s*[=:]?\s*dense · a — \(computed at forward out\)/.test(r)),
        'out.a is not computed yet',
      );
      assert.ok(
        first.some((r) => /^loss\s*[=:]?\s*— \(computed at loss\)/.test(r)),
        'loss is not computed yet',
      );
      assert.ok(
        first.some((r) => /^yhat\s*[=:]?\s*— \(computed at forward out\)/.test(r)),
        'ŷ is not computed yet',
      );
      await expandAll(wb, page);
      await wb.screenshot('forward-h1-first');

      const order = [
        /^forward out · step 1/,
        /^loss · step 1/,
        /^backward out · step 1/,
        /^backward h1 · step 1/,
        /^clip · step 1/,
        /^update · step 1/,
        /^forward h1 · step 2/,
        /^forward out · step 2/,
        /^loss · step 2/,
      ];
      await wb.focusEditor();
      for (const at of order) await stepAndWait(wb, page, () => page.keyboard.press('F10'), at);
      const later = await readVariables(wb, page);
      assert.ok(
        later.some((r) => /^loss\s*[=:]?\s*\d/.test(r)),
        `the loss exists at the loss event: ${later.join(' | ')}`,
      );

      for (const at of [...order.slice(0, -1).reverse(), /^forward h1 · step 1 /])
        await stepAndWait(wb, page, () => clickToolbar(wb, 'Step Back'), at);
      const again = await readVariables(wb, page);
      await expandAll(wb, page);
      await wb.screenshot('forward-h1-after-step-back');
      assert.deepEqual(again, first, 'the same stop reads the same, however it was reached');
      await stopDebugging(wb);
    });
  },
);
