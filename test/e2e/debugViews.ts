// E2E helpers that read the workbench's Run and Debug views (Call Stack, Variables, toolbar) and the editor gutter.
import type { Page } from 'playwright-core';

async function rowTexts(page: Page, selector: string): Promise<string[]> {
  const rows = page.locator(selector);
  return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/** Texts of the rows of the Call Stack view (threads and frames). */
export function callStackRows(page: Page): Promise<string[]> {
  return rowTexts(page, '.debug-call-stack .monaco-list-row');
}

/** Names of the variables currently listed in the Variables view (scopes excluded; VS Code renders them "x ="). */
export async function variableNames(page: Page): Promise<string[]> {
  const names = await rowTexts(page, '.debug-variables .monaco-list-row .expression .name');
  return names.map((n) => n.replace(/\s*[=:]$/, ''));
}

/** Texts of the rows of the Variables view (scopes and variables, name and value). */
export function variableRows(page: Page): Promise<string[]> {
  return rowTexts(page, '.debug-variables .monaco-list-row');
}

/** Whether the floating debug toolbar is visible (a debug session is running). */
export function debugToolbarVisible(page: Page): Promise<boolean> {
  return page.locator('.debug-toolbar').isVisible();
}

/** 1-based editor lines that show a breakpoint glyph in the gutter of the active editor. */
export async function breakpointLines(page: Page): Promise<number[]> {
  // Glyphs (in .glyph-margin-widgets) and line numbers (in .margin-view-overlays) are matched by their CSS `top`.
  // (No helper functions inside evaluate callbacks: tsx's __name wrapper does not exist in the page.)
  const editor = page.locator('.editor-instance .monaco-editor').first();
  const glyphTops = await editor
    .locator('.codicon[class*="debug-breakpoint"]')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).style.top || (e.parentElement as HTMLElement).style.top));
  const numbers = await editor
    .locator('.margin-view-overlays .line-numbers')
    .evaluateAll((els) => els.map((e) => [(e.parentElement as HTMLElement).style.top, e.textContent ?? '']));
  return numbers.filter(([top]) => glyphTops.includes(top ?? '')).map(([, n]) => Number(n));
}
