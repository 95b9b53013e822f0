// E2E in a real VS Code (code-server), a fresh profile with only the .vsix installed: the walkthrough, followed with
// its own buttons. New Network from a template, Train, Gradient Flow (showing the finished run), a breakpoint and
// F5, Step Into to δ, Step Back; each step's checkbox ticks when its real event happens, and not before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openGradientFlow } from './gradientFlow';
import {
  openWalkthrough,
  pickLesson,
  pressStepButton,
  stepCheckbox,
  stepsDone,
  STEPS,
  toggleBreakpoint,
  waitForFrame,
  type StepId,
} from './walkthroughTour';
import { withWorkbench, type Workbench } from './workbench';

const OUT_LINE = 5; // `  dense out 1 sigmoid` in the xor template

/** Waits for a step's checkbox to tick and checks that the steps after it are still unticked. */
async function ticks(wb: Workbench, id: StepId): Promise<void> {
  await wb.waitUntil(
    `the "${id}" step to tick`,
    async () => (await stepCheckbox(wb, id).getAttribute('aria-checked')) === 'true',
    30_000,
    250,
  );
  const done = await stepsDone(wb);
  const later = STEPS.slice(STEPS.indexOf(id) + 1).filter((s) => done[s]);
  assert.deepEqual(later, [], `steps after "${id}" ticked early`);
}

test(
  'the walkthrough, followed with its buttons, ticks each step on its real event',
  { timeout: 300_000 },
  async (t) => {
    await withWorkbench({ name: 'walkthrough' }, async (wb) => {
      const { page } = wb;
      await openWalkthrough(wb);
      assert.deepEqual(
        Object.values(await stepsDone(wb)),
        STEPS.map(() => false),
        'a fresh profile has no step done',
      );
      // The selected step's picture of the real view, loaded from the package.
      const picture = await wb.waitUntil(
        "the first step's image",
        async () => {
          const imgs = await page
            .locator('.gettingStartedContainer img')
            .evaluateAll((els) =>
              els.map((i) => ({ alt: (i as HTMLImageElement).alt, width: (i as HTMLImageElement).naturalWidth })),
            );
          return imgs.find((i) => i.alt.startsWith('The nnet: Open Example… picker') && i.width > 0);
        },
        30_000,
      );
      t.diagnostic(`step image: ${JSON.stringify(picture)}`);
      await wb.screenshot('walkthrough-opened');

      // 1. New Network from a Template: the picker, xor, written beside the examples as a new file.
      await pressStepButton(wb, 'openExample', 'New Network from a Template');
      await pickLesson(wb, 'xor');
      await page.locator('.tabs-container .tab.active', { hasText: 'xor-2.nnet' }).waitFor({ timeout: 30_000 });
      assert.match(fs.readFileSync(path.join(wb.workspace, 'xor-2.nnet'), 'utf8'), /^network xor$/m);
      await ticks(wb, 'openExample');

      // 2. Train, pressed in the walkthrough (the .nnet file is the editor shown beside it).
      await pressStepButton(wb, 'train', 'Train');
      const done = await wb.waitUntil(
        'the status bar to report the finished run',
        async () => {
          const item = page.locator('.part.statusbar .statusbar-item', { hasText: /finished after \d+ steps/ });
          return (await item.count()) > 0 ? item.first().innerText() : undefined;
        },
        90_000,
        500,
      );
      t.diagnostic(`status bar: ${done}`);
      assert.match(done, /finished after 2000 steps/);
      const trained = wb
        .trace()
        .map((e) => e as { kind?: string; data?: { id?: string; file?: string } })
        .filter((e) => e.kind === 'command' && e.data?.id === 'nnet.train')
        .map((e) => e.data?.file);
      assert.deepEqual(trained, ['xor-2.nnet'], "the walkthrough's Train trained the file shown beside it");
      await ticks(wb, 'train');
      await wb.screenshot('trained');

      // 3. The Gradient Flow view, opened afterwards, shows the run as it ended.
      await pressStepButton(wb, 'gradientFlow', 'Show Gradient Flow');
      const flow = await openGradientFlow(wb);
      const shown = await wb.waitUntil(
        'the finished run in the view',
        async () => {
          const [step, status] = await Promise.all([
            flow.locator('#step').textContent(),
            flow.locator('#status').textContent(),
          ]);
          return step === 'step 2000' && /finished after 2000 steps/.test(status ?? '')
            ? `${step} · ${status}`
            : undefined;
        },
        30_000,
        500,
      );
      t.diagnostic(`Gradient Flow: ${shown}`);
      await ticks(wb, 'gradientFlow');
      await wb.screenshot('gradient-flow');

      // 4. A breakpoint on out and F5 (the walkthrough's Start Debugging button runs nnet.debug on the shown file).
      await page.locator('.tabs-container .tab', { hasText: 'xor-2.nnet' }).first().click();
      await toggleBreakpoint(wb, OUT_LINE);
      await pressStepButton(wb, 'breakpoint', 'Start Debugging');
      await waitForFrame(wb, /^forward out · step 1/, 60_000);
      await ticks(wb, 'breakpoint');

      // 5. Continue to the backward pass of out, then Step Into twice: ∂L/∂a of h1 (not yet δ), then δ.
      await pressStepButton(wb, 'stepInto', 'Step Into'); // into the event after forward out: not δ
      // The loss event has no chain-rule sub-steps: Step Into stops on it as a whole.
      await waitForFrame(wb, /^loss · step 1/);
      assert.equal((await stepsDone(wb)).stepInto, false, 'a Step Into that does not reach δ leaves the step open');
      await wb.focusEditor();
      await page.keyboard.press('F5');
      await waitForFrame(wb, /^backward out · step 1/);
      await page.keyboard.press('F11');
      await waitForFrame(wb, /^∂L\/∂a = /);
      assert.equal((await stepsDone(wb)).stepInto, false);
      await page.keyboard.press('F11');
      const delta = await waitForFrame(wb, /^δ = ∂L\/∂a ⊙ tanh′\(z\)/);
      t.diagnostic(`frame: ${delta}`);
      await ticks(wb, 'stepInto');

      // 6. Step Back, with the walkthrough's button.
      await pressStepButton(wb, 'stepBack', 'Step Back');
      await waitForFrame(wb, /^∂L\/∂a = /);
      await ticks(wb, 'stepBack');
      assert.deepEqual(
        Object.values(await stepsDone(wb)),
        STEPS.map(() => true),
      );
      await wb.screenshot('all-done');
      await page.keyboard.press('Shift+F5');
    });
  },
);
