// E2E user actions on the nnet extension: press Train, set breakpoints, start and stop debugging, step with the
// toolbar, list and tick the exception filters, expand the Variables scopes, type into the Debug Console.
// A click or key can be lost while the workbench redraws (CodeLenses replaced after an edit or a stop, a list
// re-rendered, focus changing hands); each action here either waits for what it needs first or checks its effect and
// does it again, but only where doing it again cannot do it twice.
import type { Locator, Page } from 'playwright-core';
import { breakpointLines } from './debugViews';
import { FatalError, type Workbench } from './workbench';

/** Whether a trace record says the extension received a Train (run or refused). */
function isTrain(e: unknown): boolean {
  const r = e as { kind?: string; data?: { id?: string; action?: string } };
  return (r.kind === 'command' && r.data?.id === 'nnet.train') || (r.kind === 'refused' && r.data?.action === 'train');
}

/** Whether a trace record is a DAP launch request (one per debug session started, nnet or nnet-pytorch). */
export function isLaunch(e: unknown): boolean {
  const r = e as { kind?: string; data?: { command?: string } };
  return r.kind === 'dap-in' && r.data?.command === 'launch';
}

function launches(wb: Workbench): number {
  return wb.trace().filter(isLaunch).length;
}

/**
 * Does `act` and waits until the extension's trace has a new record matching `matches`; while none has come
 * `againAfterMs` after the last try, the action is taken as lost (nothing ran) and done again. Returns what the last
 * `act` returned.
 */
export async function untilTraced<T>(
  wb: Workbench,
  what: string,
  matches: (record: unknown) => boolean,
  act: () => Promise<T>,
  againAfterMs = 8_000,
): Promise<T> {
  const count = () => wb.trace().filter(matches).length;
  const before = count();
  let result = await act();
  let at = Date.now();
  await wb.waitUntil(
    what,
    async () => {
      if (count() > before) return true;
      if (Date.now() - at > againAfterMs) {
        result = await act();
        at = Date.now();
      }
      return false;
    },
    60_000,
    250,
  );
  return result;
}

/**
 * Presses Train the way a user would: the CodeLens above `network`, else the editor-title button; pressed again if the
 * extension has not heard of it a while later (a click on a lens that is being redrawn is lost). Returns which.
 */
export function clickTrain(wb: Workbench): Promise<string> {
  return untilTraced(wb, 'Train to reach the extension', isTrain, () => pressTrain(wb));
}

/** Whether a trace record says the extension received a Train; for Train buttons outside the editor. */
export const trainTraced = isTrain;

async function pressTrain(wb: Workbench): Promise<string> {
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

/**
 * Sets (or, with `on` false, removes) the breakpoint on a 1-based line of the active editor: Go to Line, F9, and the
 * gutter read back until it is right (F9 toggles, so it is pressed again only while the glyph is still wrong). The
 * right state must hold for 600 ms: the gutter is redrawn as a session ends, and a glyph missing for a moment once
 * passed for a breakpoint removed, so F9 was never pressed (CI: doctor-filters waited in vain for the removal).
 */
export async function setBreakpoint(wb: Workbench, line: number, on = true): Promise<void> {
  await wb.gotoLine(line);
  let pressedAt = 0,
    rightSince = 0;
  await wb.waitUntil(
    on ? `a breakpoint glyph on line ${line}` : `the breakpoint on line ${line} removed`,
    async () => {
      if ((await breakpointLines(wb.page)).includes(line) === on) {
        rightSince ||= Date.now();
        return Date.now() - rightSince >= 600;
      }
      rightSince = 0;
      if (Date.now() - pressedAt > 3_000) {
        if (pressedAt > 0) await wb.gotoLine(line);
        pressedAt = Date.now();
        await wb.page.keyboard.press('F9');
      }
      return false;
    },
    30_000,
    250,
  );
}

/**
 * Presses F5 in the editor and waits for the debug toolbar; fails at once if VS Code asks which debugger to use. F5
 * is pressed again only while no session has started (no toolbar, no launch request in the trace), so a lost key is
 * made good without starting a second session.
 */
export async function startDebugging(wb: Workbench): Promise<void> {
  const { page } = wb;
  const before = launches(wb);
  const press = async () => {
    await wb.focusEditor();
    await page.keyboard.press('F5');
  };
  await press();
  let pressedAt = Date.now();
  await wb.waitUntil(
    'the debug toolbar after F5',
    async () => {
      const picker = page.locator('.quick-input-widget');
      if (await picker.isVisible()) {
        const text = (await picker.innerText()).replace(/\s+/g, ' ');
        throw new FatalError(`F5 opened a picker instead of starting an nnet debug session: "${text}"`);
      }
      if (await debugViewsReady(page)) return true;
      if (
        Date.now() - pressedAt > 8_000 &&
        launches(wb) === before &&
        !(await page.locator('.debug-toolbar').isVisible())
      ) {
        await press();
        pressedAt = Date.now();
      }
      return false;
    },
    30_000,
  );
}

/** Stops the debug session (Shift+F5) and waits for the toolbar to go; stopping again while it shows is harmless. */
export async function stopDebugging(wb: Workbench, what = 'the session to end'): Promise<void> {
  const toolbar = wb.page.locator('.debug-toolbar');
  let pressedAt = 0;
  await wb.waitUntil(
    what,
    async () => {
      if (!(await toolbar.isVisible())) return true;
      if (Date.now() - pressedAt > 4_000) {
        pressedAt = Date.now();
        await wb.leaveWebview();
        await wb.page.keyboard.press('Shift+F5');
      }
      return false;
    },
    30_000,
  );
}

/**
 * Clicks a button of the debug toolbar (`Step Back`, `Continue`, …) once the session is paused and the button enabled:
 * right after a stop the toolbar is redrawn, and a click on a button still disabled from the running state does
 * nothing. Not repeated (a step done twice would go too far): the caller waits for its effect.
 */
export async function clickToolbar(wb: Workbench, label: string): Promise<void> {
  const toolbar = wb.page.locator('.debug-toolbar');
  const button = toolbar.locator(`.action-label[aria-label^="${label}"]`).first();
  await wb.waitUntil(
    `${label} enabled on the debug toolbar`,
    async () =>
      (await toolbar.locator('.action-label[aria-label^="Continue"]').first().isVisible()) &&
      (await button.isVisible()) &&
      (await button.getAttribute('aria-disabled')) !== 'true' &&
      !/\bdisabled\b/.test((await button.getAttribute('class')) ?? ''),
    30_000,
  );
  await button.click();
}

/**
 * Evaluates `expression` in the Debug Console as a user would: focus the console, type it, and press Enter only once
 * all of it is in the console's input (keys typed before the input has focus go elsewhere: they are typed again).
 */
export async function evaluateInConsole(wb: Workbench, expression: string): Promise<void> {
  const { page } = wb;
  const input = page.locator('.repl .repl-input-wrapper .monaco-editor').first();
  const shown = () =>
    input
      .locator('.view-lines')
      .innerText({ timeout: 1_000 })
      .then((t) => t.replace(/\s+/g, ' ').trim())
      .catch(() => '');
  await wb.waitUntil(
    `${expression} typed into the Debug Console`,
    async () => {
      if (!(await input.evaluate((e) => e.classList.contains('focused')).catch(() => false))) {
        await wb.runCommand('Debug Console: Focus on Debug Console View');
        return false;
      }
      if ((await shown()) === expression) return true;
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.type(expression);
      return (await shown()) === expression;
    },
    30_000,
    500,
  );
  // The adapter offers completions: an Enter while their list is open would take a proposal instead of evaluating.
  if (await page.locator('.suggest-widget.visible').first().isVisible()) await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
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
  await setBreakpoint(wb, line);
  await startDebugging(wb);
  await filter.first().waitFor({ timeout: 30_000 });
  await stopDebugging(wb, 'the first session to end');
  await setBreakpoint(wb, line, false);
  await wb.waitUntil('the breakpoint removed', async () => (await breakpointLines(page)).length === 0, 10_000);
  return filter;
}

async function debugViewsReady(page: Page): Promise<boolean> {
  if (!(await page.locator('.debug-toolbar').isVisible())) return false;
  if (!(await page.locator('.debug-call-stack').isVisible())) await page.keyboard.press('Control+Shift+D');
  return page.locator('.debug-call-stack').isVisible();
}

/** When expandScopes last clicked a scope. */
let lastScopeClick = 0;

/**
 * Expands every collapsed top-level scope of the Variables view (only the first one opens by itself). Call it inside
 * the wait for the variables wanted: the view may still be loading the stop's scopes, and a click may land while it
 * re-renders; expanding again only touches scopes still collapsed.
 */
export async function expandScopes(page: Page): Promise<void> {
  const collapsed = page.locator('.debug-variables .monaco-list-row[aria-level="1"][aria-expanded="false"]');
  for (let i = 0; i < 8 && (await collapsed.count()) > 0; i++) {
    // Two clicks close together are a double click (it selects the row's text and toggles the scope twice).
    const wait = lastScopeClick + 600 - Date.now();
    if (wait > 0) await page.waitForTimeout(wait);
    if ((await collapsed.count()) === 0) break;
    lastScopeClick = Date.now();
    await collapsed
      .first()
      .click({ timeout: 2_000 })
      .catch(() => undefined); // re-rendered under the pointer: the next round finds it again
  }
}

/**
 * Sets the ticks of the exception filters in the Breakpoints view to `want(label, tickedNow)` for each row. The list
 * re-renders when a session starts or ends, so a click can be lost or land on a neighbour: the state is read back and
 * corrected until it is right.
 */
async function setTicks(wb: Workbench, what: string, want: (label: string, ticked: boolean) => boolean): Promise<void> {
  const rows = wb.page
    .locator('.debug-breakpoints .monaco-list-row')
    .filter({ has: wb.page.locator('.monaco-checkbox, input[type="checkbox"]') });
  const isChecked = (row: Locator) =>
    row
      .locator('.monaco-checkbox.checked, input[type="checkbox"]:checked, [aria-checked="true"]')
      .count()
      .then((n) => n > 0);
  await wb.waitUntil(
    what,
    async () => {
      await wb.page.waitForTimeout(800);
      let right = true;
      for (let i = 0; i < (await rows.count()); i++) {
        const row = rows.nth(i);
        const ticked = await isChecked(row);
        if (ticked !== want(await row.innerText(), ticked)) {
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

/** Ticks exactly one exception filter in the Breakpoints view (every other one unticked). */
export function tickOnly(wb: Workbench, label: string): Promise<void> {
  return setTicks(wb, `only '${label}' ticked`, (text) => text.includes(label));
}

/** Ticks one exception filter in the Breakpoints view, leaving the others as they were when it was called. */
export async function tick(wb: Workbench, label: string): Promise<void> {
  const rows = wb.page.locator('.debug-breakpoints .monaco-list-row');
  const before = new Map<string, boolean>();
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const checked = row.locator('.monaco-checkbox.checked, input[type="checkbox"]:checked, [aria-checked="true"]');
    before.set((await row.innerText()).replace(/\s+/g, ' ').trim(), (await checked.count()) > 0);
  }
  await setTicks(
    wb,
    `'${label}' ticked`,
    (text, ticked) => text.includes(label) || (before.get(text.replace(/\s+/g, ' ').trim()) ?? ticked),
  );
}
