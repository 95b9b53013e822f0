// E2E in a real VS Code (code-server): install the .vsix, train xor.nnet, watch Gradient Flow, break on h1 both ways.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { callStackRows, variableNames } from './debugViews';
import { mentions, openGradientFlow, summarize } from './gradientFlow';
import { ROOT } from '../../scripts/codeServer.mjs';
import { clickTrain, expandScopes, setBreakpoint, startDebugging, stopDebugging } from './actions';
import { withWorkbench } from './workbench';

const SCENARIO_TIMEOUT = 180_000;
const XOR = fs.readFileSync(path.join(ROOT, 'examples', 'xor.nnet'), 'utf8');
const BREAK_LINE = 4;
const ERROR_LINE = 4; // the line the syntax-error scenario breaks

test(
  'train xor.nnet, see gradient flow, break on h1 forward and backward',
  { timeout: SCENARIO_TIMEOUT },
  async (t) => {
    const t0 = Date.now();
    await withWorkbench({ name: 'train-and-debug' }, async (wb) => {
      const { page } = wb;
      assert.equal(
        XOR.split('\n')[BREAK_LINE - 1]?.trim(),
        'dense h1 4 tanh init=xavier',
        'examples/xor.nnet line 4 moved',
      );
      await wb.openFile('xor.nnet');
      await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
      await wb.screenshot('xor-open');

      t.diagnostic(`Train pressed via ${await clickTrain(wb)}`);
      const flow = await openGradientFlow(wb);
      const view = await wb.waitUntil(
        'Gradient Flow bars for h1 and out',
        async () => {
          const s = await summarize(flow);
          const drawn = s.canvases.some((c) => c.painted > 0);
          return drawn && mentions(s.accessibleText, 'h1') && mentions(s.accessibleText, 'out') ? s : undefined;
        },
        60_000,
        500,
      );
      t.diagnostic(`gradient flow canvases: ${JSON.stringify(view.canvases)}`);
      await wb.screenshot('gradient-flow');

      await setBreakpoint(wb, BREAK_LINE); // waits for the glyph on the line
      await wb.screenshot('breakpoint-set');

      await startDebugging(wb);
      const fwd = await wb.waitUntil(
        'a paused frame "forward h1"',
        async () => (await callStackRows(page)).find((r) => /forward h1/.test(r)),
        60_000,
      );
      t.diagnostic(`paused: ${fwd}`);
      await page.locator('.debug-top-stack-frame-line').first().waitFor();
      await wb.waitUntil('forward tensors x, z, a, W, b in Variables', async () => {
        await expandScopes(page);
        const names = await variableNames(page);
        return ['x', 'z', 'a', 'W', 'b'].every((n) => names.includes(n));
      });
      await wb.screenshot('paused-forward-h1');

      await page.keyboard.press('F5');
      const bwd = await wb.waitUntil(
        'a paused frame "backward h1"',
        async () => (await callStackRows(page)).find((r) => /backward h1/.test(r)),
        60_000,
      );
      t.diagnostic(`paused: ${bwd}`);
      await wb.waitUntil('backward tensors δ = ∂L/∂z, W.grad, b.grad in Variables', async () => {
        await expandScopes(page);
        const names = await variableNames(page);
        return ['δ = ∂L/∂z', 'W.grad', 'b.grad'].every((n) => names.includes(n));
      });
      await wb.screenshot('paused-backward-h1');

      await stopDebugging(wb, 'the debug toolbar to go away');
      await wb.screenshot('stopped');

      // Protocol evidence behind the screen: the breakpoint went to the adapter, which reported two stops.
      const trace = wb.trace().map((e) => JSON.stringify(e));
      assert.ok(trace.length > 0, 'the extension wrote no NNET_TRACE_FILE trace');
      assert.ok(
        trace.some((l) => l.includes('"setBreakpoints"') && l.includes(`"line":${BREAK_LINE}`)),
        `trace has no DAP setBreakpoints request for line ${BREAK_LINE}`,
      );
      assert.ok(
        trace.filter((l) => l.includes('"event":"stopped"')).length >= 2,
        'trace has fewer than 2 DAP stopped events',
      );
    });
    t.diagnostic(`scenario took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  },
);

test(
  'a syntax error is squiggled, listed in Problems, and Train refuses naming the line',
  { timeout: SCENARIO_TIMEOUT },
  async (t) => {
    const t0 = Date.now();
    const broken = XOR.replace('dense h1 4 tanh', 'dense h1 four tanh');
    assert.notEqual(broken, XOR);
    await withWorkbench({ name: 'syntax-error', files: { 'broken.nnet': broken } }, async (wb) => {
      const { page } = wb;
      await wb.openFile('broken.nnet');
      await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
      await wb.showProblems();
      const problem = page.locator('.markers-panel .monaco-list-row', { hasText: `Ln ${ERROR_LINE},` });
      await problem.first().waitFor({ timeout: 30_000 });
      t.diagnostic(`problem: ${(await problem.first().innerText()).replace(/\s+/g, ' ')}`);
      await wb.screenshot('squiggle-and-problem');

      t.diagnostic(`Train pressed via ${await clickTrain(wb)}`);
      const toast = wb
        .notifications()
        .filter({ hasText: new RegExp(`\\b(line|Ln) ${ERROR_LINE}\\b|:${ERROR_LINE}(:|\\b)`, 'i') });
      await toast.first().waitFor({ timeout: 30_000 });
      t.diagnostic(`message: ${(await toast.first().innerText()).replace(/\s+/g, ' ')}`);
      await page.waitForTimeout(600); // let the toast finish fading in, so the screenshot is legible
      await wb.screenshot('train-refused');
      const trace = wb.trace().map((e) => JSON.stringify(e));
      assert.ok(
        trace.some((l) => l.includes('nnet.train')),
        'trace does not show the Train command',
      );
    });
    t.diagnostic(`scenario took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  },
);
