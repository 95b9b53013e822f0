// The headless Chromium the Gradient Flow page tests share: one browser and page server per test file, and a fresh
// view (new context: no persisted state) per test, with the page's errors collected.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { settle, SHOTS, startServer, type Theme } from './gradientFlowPage';
import { HEADLESS_CHROMIUM_ARGS } from './serveWebview';

/** A test file's browser: `open` a fresh view, `assertHealthy` after the checks. */
export interface ViewBrowser {
  /** A fresh view in a 300 px wide sidebar, once it has posted `ready`. */
  open(theme?: Theme): Promise<Page>;
  /** No CSP violation and no page error or console error since `open`. */
  assertHealthy(): Promise<void>;
}

/** Registers the file's `before`/`after` hooks (call inside its `describe`) and returns its browser. */
export function gradientFlowBrowser(): ViewBrowser {
  let server: http.Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let pageErrors: string[] = [];

  before(async () => {
    server = await startServer();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [...HEADLESS_CHROMIUM_ARGS],
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  return {
    async open(theme = 'dark') {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 300, height: 720 }, deviceScaleFactor: 2 });
      const p = await context.newPage();
      page = p;
      pageErrors = [];
      p.on('pageerror', (e) => pageErrors.push(String(e)));
      p.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(`console.error: ${m.text()}`);
      });
      await p.goto(`${origin}/?theme=${theme}`);
      await p.waitForFunction(() => window.__posted.length > 0);
      await settle(p);
      return p;
    },
    async assertHealthy() {
      assert.ok(page, 'a view was opened');
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'CSP violations');
      assert.deepEqual(pageErrors, [], 'page errors');
    },
  };
}
