// The real Gradient Flow page (dist/webview/gradientFlow.js + .css, the extension's own HTML and CSP) in headless
// Chromium, served as test/webview/gradientFlow.test.ts serves it: a stand-in `acquireVsCodeApi` in front of the page
// (as VS Code's webview `pre/index.html` puts its own), Dark Modern theme variables on <html>, host messages delivered
// JSON-serialised through `window.postMessage`. For bench/viewCost.ts.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { renderGradientFlowHtml } from '../extension/views/gradientFlowHtml';
import { serveWebview, themeStyle } from '../test/webview/serveWebview';
import type { HostToWebview } from '../webview/gradientFlow/protocol';

/** CHROMIUM_PATH if set (null if it does not exist), else the first of the usual system paths found, or null. */
export function findChromium(): string | null {
  const env = process.env.CHROMIUM_PATH;
  const candidates = env
    ? [env]
    : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/**
 * VS Code's default styles and API script, as in the test, except that the API forwards what the page posts to the
 * host (`__toHost`, a Playwright binding) and a listener registered before the page's counts the messages it gets.
 */
const PRELUDE = `
<style id="_defaultStyles">@layer vscode-default {
  html { background: var(--vscode-sideBar-background); }
  body { background-color: transparent; color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family);
    font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); margin: 0; padding: 0 20px; }
}</style>
<script id="_vscodeApiScript">
  window.__received = 0;
  window.addEventListener('message', () => { window.__received++; });
  globalThis.acquireVsCodeApi = (() => {
    let acquired = false;
    let state;
    return () => {
      if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
      acquired = true;
      return Object.freeze({
        postMessage(message) { window.__toHost(JSON.parse(JSON.stringify(message))); },
        setState(s) { state = JSON.parse(JSON.stringify(s)); return s; },
        getState() { return state; },
      });
    };
  })();
</script>`;

function pageHtml(origin: string): string {
  const html = renderGradientFlowHtml({
    cspSource: origin,
    nonce: crypto.randomBytes(18).toString('base64'),
    styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: `${origin}/dist/webview/gradientFlow.js`,
    styleUri: `${origin}/dist/webview/gradientFlow.css`,
  });
  return html
    .replace('<html lang="en">', `<html lang="en" style="${themeStyle('dark')}">`)
    .replace('<head>', `<head>${PRELUDE}`)
    .replace('<body>', '<body class="vscode-dark" data-vscode-theme-kind="vscode-dark" role="document">');
}

/** Serves the page at / and dist/webview/* (nothing else). */
export function startServer(): Promise<http.Server> {
  // Run from bench/ (tsx) or bundled into dist/bench-child.js: either way the bundles are in ../dist/webview.
  return serveWebview(path.resolve(__dirname, '..', 'dist', 'webview'), 'gradientFlow.js', (origin) =>
    pageHtml(origin),
  );
}

declare global {
  interface Window {
    __received: number;
    __toHost(message: unknown): void;
  }
}

/** One open Gradient Flow view. */
export interface ViewPage {
  readonly page: Page;
  /** Delivers a host message as VS Code does (JSON, then window.postMessage); resolves once the page has it. */
  deliver(msg: HostToWebview): Promise<void>;
  /** Messages the page's window received (counted before the page's own listener). */
  received(): Promise<number>;
  /** Bytes of the page's JS heap in use after a forced garbage collection. */
  heapUsed(): Promise<number>;
  /** Seconds the page's main thread has spent so far in tasks, and in script (CDP Performance `TaskDuration`, `ScriptDuration`). */
  busySeconds(): Promise<{ task: number; script: number }>;
  /** Starts the page's JavaScript CPU profiler (CDP `Profiler`); `stopProfile` returns the `.cpuprofile` JSON. */
  startProfile(): Promise<void>;
  stopProfile(): Promise<unknown>;
  /** Waits until everything delivered is applied and drawn, out-of-view panels included (messages are tasks, drawing is per frame). */
  settle(): Promise<void>;
  /** Errors the page logged or threw. */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * Opens the page in a fresh context at sidebar size; `toHost` gets what the page posts (its `ready` first).
 * Resolves when the page has started (posted `ready`).
 */
export async function openViewPage(browser: Browser, origin: string, toHost: (m: unknown) => void): Promise<ViewPage> {
  const context = await browser.newContext({ viewport: { width: 300, height: 720 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  let ready!: () => void;
  const started = new Promise<void>((r) => {
    ready = r;
  });
  await page.exposeFunction('__toHost', (m: unknown) => {
    toHost(m);
    ready();
  });
  await page.goto(`${origin}/`);
  await started;
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return {
    page,
    errors,
    deliver: (msg) => page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(msg)),
    received: () => page.evaluate(() => window.__received),
    async heapUsed() {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    },
    async busySeconds() {
      const metrics = (await cdp.send('Performance.getMetrics')).metrics;
      const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
      return { task: get('TaskDuration'), script: get('ScriptDuration') };
    },
    async startProfile() {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    },
    async stopProfile() {
      return (await cdp.send('Profiler.stop')).profile;
    },
    async settle() {
      await page.evaluate(
        () => new Promise<void>((r) => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 0)), 0)),
      );
      // Panels out of view draw up to a second later; the inspector's read draws them now.
      await page.evaluate(() => void window.nnetGradientFlow?.read());
    },
    close: () => context.close(),
  };
}

/** The origin of a server started by `startServer`. */
export function originOf(server: http.Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
