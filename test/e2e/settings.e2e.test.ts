// E2E: nnet's settings as a user meets them. A threshold set in the user settings before start keeps the vanishing-
// gradient filter quiet; changed in the Settings UI (filtered to `nnet`, captured) mid-session, the Gradient Flow view
// reclassifies its bars at once and the next debug session stops on the filter with the new threshold. An invalid
// setting is reported once in the nnet log, with the worker's and the adapter's lines beside it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isLaunch, showExceptionFilters, startDebugging, stopDebugging, tickOnly, untilTraced } from './actions';
import { openGradientFlow } from './gradientFlow';
import { withWorkbench, type Workbench } from './workbench';

const OUT_LINE = 8; // `  dense out 1 sigmoid` in examples/deep-sigmoid.nnet

/** Files named `name` under `dir`, recursively. */
function findFiles(dir: string, name: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? findFiles(p, name) : e.name === name ? [p] : [];
  });
}

/** The nnet output channel's log file (VS Code writes each LogOutputChannel to the window's log folder). */
function nnetLog(wb: Workbench): string {
  return findFiles(path.join(wb.userDataDir, 'logs'), 'nnet.log')
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}

test(
  'a setting changed mid-session: the view follows at once, the next debug session stops with the new threshold; a bad value is logged once',
  { timeout: 300_000 },
  async (t) => {
    await withWorkbench(
      {
        name: 'settings',
        settings: {
          'nnet.exceptions.vanishingRatio': 1e-12,
          'nnet.exceptions.vanishingFloor': 0,
          'nnet.debug.historyMB': 'lots',
        },
      },
      async (wb) => {
        const { page } = wb;
        await wb.openFile('deep-sigmoid.nnet');
        await page.locator('[id="status.editor.mode"]', { hasText: 'nnet' }).waitFor({ timeout: 30_000 });

        // The filters are listed once a session of the type has started: a first session, held by a breakpoint.
        await showExceptionFilters(wb, OUT_LINE, 'Vanishing gradient');
        await tickOnly(wb, 'Vanishing gradient');

        const filtersSent = () =>
          wb.trace().flatMap((r) => {
            // VS Code sends filters that take a condition as filterOptions, the others as filters.
            const m = r as {
              kind?: string;
              data?: { command?: string; arguments?: { filters?: string[]; filterOptions?: { filterId: string }[] } };
            };
            if (m.kind !== 'dap-in' || m.data?.command !== 'setExceptionBreakpoints') return [];
            const a = m.data.arguments;
            return [[...(a?.filters ?? []), ...(a?.filterOptions ?? []).map((o) => o.filterId)].sort()];
          });
        // 1. With the ratio set to 1e-12 and no floor before start, the ticked filter never fires: the run ends.
        // The session may end before the debug toolbar is ever seen: wait for its end in the DAP trace instead.
        const ended = () =>
          wb
            .trace()
            .filter(
              (r) =>
                (r as { kind?: string; data?: { event?: string } }).kind === 'dap-out' &&
                (r as { data: { event?: string } }).data.event === 'nnet.ended',
            ).length;
        const endedBefore = ended();
        // F5 again only if no session launched a while later (the key was lost): a second session would end too.
        await untilTraced(wb, 'the quiet session to launch', isLaunch, async () => {
          await wb.focusEditor();
          await page.keyboard.press('F5');
        });
        await wb.waitUntil(
          'the quiet session to end',
          async () => ended() > endedBefore && !(await page.locator('.debug-toolbar').isVisible()),
          90_000,
        );
        assert.deepEqual(filtersSent().at(-1), ['vanishing'], 'the quiet session had the vanishing filter on');
        const exceptionWidget = page.locator(
          '.zone-widget .exception-widget, .debug-exception-widget, .exception-widget',
        );
        assert.equal(await exceptionWidget.count(), 0, 'no stop on the filter under the settings set before start');
        const stops = wb
          .trace()
          .filter(
            (r) =>
              (r as { kind?: string; data?: { event?: string; body?: { reason?: string } } }).kind === 'dap-out' &&
              (r as { data: { event?: string } }).data.event === 'stopped',
          );
        assert.ok(
          !stops.some((r) => (r as { data: { body: { reason?: string } } }).data.body.reason === 'exception'),
          'no exception stop in the DAP trace',
        );
        const view = await openGradientFlow(wb);
        const health = view.locator('#health-summary');
        const before = (await health.innerText().catch(() => '')).trim();
        t.diagnostic(`view under ratio 1e-12: "${before}"`);
        assert.doesNotMatch(before, /Vanishing/, 'the view uses the same ratio: no layer flagged');
        await wb.screenshot('quiet-ratio');

        // 2. The user opens the Settings UI, filters it to nnet, and sets the ratio back to 1e-3 there while VS Code
        //    runs: the view reclassifies at once.
        await wb.runCommand('Preferences: Open Settings (UI)');
        const search = page
          .locator(
            '.settings-editor .settings-header .monaco-editor .native-edit-context, .settings-editor .settings-header textarea',
          )
          .first();
        // The search box is an edit-context div with no size of its own: wait for it to exist, then focus it.
        await page.locator('.settings-editor').waitFor({ timeout: 30_000 });
        await search.waitFor({ state: 'attached', timeout: 30_000 });
        await search.focus();
        await page.keyboard.type('nnet');
        // Typed again while the search box does not hold it (keys typed before it took focus are lost).
        const searchText = page.locator('.settings-editor .settings-header .monaco-editor .view-lines').first();
        const rows = await wb.waitUntil(
          'the nnet settings listed',
          async () => {
            if ((await searchText.innerText().catch(() => '')).trim() !== 'nnet') {
              await search.focus();
              if (await page.locator('.settings-editor .settings-header .monaco-editor.focused').count()) {
                await page.keyboard.press('Control+A');
                await page.keyboard.type('nnet');
              }
              return undefined;
            }
            const text = await page
              .locator('.settings-editor .settings-tree-container')
              .innerText()
              .catch(() => '');
            return /Vanishing Ratio/i.test(text) && /Vanishing Floor/i.test(text) ? text : undefined;
          },
          30_000,
        );
        t.diagnostic(`settings UI shows: ${rows.replace(/\s+/g, ' ').slice(0, 400)}`);
        await wb.screenshot('settings-ui');
        const ratioInput = page
          .locator('.settings-editor .setting-item', { hasText: 'Vanishing Ratio' })
          .locator('input')
          .first();
        // The Settings UI writes the value after a short debounce; the extension logs each change it receives. The
        // value is entered again if it has not arrived a while later (the list may redraw the input under the typing;
        // entering the same value twice is harmless).
        let enteredAt = 0;
        await wb.waitUntil(
          'the extension to receive the new ratio',
          async () => {
            if (/settings changed: .*"vanishingRatio":0\.001/.test(nnetLog(wb))) return true;
            if (Date.now() - enteredAt > 5_000) {
              enteredAt = Date.now();
              await ratioInput.fill('0.001');
              await page.keyboard.press('Tab');
            }
            return false;
          },
          20_000,
        );
        await wb.screenshot('setting-changed');
        // The Settings editor opens as a modal in this VS Code: Escape closes it (or its own close button).
        await page.keyboard.press('Escape');
        const settingsEditor = page.locator('.settings-editor');
        if (
          !(await settingsEditor.waitFor({ state: 'hidden', timeout: 5_000 }).then(
            () => true,
            () => false,
          ))
        ) {
          await page
            .locator('[aria-label^="Close"]:visible')
            .filter({ has: page.locator('.codicon-close') })
            .first()
            .click()
            .catch(() => undefined);
          await settingsEditor.waitFor({ state: 'hidden', timeout: 10_000 });
        }
        const gradientFlow = await openGradientFlow(wb);
        const after = await wb
          .waitUntil(
            'the view to flag vanishing layers under the new ratio',
            async () => {
              const text = (
                await gradientFlow
                  .locator('#health-summary')
                  .innerText()
                  .catch(() => '')
              ).trim();
              return /Vanishing: .*h_1/.test(text) ? text : undefined;
            },
            30_000,
          )
          .catch((e: unknown) => {
            t.diagnostic(`nnet log:\n${nnetLog(wb)}`);
            throw e;
          });
        t.diagnostic(`view under ratio 1e-3: "${after}"`);
        const legend = await gradientFlow.locator('#legend-vanishing').innerText();
        assert.match(legend, /< 0\.001 × output/);
        await wb.screenshot('view-follows-setting');

        // 3. The next debug session takes the new threshold: it stops on the filter, naming it.
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
        const sessionsBefore = filtersSent().length;
        await startDebugging(wb);
        await wb.waitUntil(
          'the session to set its exception filters',
          async () => filtersSent().length > sessionsBefore,
          30_000,
        );
        assert.deepEqual(filtersSent().at(-1), ['vanishing'], 'the same filter, unchanged: only the setting differs');
        const widget = await wb.waitUntil(
          'a stop on the vanishing-gradient filter',
          async () => (await exceptionWidget.allInnerTexts()).find((x) => /Vanishing gradient/.test(x)),
          60_000,
        );
        t.diagnostic(`exception: ${widget.replace(/\s+/g, ' ')}`);
        assert.match(widget, /threshold 0\.001/);
        await wb.screenshot('next-session-stops');
        await stopDebugging(wb);

        // 4. The log: the invalid setting once (however often settings were re-read), the adapter's and the worker's lines.
        const log = await wb.waitUntil(
          'the nnet log to hold the sessions',
          async () => {
            const text = nnetLog(wb);
            return /worker: debugging .*deep-sigmoid\.nnet/.test(text) && /debug adapter: launch /.test(text)
              ? text
              : undefined;
          },
          30_000,
        );
        const bad = log
          .split('\n')
          .filter((l) => l.includes('nnet.debug.historyMB: "lots" is not a number; using 256'));
        t.diagnostic(`log lines: ${log.split('\n').length}; invalid-setting lines: ${bad.length}`);
        assert.equal(bad.length, 1, `reported once:\n${log}`);
        assert.match(log, /debug adapter: launch .*deep-sigmoid\.nnet: history 256 MB/);
      },
    );
  },
);
