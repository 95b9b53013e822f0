// E2E user actions on the nnet extension: press Train, start debugging with F5, list the exception filters, expand
// the Variables scopes.
import type { Locator, Page } from 'playwright-core';
import { breakpointLines } from './debugViews';
import { FatalError, type Workbench } from './workbench';

/** Presses Train the way a user would: the CodeLens above `network`, else the editor-title button. Returns which. */
export async function clickTrain(wb: Workbench): Promise<string> {
  const lens = wb.page.locator('.editor-instance .codelens-decoration a', { hasText: /^\W*Train\s*$/ });
  let why: string;
  try {
    await lens.first().click({ timeout: 10_000 });
    return 'CodeLens';
  } catch (err) {
    why = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  }
  const button = wb.page.locator('.editor-actions .action-label[aria-label^="Train"]');
  await button.first().click({ timeout: 10_000 });
  return `editor title button (CodeLens: ${why})`;
}

/** Presses F5 in the editor and waits for the debug toolbar; fails at once if VS Code asks which debugger to use. */
export async function startDebugging(wb: Workbench): Promise<void> {
  const { page } = wb;
  await wb.focusEditor();
  await page.keyboard.press('F5');
  await wb.waitUntil(
    'the debug toolbar after F5',
    async () => {
      const picker = page.locator('.quick-input-widget');
      if (await picker.isVisible()) {
        const text = (await picker.innerText()).replace(/\s+/g, ' ');
        throw new FatalError(`F5 opened a picker instead of starting an nnet debug session: "${text}"`);
      }
      return debugViewsReady(page);
    },
    30_000,
  );
}

/**
 * Lists the exception filters in the Breakpoints view and returns the row labelled `label`. VS Code lists them once a
 * session of the type has started, so a first session is started, held by a breakpoint on `line` (the examples train
 * in milliseconds), ended, and the breakpoint removed again: the next session starts with no breakpoint.
 */
export async function showExceptionFilters(wb: Workbench, line: number, label: string): Promise<Locator> {
  const { page } = wb;
  await wb.runCommand('View: Show Run and Debug');
  const filter = page.locator('.debug-breakpoints .monaco-list-row', { hasText: label });
  await wb.gotoLine(line);
  await page.keyboard.press('F9');
  await startDebugging(wb);
  await filter.first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Shift+F5');
  await wb.waitUntil(
    'the first session to end',
    async () => !(await page.locator('.debug-toolbar').isVisible()),
    30_000,
  );
  await wb.gotoLine(line);
  await page.keyboard.press('F9');
  await wb.waitUntil('the breakpoint removed', async () => (await breakpointLines(page)).length === 0, 10_000);
  return filter;
}

async function debugViewsReady(page: Page): Promise<boolean> {
  if (!(await page.locator('.debug-toolbar').isVisible())) return false;
  if (!(await page.locator('.debug-call-stack').isVisible())) await page.keyboard.press('Control+Shift+D');
  return page.locator('.debug-call-stack').isVisible();
}

/** Expands every collapsed top-level scope of the Variables view (only the first one opens by itself). */
export async function expandScopes(page: Page): Promise<void> {
  const collapsed = page.locator('.debug-variables .monaco-list-row[aria-level="1"][aria-expanded="false"]');
  for (let i = 0; i < 8 && (await collapsed.count()) > 0; i++) {
    await collapsed.first().click();
    await page.waitForTimeout(200);
  }
}

/**
 * Ticks exactly one exception filter in the Breakpoints view. The list re-renders when a session starts or ends, so a
 * click can land on a neighbour: the state is read back and corrected until it is right.
 */
export async function tickOnly(wb: Workbench, label: string): Promise<void> {
  const rows = wb.page
    .locator('.debug-breakpoints .monaco-list-row')
    .filter({ has: wb.page.locator('.monaco-checkbox, input[type="checkbox"]') });
  const isChecked = (row: ReturnType<typeof rows.nth>) =>
    row
      .locator('.monaco-checkbox.checked, input[type="checkbox"]:checked, [aria-checked="true"]')
      .count()
      .then((n) => n > 0);
  await wb.waitUntil(
    `only '${label}' ticked`,
    async () => {
      await wb.page.waitForTimeout(800);
      let right = true;
      for (let i = 0; i < (await rows.count()); i++) {
        const row = rows.nth(i);
        const want = (await row.innerText()).includes(label);
        if ((await isChecked(row)) !== want) {
          right = false;
          await row.locator('.monaco-checkbox, input[type="checkbox"]').first().click();
          break; // the list may re-render: read it again
        }
      }
      return right;
    },
    20_000,
  );
}
