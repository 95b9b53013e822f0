// E2E in a real VS Code (code-server): answer "why does the first layer not learn?" in the 10-layer sigmoid example —
// break on the vanishing-gradient filter, step into a backward pass, read δ and φ′(z) in Variables, evaluate an
// expression in the Debug Console, and step back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clickToolbar,
  evaluateInConsole,
  expandScopes,
  setBreakpoint,
  showExceptionFilters,
  startDebugging,
  stopDebugging,
  tick,
} from './actions';
import { callStackRows, variableNames, variableRows } from './debugViews';
import { withWorkbench } from './workbench';

const OUT_LINE = 8; // `  dense out 1 sigmoid` in examples/deep-sigmoid.nnet

test(
  'deep sigmoid: vanishing-gradient filter, Step Into a backward pass, Debug Console, Step Back',
  { timeout: 240_000 },
  async (t) => {
    await withWorkbench({ name: 'debugger' }, async (wb) => {
      const { page } = wb;
      await wb.openFile('deep-sigmoid.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });

      // 1. The exception filter, ticked in the Breakpoints view as a user would (listed after a first session).
      const filter = await showExceptionFilters(wb, OUT_LINE, 'Vanishing gradient');
      // VS Code draws its own checkbox (a .monaco-checkbox toggle), not an <input>; the list re-renders after the first
      // session, so the tick is read back and the click made again if it was lost.
      await tick(wb, 'Vanishing gradient');
      await wb.waitUntil(
        'the filter to be ticked',
        async () =>
          (await filter
            .first()
            .locator('.monaco-checkbox.checked, input[type="checkbox"]:checked, [aria-checked="true"]')
            .count()) > 0,
        10_000,
      );
      await startDebugging(wb);
      const exceptionFrame = await wb.waitUntil(
        'a stop on the vanishing-gradient filter',
        async () =>
          (
            await page
              .locator('.zone-widget .exception-widget, .debug-exception-widget, .exception-widget')
              .allInnerTexts()
          ).find((x) => /Vanishing gradient/.test(x)),
        60_000,
      );
      t.diagnostic(`exception: ${exceptionFrame.replace(/\s+/g, ' ')}`);
      await wb.screenshot('vanishing-filter');

      // 2. A breakpoint on the output layer, then into the backward pass of the layer below it.
      await setBreakpoint(wb, OUT_LINE);
      await page.keyboard.press('F5'); // continue to the next hit: forward out of the next step
      await wb.waitUntil(
        'forward out',
        async () => (await callStackRows(page)).some((r) => /forward out/.test(r)),
        30_000,
      );
      await page.keyboard.press('F5');
      await wb.waitUntil(
        'backward out',
        async () => (await callStackRows(page)).some((r) => /backward out/.test(r)),
        30_000,
      );
      await page.keyboard.press('F11');
      await wb.waitUntil(
        'the ∂L/∂a sub-step of backward h_10',
        async () => (await callStackRows(page)).some((r) => /∂L\/∂a = Wᵀ′·δ′/.test(r)),
        30_000,
      );
      await page.keyboard.press('F11');
      const frame = await wb.waitUntil(
        'the δ sub-step of backward h_10',
        async () => (await callStackRows(page)).find((r) => /δ = ∂L\/∂a ⊙ sigmoid′\(z\)/.test(r)),
        30_000,
      );
      t.diagnostic(`frame: ${frame}`);
      assert.ok((await callStackRows(page)).some((r) => /backward h_10/.test(r)));
      // The repeat line's inline value is the paused instance's, not the first one's.
      const inline = await wb.waitUntil(
        'the inline value of the repeat line to name h_10',
        async () => {
          const lines = await page.locator('.editor-instance .view-line').allInnerTexts();
          return lines
            .map((l) => l.replace(/\s+/g, ' '))
            .find((l) => /dense h 16 sigmoid/.test(l) && /\(h_10 of 10\)/.test(l));
        },
        15_000,
      );
      t.diagnostic(`inline: ${inline}`);
      await wb.waitUntil('∂L/∂a, z, φ′(z) and δ in Variables', async () => {
        await expandScopes(page);
        const names = await variableNames(page);
        return ['∂L/∂a', 'z', 'φ′(z)', 'δ = ∂L/∂z'].every((n) => names.includes(n));
      });
      t.diagnostic((await variableRows(page)).slice(0, 6).join(' | '));
      await wb.screenshot('step-into-delta');

      // 3. The Debug Console.
      await wb.runCommand('Debug Console: Focus on Debug Console View');
      await evaluateInConsole(wb, 'mean(abs(h_10.delta)) < mean(abs(h_10.dA))');
      await wb.waitUntil(
        'the console answers true',
        async () => (await page.locator('.repl .monaco-list-row').allInnerTexts()).some((x) => /^\s*true\s*$/m.test(x)),
        30_000,
      );
      // The backward pass has not reached h_1 yet: its gradient is not computed, and the console says so.
      await evaluateInConsole(wb, 'norm(h_1.W.grad)');
      await wb.waitUntil(
        'norm(h_1.W.grad) is not computed yet',
        async () =>
          (await page.locator('.repl .monaco-list-row').allInnerTexts()).some((x) =>
            /h_1\.W\.grad is not computed yet at backward h_10/.test(x),
          ),
        30_000,
      );
      await evaluateInConsole(wb, 'norm(h_10.W.grad)');
      await wb.waitUntil(
        'a number for norm(h_10.W.grad)',
        async () =>
          (await page.locator('.repl .monaco-list-row').allInnerTexts()).some((x) => /^\s*\d[\d.e-]*\s*$/m.test(x)),
        30_000,
      );
      await wb.screenshot('debug-console');

      // 4. Step Back with the debug toolbar's button (VS Code shows it because the adapter supports stepping back).
      await clickToolbar(wb, 'Step Back');
      await wb.waitUntil(
        'the ∂L/∂a sub-step again',
        async () => (await callStackRows(page)).some((r) => /∂L\/∂a = Wᵀ′·δ′/.test(r)),
        30_000,
      );
      // After Step Into, Step Back is its inverse: it lands on the previous event's last chain-rule sub-step.
      await clickToolbar(wb, 'Step Back');
      await wb.waitUntil(
        'back at the last sub-step of backward out',
        async () => {
          const rows = await callStackRows(page);
          return rows.some((r) => /^∂x = δ·W \(5\/5\)/.test(r)) && rows.some((r) => /^backward out · step 2/.test(r));
        },
        30_000,
      );
      await clickToolbar(wb, 'Step Back');
      await wb.waitUntil(
        'back at ∂b of backward out',
        async () => (await callStackRows(page)).some((r) => /^∂b = Σ_batch δ \(4\/5\)/.test(r)),
        30_000,
      );
      // The Variables view follows: the output layer's backward scope, not the h_10 one it showed before.
      await wb.waitUntil(
        'the Variables view on backward out',
        async () => (await variableRows(page)).some((r) => /^Layer out \(backward\): ∂b/.test(r)),
        10_000,
      );
      await wb.screenshot('stepped-back');
      await stopDebugging(wb);
    });
  },
);
