// E2E in a real VS Code (code-server): debug examples/pytorch/train.py with F5 and no launch.json — a breakpoint on
// the `self.fc2 = nn.Linear(…)` line stops at fc2's forward and backward (Call Stack, Variables), and the Gradient
// Flow view follows the PyTorch run. Needs Debian's python3-torch at /usr/bin/python3.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../../scripts/codeServer.mjs';
import { expandScopes, setBreakpoint, startDebugging } from './actions';
import { callStackRows, debugToolbarVisible, variableNames } from './debugViews';
import { mentions, openGradientFlow, summarize } from './gradientFlow';
import { withWorkbench } from './workbench';

const SCENARIO_TIMEOUT = 240_000;
const TRAIN = fs.readFileSync(path.join(ROOT, 'examples', 'pytorch', 'train.py'), 'utf8');
const FC2_LINE = TRAIN.split('\n').findIndex((l) => l.trim().startsWith('self.fc2 = nn.Linear(')) + 1;
const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

test(
  'F5 on train.py: a breakpoint on the fc2 line stops at its forward and backward; Gradient Flow follows the run',
  { timeout: SCENARIO_TIMEOUT, skip: torch ? false : 'no torch in /usr/bin/python3 (apt-get install python3-torch)' },
  async (t) => {
    const t0 = Date.now();
    assert.ok(FC2_LINE > 0, 'examples/pytorch/train.py has no `self.fc2 = nn.Linear(` line');
    await withWorkbench({ name: 'pytorch-debug' }, async (wb) => {
      const { page } = wb;
      assert.ok(!fs.existsSync(path.join(wb.workspace, '.vscode', 'launch.json')), 'the workspace has a launch.json');
      await wb.openFile('train.py');
      await setBreakpoint(wb, FC2_LINE); // waits for the glyph on the line
      await wb.screenshot('train-py-breakpoint');

      await startDebugging(wb);
      const fwd = await wb.waitUntil(
        'a paused frame "forward fc2"',
        async () => (await callStackRows(page)).find((r) => /forward fc2/.test(r)),
        90_000,
      );
      t.diagnostic(`paused: ${fwd}`);
      assert.match(fwd, /step 1/);
      assert.match(fwd, /rank 0/);
      await wb.waitUntil('forward tensors input, output, weight, bias in Variables', async () => {
        await expandScopes(page);
        const names = await variableNames(page);
        return ['input', 'output', 'weight', 'bias'].every((n) => names.includes(n));
      });
      await wb.screenshot('paused-forward-fc2');

      await page.keyboard.press('F5');
      const bwd = await wb.waitUntil(
        'a paused frame "backward fc2"',
        async () => (await callStackRows(page)).find((r) => /backward fc2/.test(r)),
        60_000,
      );
      t.diagnostic(`paused: ${bwd}`);
      const names = await wb.waitUntil('backward tensors with weight.grad in Variables', async () => {
        await expandScopes(page);
        const n = await variableNames(page);
        return n.includes('weight.grad') && n.some((x) => x.startsWith('grad_output')) ? n : undefined;
      });
      t.diagnostic(`variables: ${names.join(', ')}`);
      await wb.screenshot('paused-backward-fc2');

      // The Gradient Flow view follows the PyTorch session: paused where the Call Stack is.
      const flow = await openGradientFlow(wb);
      const paused = await wb.waitUntil(
        'the Gradient Flow view paused on fc2',
        async () => {
          const s = await summarize(flow);
          return /Paused on backward fc2/.test(s.accessibleText) ? s : undefined;
        },
        30_000,
      );
      t.diagnostic(`view while paused: ${paused.accessibleText.split('\n').slice(0, 3).join(' | ')}`);
      await wb.screenshot('gradient-flow-paused');

      // No more stops: the breakpoint goes, the run goes on to the end, the view draws its modules and loss.
      await wb.runCommand('Remove All Breakpoints');
      await wb.runCommand('Debug: Continue');
      const done = await wb.waitUntil(
        'Gradient Flow bars for fc1, fc2 and fc3, and a loss curve',
        async () => {
          const s = await summarize(flow);
          const painted = s.canvases.filter((c) => c.painted > 0).length;
          return painted >= 2 && ['fc1', 'fc2', 'fc3'].every((m) => mentions(s.accessibleText, m)) ? s : undefined;
        },
        90_000,
        500,
      );
      t.diagnostic(`gradient flow canvases: ${JSON.stringify(done.canvases)}`);
      await wb.waitUntil('the session to end', async () => !(await debugToolbarVisible(page)), 60_000);
      await wb.screenshot('gradient-flow-after-run');

      // Protocol evidence behind the screen: an nnet-pytorch launch from F5, the breakpoint, two stops.
      const trace = wb.trace().map((e) => JSON.stringify(e));
      assert.ok(
        trace.some((l) => l.includes('"setBreakpoints"') && l.includes(`"line":${FC2_LINE}`)),
        `trace has no DAP setBreakpoints request for line ${FC2_LINE}`,
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
  'Restricted Mode: F5 on train.py asks for trust, and Cancel runs nothing',
  { timeout: SCENARIO_TIMEOUT },
  async (t) => {
    await withWorkbench({ name: 'pytorch-restricted', restricted: true }, async (wb) => {
      const { page } = wb;
      const distrust = page.getByRole('button', { name: /^No, I don.t trust/ });
      await distrust
        .first()
        .click({ timeout: 20_000 })
        .catch(() => undefined);
      await wb.waitUntil(
        'the Restricted Mode indicator',
        async () => (await page.locator('.part.statusbar').innerText()).includes('Restricted Mode'),
        30_000,
      );
      await wb.openFile('train.py');
      // VS Code asks before any debug session in Restricted Mode (the extension's own refusal, mayRun, is behind it
      // for sessions started some other way). F5 is pressed again while no dialog has come a while later (a key lost
      // while focus settles); once the dialog shows, nothing else is pressed.
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'Debugging executes' });
      let pressedAt = 0;
      await wb.waitUntil(
        'the trust dialog after F5',
        async () => {
          if (await dialog.isVisible()) return true;
          if (Date.now() - pressedAt > 8_000) {
            await wb.focusEditor();
            await page.keyboard.press('F5');
            pressedAt = Date.now();
          }
          return false;
        },
        60_000,
      );
      t.diagnostic(`dialog: ${(await dialog.innerText()).replace(/\s+/g, ' ')}`);
      await wb.screenshot('debug-asks-for-trust');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await page.waitForTimeout(3000);
      await wb.screenshot('cancelled');
      assert.equal(await debugToolbarVisible(page), false, 'no debug session started');
      assert.ok(
        !wb.trace().some((e) => JSON.stringify(e).includes('"command":"launch"')),
        'no launch request reached the adapter',
      );
    });
  },
);
