// Photographs the real views for the walkthrough (media/walkthrough/*.png) and the README (media/screenshot.png):
// a fresh code-server with the packaged .vsix, driven through the walkthrough's tour by the e2e helpers.
// Run after `npm run package`: node --import tsx scripts/walkthroughImages.ts   (commit the PNGs it writes)
import fs from 'node:fs';
import path from 'node:path';
import { clickTrain, expandScopes, startDebugging } from '../test/e2e/actions';
import { variableNames } from '../test/e2e/debugViews';
import { openGradientFlow } from '../test/e2e/gradientFlow';
import { pickLesson, runNnetCommand, toggleBreakpoint, waitForFrame } from '../test/e2e/walkthroughTour';
import { withWorkbench, type Workbench } from '../test/e2e/workbench';
import { ROOT } from './codeServer.mjs';

const OUT = path.join(ROOT, 'media');
const OUT_LINE = 5; // `  dense out 1 sigmoid` in examples/xor.nnet
const H_LINE = 6; // `    dense h 16 sigmoid init=xavier` (repeated ten times) in examples/deep-sigmoid.nnet
const CONDITION = 'step == 150 && phase == "backward" && layer == "h_3"';

/** The window's size in CSS pixels, and the scale it is photographed at (1000×625 at 0.8 → an 800×500 image). */
let shape = { width: 1000, height: 625, scale: 0.8 };

/** Lays the window out roomily and photographs it small, so the image is small without a cramped workbench. */
async function frame(wb: Workbench, width: number, height: number, scale: number): Promise<void> {
  shape = { width, height, scale };
  await wb.page.setViewportSize({ width, height });
  await wb.page.waitForTimeout(800); // the workbench relayouts on resize
}

/** Drags the sidebar's edge so the views in it (Variables, Gradient Flow) have room for their values. */
async function widenSidebar(wb: Workbench, by: number): Promise<void> {
  const box = await wb.page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width + 1,
    y = box.y + box.height / 2;
  await wb.page.mouse.move(x, y);
  await wb.page.mouse.down();
  await wb.page.mouse.move(x + by, y, { steps: 5 });
  await wb.page.mouse.up();
}

/** Hides the bottom panel (the Debug Console opens with a session) so the editor keeps its height. */
async function hidePanel(wb: Workbench): Promise<void> {
  const close = wb.page.locator('.part.panel .action-label[aria-label^="Hide Panel"]').first();
  if (await close.isVisible().catch(() => false)) await close.click();
}

/** Parks the pointer where it opens no hover (the editor's empty lower right). */
async function parkPointer(wb: Workbench): Promise<void> {
  await wb.page.mouse.move(shape.width - 60, shape.height - 60);
}

async function shoot(wb: Workbench, file: string, { keepPointer = false } = {}): Promise<void> {
  if (!keepPointer) await parkPointer(wb);
  await wb.page.waitForTimeout(600); // let hovers, fades and charts settle
  const target = path.join(OUT, file);
  // The DevTools protocol renders the capture at the clip's scale (crisper than shrinking a full-size capture).
  const cdp = await wb.page.context().newCDPSession(wb.page);
  const { data } = await cdp.send('Page.captureScreenshot', {
    format: 'png',
    clip: { x: 0, y: 0, width: shape.width, height: shape.height, scale: shape.scale },
  });
  await cdp.detach();
  fs.writeFileSync(target, Buffer.from(data, 'base64'));
  process.stdout.write(`${path.relative(ROOT, target)}: ${(fs.statSync(target).size / 1024).toFixed(0)} KB\n`);
}

async function main(): Promise<void> {
  fs.mkdirSync(path.join(OUT, 'walkthrough'), { recursive: true });
  await withWorkbench({ name: 'walkthrough-images' }, async (wb) => {
    const { page } = wb;
    // A new user's folder: nothing in it yet (the harness copies the examples in; Open Example brings xor back).
    for (const f of fs.readdirSync(wb.workspace))
      fs.rmSync(path.join(wb.workspace, f), { recursive: true, force: true });
    await wb.waitUntil(
      'an empty Explorer',
      async () => (await page.locator('.explorer-folders-view .monaco-list-row', { hasText: '.nnet' }).count()) === 0,
      30_000,
    );
    await frame(wb, 1000, 625, 0.8);
    await widenSidebar(wb, 90);

    await runNnetCommand(wb, 'nnet: Open Example');
    await page.locator('.quick-input-list .monaco-list-row[aria-label^="batchnorm, "]').waitFor({ timeout: 30_000 });
    await wb.waitUntil(
      'the extension activated',
      async () => !/Activating/.test(await page.locator('.part.statusbar').innerText()),
      30_000,
    );
    await shoot(wb, 'walkthrough/open-example.png');
    await pickLesson(wb, 'xor');
    await page.locator('.tabs-container .tab.active', { hasText: 'xor.nnet' }).waitFor({ timeout: 30_000 });
    await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });

    await clickTrain(wb);
    await wb.waitUntil(
      'the finished run in the status bar',
      async () =>
        (await page.locator('.part.statusbar .statusbar-item', { hasText: /finished after 2000 steps/ }).count()) > 0,
      90_000,
      500,
    );
    await wb.focusEditor();
    await shoot(wb, 'walkthrough/train.png');

    const flow = await openGradientFlow(wb);
    await wb.waitUntil(
      'the finished run in Gradient Flow',
      async () => (await flow.locator('#step').textContent()) === 'step 2000',
      30_000,
      500,
    );
    await shoot(wb, 'walkthrough/gradient-flow.png');

    await wb.focusEditor();
    await toggleBreakpoint(wb, OUT_LINE);
    await startDebugging(wb);
    await waitForFrame(wb, /^forward out · step 1/);
    await expandScopes(page);
    await wb.waitUntil('x, z and a in Variables', async () => {
      const names = await variableNames(page);
      return ['x', 'z', 'a'].every((n) => names.includes(n));
    });
    await hidePanel(wb);
    await wb.focusEditor();
    await shoot(wb, 'walkthrough/breakpoint.png');

    await page.keyboard.press('F5');
    await waitForFrame(wb, /^backward out · step 1/);
    await page.keyboard.press('F11');
    await waitForFrame(wb, /^∂L\/∂a = /);
    await page.keyboard.press('F11');
    await waitForFrame(wb, /^δ = ∂L\/∂a ⊙ tanh′\(z\)/);
    await expandScopes(page);
    await wb.waitUntil('∂L/∂a, z, φ′(z) and δ in Variables', async () => {
      const names = await variableNames(page);
      return ['∂L/∂a', 'z', 'φ′(z)', 'δ = ∂L/∂z'].every((n) => names.includes(n));
    });
    await shoot(wb, 'walkthrough/step-into.png');

    const stepBack = page.locator('.debug-toolbar .action-label[aria-label^="Step Back"]').first();
    await stepBack.click();
    await waitForFrame(wb, /^∂L\/∂a = /);
    await stepBack.hover(); // its tooltip names the button the step is about
    await shoot(wb, 'walkthrough/step-back.png', { keepPointer: true });

    await page.keyboard.press('Shift+F5');
  });

  // The README's picture: ten sigmoid layers paused deep in the backward pass of step 150, the Gradient Flow view
  // showing the vanishing profile, inline gradient norms on the layer lines, and the Layer Inspector beside.
  await withWorkbench({ name: 'readme-screenshot' }, async (wb) => {
    const { page } = wb;
    await frame(wb, 1280, 760, 0.75);
    await widenSidebar(wb, 60);
    await wb.openFile('deep-sigmoid.nnet');
    await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });
    await wb.gotoLine(H_LINE);
    await wb.runCommand('Debug: Add Conditional Breakpoint...');
    const widget = page.locator('.breakpoint-widget');
    await widget.waitFor({ timeout: 10_000 });
    await widget.locator('.monaco-editor').first().click();
    await page.keyboard.type(CONDITION);
    await wb.waitUntil(
      'the condition in the breakpoint widget',
      async () => (await widget.locator('.view-lines').first().innerText()).replace(/\s+/g, ' ').includes(CONDITION),
      10_000,
    );
    await page.keyboard.press('Enter');
    await startDebugging(wb);
    await waitForFrame(wb, /^backward h_3 · step 150/, 60_000);
    await hidePanel(wb);
    await runNnetCommand(wb, 'nnet: Open Layer Inspector');
    await page.waitForTimeout(3000);
    await runNnetCommand(wb, 'Focus on Gradient Flow View');
    await wb.focusEditor();
    await shoot(wb, 'screenshot.png');
    await page.keyboard.press('Shift+F5');
  });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
