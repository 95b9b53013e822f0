// E2E harness: a fresh code-server (real VS Code) with the packaged .vsix, driven by playwright-core in Debian chromium.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import {
  ROOT,
  ensureCodeServer,
  installVsix,
  makeProfile,
  startCodeServer,
  type CodeServer,
} from '../../scripts/codeServer.mjs';

/** The extension under test; NNET_E2E_VSIX overrides it (e.g. to check the harness against another build). */
export const VSIX = process.env.NNET_E2E_VSIX ?? path.join(ROOT, 'dist', 'nnet.vsix');
export const RESULTS = path.join(ROOT, 'test-results', 'e2e');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** Names the result files (screenshots, log, trace) of this scenario. */
  readonly name: string;
  /** Extra files to write into the temporary workspace (relative path → content). */
  readonly files?: Readonly<Record<string, string>>;
  /** The .vsix to install; null installs nothing (to check the harness itself). Default: dist/nnet.vsix. */
  readonly vsix?: string | null;
  /** Keep workspace trust on, so the folder opens in Restricted Mode (default: trust off, as most scenarios need). */
  readonly restricted?: boolean;
  /** Window height in pixels (default 900); a taller window lets long views render every row at once. */
  readonly height?: number;
  /** User settings to add to the profile's settings.json before VS Code starts (e.g. `nnet.*`). */
  readonly settings?: Readonly<Record<string, unknown>>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines: number): string {
  if (!fs.existsSync(file)) return `(no ${file})`;
  return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Thrown inside a waitUntil probe to stop waiting at once (the condition can no longer become true). */
export class FatalError extends Error {}

/** One running workbench: code-server + browser page, with helpers to drive it. */
export class Workbench {
  private shots = 0;
  /** The profile's user data folder: `User/settings.json` (edit it to change settings mid-session) and `logs/`. */
  userDataDir = '';

  private constructor(
    readonly name: string,
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly server: CodeServer,
    private readonly onExit: () => void,
    private readonly tmpDirs: readonly string[],
    readonly workspace: string,
    readonly logFile: string,
    readonly traceFile: string,
  ) {}

  static async launch(opts: LaunchOptions): Promise<Workbench> {
    const vsix = opts.vsix === undefined ? VSIX : opts.vsix;
    if (vsix && !fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first`);
    const outDir = path.join(RESULTS, opts.name);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-e2e-'));
    const workspace = path.join(tmp, 'ws');
    fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
    for (const [rel, text] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(workspace, rel), text);

    const bin = ensureCodeServer();
    const profile = makeProfile(path.join(tmp, 'p'), { trust: opts.restricted === true });
    const tmpDirs = [tmp, profile.tmp];
    if (opts.settings) {
      const file = path.join(profile.userData, 'User', 'settings.json');
      fs.writeFileSync(
        file,
        JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...opts.settings }, null, 2),
      );
    }
    const removeTmp = () => {
      for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
    };
    try {
      if (vsix) installVsix(bin, profile, vsix, { quiet: true });
    } catch (err) {
      removeTmp();
      throw err;
    }
    const logFile = path.join(outDir, 'code-server.log');
    const traceFile = path.join(outDir, 'trace.jsonl');
    let server: CodeServer;
    try {
      server = await startCodeServer(bin, profile, {
        port: await freePort(),
        folder: workspace,
        logFile,
        env: { NNET_TRACE_FILE: traceFile },
        trust: opts.restricted === true,
      });
    } catch (err) {
      removeTmp();
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail(logFile, 40)}`, { cause: err });
    }
    const onExit = () => server.killNow();
    process.once('exit', onExit);

    let context: BrowserContext | undefined;
    try {
      const browserHome = path.join(tmp, 'browser-home');
      fs.mkdirSync(browserHome);
      context = await chromium.launchPersistentContext(path.join(tmp, 'browser'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1440, height: opts.height ?? 900 },
        env: { ...process.env, HOME: browserHome } as Record<string, string>,
      });
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(30_000);
      const wb = new Workbench(opts.name, page, context, server, onExit, tmpDirs, workspace, logFile, traceFile);
      wb.userDataDir = profile.userData;
      await page.goto(`${server.url}?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.part.statusbar').waitFor({ timeout: 60_000 });
      return wb;
    } catch (err) {
      const page = context?.pages()[0];
      if (page) await page.screenshot({ path: path.join(outDir, 'launch-failure.png') }).catch(() => undefined);
      await context?.close().catch(() => undefined);
      await server.stop();
      process.removeListener('exit', onExit);
      removeTmp();
      throw new Error(
        `the workbench did not come up: ${err instanceof Error ? err.message : String(err)}\n` +
          `code-server log tail:\n${tail(logFile, 40)}`,
        { cause: err },
      );
    }
  }

  /** Directory of this scenario's results. */
  get outDir(): string {
    return path.join(RESULTS, this.name);
  }

  /** Saves a numbered full-window screenshot into test-results/e2e/<scenario>/. */
  async screenshot(label: string): Promise<string> {
    const file = path.join(this.outDir, `${String(++this.shots).padStart(2, '0')}-${label}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Presses `key` and waits for the quick input it opens, pressing it again every few seconds while none shows (a key
   * pressed while the workbench is still starting, or while focus is changing hands, is lost). Returns its input box.
   */
  private async openQuickInput(key: string): Promise<Locator> {
    const input = this.page.locator('.quick-input-widget input');
    let pressedAt = 0;
    await this.waitUntil(
      `the quick input after ${key}`,
      async () => {
        // Always pressed once: another quick input left open would otherwise take what is typed next.
        if (pressedAt > 0 && (await input.isVisible())) return true;
        if (Date.now() - pressedAt > 3_000) {
          pressedAt = Date.now();
          await this.leaveWebview();
          await this.page.keyboard.press(key);
        }
        return false;
      },
      30_000,
      250,
    );
    return input;
  }

  /** Opens a workspace file with Quick Open (Ctrl+P) and waits for its tab to be active. */
  async openFile(name: string): Promise<void> {
    const input = await this.openQuickInput('Control+P');
    await input.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await this.page.keyboard.press('Enter');
    const tab = this.page.locator('.tabs-container .tab.active', { hasText: name });
    await this.acceptUntil(`${name} to open`, name, () => tab.first().isVisible());
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
  }

  /**
   * Waits until `done` after an Enter in a quick input. Accepting closes the input at once, so while it is still open
   * 3 s later with the same text (`value`) the Enter was lost and nothing ran: it is pressed again.
   */
  async acceptUntil(what: string, value: string, done: () => Promise<boolean>): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    let since = Date.now();
    await this.waitUntil(
      what,
      async () => {
        if (await done()) return true;
        if (
          Date.now() - since > 3_000 &&
          (await input.isVisible()) &&
          (await input.inputValue().catch(() => '')) === value
        ) {
          since = Date.now();
          await this.page.keyboard.press('Enter');
        }
        return false;
      },
      30_000,
      250,
    );
  }

  /** Runs a command from the palette (F1), waiting for the row with that title before pressing Enter. */
  async runCommand(title: string): Promise<void> {
    const input = await this.openQuickInput('F1');
    await input.fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await this.page.keyboard.press('Enter');
    const widget = this.page.locator('.quick-input-widget');
    await this.acceptUntil(`the palette to close after ${title}`, `>${title}`, async () => !(await widget.isVisible()));
  }

  /**
   * Picks a command in the palette (F1) and presses Enter, typing its title again until the row shows (a command of
   * the extension is listed once it has activated); does not wait for the palette to close, since the command may
   * open a quick input of its own (a folder dialog).
   */
  async pickCommand(title: string): Promise<void> {
    const input = await this.openQuickInput('F1');
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await this.waitUntil(
      `${title} in the command palette`,
      async () => {
        // Cleared first: filling in the text it already holds fires no input, and the list would not be filtered again.
        await input.fill('');
        await input.fill(`>${title}`);
        return row.waitFor({ timeout: 2000 }).then(
          () => true,
          () => false,
        );
      },
      60_000,
      500,
    );
    await this.page.keyboard.press('Enter');
  }

  /** Takes keyboard focus out of a webview iframe (keys pressed there do not reach the workbench's keybindings). */
  async leaveWebview(): Promise<void> {
    await this.page.evaluate(() => {
      const active = document.activeElement;
      if (active instanceof HTMLIFrameElement) active.blur();
    });
  }

  /**
   * Focuses the active editor and moves the cursor to a 1-based line (and column) with Go to Line (Ctrl+G), until the
   * status bar shows the cursor there (a Ctrl+G or Enter lost while the editor redraws is done again).
   */
  async gotoLine(line: number, column?: number): Promise<void> {
    const cursor = this.page.locator('[id="status.editor.selection"]');
    const there = new RegExp(`Ln ${line}, Col ${column ?? '\\d+'}\\b`);
    const editor = this.page.locator('.editor-instance .monaco-editor .view-lines').first();
    await this.waitUntil(
      `the cursor on line ${line}${column ? `, column ${column}` : ''}`,
      async () => {
        await editor.click({ timeout: 5_000 }).catch(() => this.focusEditor());
        const input = await this.openQuickInput('Control+G');
        await input.fill(column ? `:${line}:${column}` : `:${line}`);
        await this.page.keyboard.press('Enter');
        await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 3_000 });
        for (let i = 0; i < 8; i++, await this.page.waitForTimeout(250))
          if (there.test(await cursor.innerText({ timeout: 1_000 }).catch(() => ''))) return true;
        return false;
      },
      30_000,
      250,
    );
  }

  /**
   * Gives keyboard focus back to the active editor without moving its cursor, and waits (a few seconds at most) for the
   * editor to say it has it: a key pressed before then goes wherever focus was.
   */
  async focusEditor(): Promise<void> {
    await this.leaveWebview();
    // Chromium's VS Code takes keys through an EditContext div; the hidden textarea is only for IME and
    // focusing it leaves the editor's keybinding context (F9 then does nothing).
    const editor = this.page.locator('.editor-instance .monaco-editor').first();
    const input = editor.locator('.native-edit-context');
    const target = ((await input.count()) > 0 ? input : editor.locator('textarea.inputarea')).first();
    await this.waitUntil(
      'the editor to take keyboard focus',
      async () => {
        await target.focus();
        return editor.evaluate((e) => e.classList.contains('focused'));
      },
      5_000,
      250,
    ).catch(() => undefined); // best effort: the key that follows is checked by its own effect
  }

  /**
   * Shows the Problems panel (Ctrl+Shift+M), pressing again while it has not shown a while later; never while it shows,
   * since the key toggles it.
   */
  async showProblems(): Promise<void> {
    const panel = this.page.locator('.markers-panel').first();
    let pressedAt = 0;
    await this.waitUntil(
      'the Problems panel',
      async () => {
        if (await panel.isVisible()) return true;
        if (Date.now() - pressedAt > 3_000) {
          pressedAt = Date.now();
          await this.leaveWebview();
          await this.page.keyboard.press('Control+Shift+M');
        }
        return false;
      },
      30_000,
    );
  }

  /** The content frame of the webview whose outer iframe URL matches (default: any of this extension's). */
  webview(match = 'extensionId=nnet-dev.nnet'): FrameLocator {
    return this.page.frameLocator(`iframe.webview.ready[src*="${match}"]`).first().frameLocator('#active-frame');
  }

  /** Locator of the visible notification toasts. */
  notifications(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast');
  }

  /** Polls `probe` until it returns a truthy value or the timeout passes; returns the last value. */
  async waitUntil<T>(
    what: string,
    probe: () => Promise<T | undefined | null | false>,
    timeoutMs = 30_000,
    everyMs = 250,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined | null | false;
    let lastErr: unknown;
    for (;;) {
      try {
        last = await probe();
        if (last) return last;
      } catch (err) {
        if (err instanceof FatalError) throw err;
        lastErr = err;
      }
      if (Date.now() > deadline) {
        const detail =
          lastErr instanceof Error ? `; last error: ${lastErr.message}` : `; last value: ${JSON.stringify(last)}`;
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
      }
      await this.page.waitForTimeout(everyMs);
    }
  }

  /** The extension's trace (NNET_TRACE_FILE), one parsed JSON value per line; unparsable lines are kept as text. */
  trace(): unknown[] {
    if (!fs.existsSync(this.traceFile)) return [];
    return fs
      .readFileSync(this.traceFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        try {
          return JSON.parse(l) as unknown;
        } catch {
          return l;
        }
      });
  }

  /** On failure: screenshot, code-server log tail and extension trace tail on stderr. */
  async dumpFailure(err: unknown): Promise<void> {
    const shot = await this.screenshot('failure').catch((e: unknown) => `(screenshot failed: ${String(e)})`);
    const lines = [
      `\n=== e2e scenario "${this.name}" failed: ${err instanceof Error ? err.message : String(err)}`,
      `=== screenshot: ${shot}`,
      `=== code-server log tail (${this.logFile}):`,
      tail(this.logFile, 60),
      `=== extension trace tail (${this.traceFile}):`,
      tail(this.traceFile, 40),
      '=== end',
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await this.server.stop();
    process.removeListener('exit', this.onExit);
    for (const d of this.tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Runs a scenario in a fresh workbench, dumping evidence on failure and always cleaning up. */
export async function withWorkbench(opts: LaunchOptions, scenario: (wb: Workbench) => Promise<void>): Promise<void> {
  const wb = await Workbench.launch(opts);
  try {
    await scenario(wb);
  } catch (err) {
    await wb.dumpFailure(err);
    throw err;
  } finally {
    await wb.close();
  }
}
