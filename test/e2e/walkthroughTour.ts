// E2E helpers for the walkthrough's tour (open it, read its checkboxes, press its buttons) and for the user actions
// it asks for (pick an example, set a breakpoint, wait for a stop); shared by the walkthrough e2e test and by
// scripts/walkthroughImages.ts, which drives the same tour to photograph the real views.
import type { Locator } from 'playwright-core';
import { setBreakpoint } from './actions';
import { callStackRows } from './debugViews';
import type { Workbench } from './workbench';

/** `publisher.name#id` of the walkthrough in package.json. */
export const WALKTHROUGH = 'nnet-dev.nnet#debugBackprop';
export const WALKTHROUGH_TITLE = 'Debug backpropagation with nnet';
/** The walkthrough's steps, in order (ids in package.json). */
export const STEPS = ['openExample', 'train', 'gradientFlow', 'breakpoint', 'stepInto', 'stepBack'] as const;
export type StepId = (typeof STEPS)[number];

/**
 * Runs a command of this extension from the palette. Right after the window opens the palette may not list the
 * extension's commands yet, so it types again until the row is there.
 */
export async function runNnetCommand(wb: Workbench, title: string): Promise<void> {
  const { page } = wb;
  await wb.leaveWebview();
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await wb.waitUntil(
    `${title} in the command palette`,
    async () => {
      await input.fill('');
      await input.fill(`>${title}`);
      return page
        .locator('.quick-input-list .monaco-list-row', { hasText: title })
        .first()
        .waitFor({ timeout: 2000 })
        .then(
          () => true,
          () => false,
        );
    },
    60_000,
    500,
  );
  await page.keyboard.press('Enter');
}

/** Opens the walkthrough as a user would: Welcome: Open Walkthrough…, then its row. Returns the page's container. */
export async function openWalkthrough(wb: Workbench): Promise<Locator> {
  const { page } = wb;
  await runNnetCommand(wb, 'Welcome: Open Walkthrough');
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: WALKTHROUGH_TITLE }).first();
  await wb.waitUntil(
    'the nnet walkthrough in the picker',
    async () => {
      await input.fill('nnet');
      return row.waitFor({ timeout: 2000 }).then(
        () => true,
        () => false,
      );
    },
    60_000,
    500,
  );
  await row.click();
  const container = page.locator('.gettingStartedContainer').first();
  await container.locator('h2, .category-title', { hasText: WALKTHROUGH_TITLE }).first().waitFor({ timeout: 30_000 });
  return container;
}

/** The checkbox of a step (`aria-checked` says whether VS Code counts it done). */
export function stepCheckbox(wb: Workbench, id: StepId): Locator {
  return wb.page.locator(`.gettingStartedContainer [data-done-step-id$="#${id}"]`).first();
}

/** Which steps the walkthrough shows as done, read from the checkboxes. */
export async function stepsDone(wb: Workbench): Promise<Record<StepId, boolean>> {
  const done = {} as Record<StepId, boolean>;
  for (const id of STEPS) done[id] = (await stepCheckbox(wb, id).getAttribute('aria-checked')) === 'true';
  return done;
}

/** Expands a step (clicking its title) and presses the button labelled `label` in its description. */
export async function pressStepButton(wb: Workbench, id: StepId, label: string): Promise<void> {
  const step = wb.page.locator(`.gettingStartedContainer button.getting-started-step[data-step-id$="#${id}"]`).first();
  // Expanded first, and seen expanded: a click on the button while the step unfolds lands where it was.
  await wb.waitUntil(
    `the "${id}" step expanded`,
    async () => {
      if ((await step.getAttribute('aria-expanded')) === 'true') return true;
      await step.locator('h3').first().click();
      return false;
    },
    30_000,
    1_000,
  );
  await step.locator('.button-container .monaco-button', { hasText: label }).first().click();
}

/** Picks a row of the open example/template quick pick by its label (`xor`, `deep-sigmoid`, …), typing it first. */
export async function pickLesson(wb: Workbench, label: string): Promise<void> {
  const { page } = wb;
  // The list renders only the rows in sight: filter it down to the one wanted.
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-widget input').fill(label);
  const row = page.locator(`.quick-input-list .monaco-list-row[aria-label^="${label}, "]`).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
  // Picking closes the picker: while the row still shows a while later, the click was lost and is made again.
  let clickedAt = Date.now();
  await wb.waitUntil(
    `${label} picked`,
    async () => {
      if (!(await row.isVisible())) return true;
      if (Date.now() - clickedAt > 3_000) {
        clickedAt = Date.now();
        await row.click({ timeout: 2_000 });
      }
      return false;
    },
    30_000,
  );
}

/** Sets a breakpoint on a 1-based line of the active editor (Go to Line, F9) and waits for its glyph. */
export function toggleBreakpoint(wb: Workbench, line: number): Promise<void> {
  return setBreakpoint(wb, line);
}

/** Waits until the Call Stack shows a frame matching `pattern`; returns its text. */
export function waitForFrame(wb: Workbench, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return wb.waitUntil(
    `a frame matching ${pattern}`,
    async () => (await callStackRows(wb.page)).find((r) => pattern.test(r)),
    timeoutMs,
  );
}
