// The Gradient Flow view's page for the headless-Chromium tests: the built bundle served under the webview's CSP,
// with the host's messages, the view's reads, pixels and themes as helpers.

import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { type Page } from 'playwright-core';
import { renderGradientFlowHtml } from '../../extension/views/gradientFlowHtml';
import { serveWebview, themeStyle, type Theme } from './serveWebview';
import { THEMES } from './themes';
import type { HostToWebview } from '../../webview/gradientFlow/protocol';
import { GRADS, LAYERS, lossPoints } from './gradientFlowRuns';

export type { Theme } from './serveWebview';

export const SHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'webview');

/**
 * What VS Code puts in front of a webview's own markup (see its webview `pre/index.html`): default styles in
 * `@layer vscode-default`, and the `acquireVsCodeApi` script. Both precede the page's CSP meta tag, which is why
 * VS Code's inline script runs under a nonce-only policy — and why this stand-in may be inline too.
 * Here the API records posted messages and keeps state in sessionStorage so it survives a reload, JSON-encoded
 * like VS Code's. CSP violations are recorded from the start.
 */
const PRELUDE = `
<style id="_defaultStyles">@layer vscode-default {
  html { background: var(--vscode-sideBar-background); }
  body { background-color: transparent; color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family);
    font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); margin: 0; padding: 0 20px; }
}</style>
<script id="_vscodeApiScript">
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  window.__posted = [];
  window.__setStateCount = 0;
  globalThis.acquireVsCodeApi = (() => {
    let acquired = false;
    const saved = sessionStorage.getItem('vscode-state');
    let state = saved ? JSON.parse(saved) : undefined;
    return () => {
      if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
      acquired = true;
      return Object.freeze({
        postMessage(message) { window.__posted.push(JSON.parse(JSON.stringify(message))); },
        setState(s) { state = s; sessionStorage.setItem('vscode-state', JSON.stringify(s)); window.__setStateCount++; return s; },
        getState() { return state; },
      });
    };
  })();
</script>`;

/** The page as VS Code would deliver it: the extension's HTML with the prelude, theme variables and body class. */
function pageHtml(origin: string, theme: Theme): string {
  const html = renderGradientFlowHtml({
    cspSource: origin,
    nonce: crypto.randomBytes(18).toString('base64'),
    styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: `${origin}/dist/webview/gradientFlow.js`,
    styleUri: `${origin}/dist/webview/gradientFlow.css`,
  });
  const kind = `vscode-${theme}`;
  return html
    .replace('<html lang="en">', `<html lang="en" style="${themeStyle(theme)}">`)
    .replace('<head>', `<head>${PRELUDE}`)
    .replace('<body>', `<body class="${kind}" data-vscode-theme-kind="${kind}" role="document">`);
}

/** Serves the page (`?theme=light` for the light theme) and the built bundle. */
export function startServer(): Promise<http.Server> {
  return serveWebview(path.resolve(__dirname, '..', '..', 'dist', 'webview'), 'gradientFlow.js', pageHtml);
}

export interface Snapshot {
  labels: unknown[];
  datasets: { label: string; data: unknown[]; color: string; colors?: string[]; hidden: boolean }[];
  yScale: { type: string; min: number; max: number };
  marker?: number | null;
  xAxis?: 'epoch' | 'step';
}
export interface Read {
  ratio: Snapshot;
  gradFlow: Snapshot;
  loss: Snapshot;
  norm: Snapshot;
  ranks: Snapshot;
}

declare global {
  interface Window {
    __cspViolations: unknown[];
    __posted: unknown[];
    __setStateCount: number;
  }
}

/** Delivers a host message the way VS Code does: JSON-serialised by the extension host, then window.postMessage. */
export function send(page: Page, msg: HostToWebview): Promise<void> {
  return page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(msg));
}

/** Delivers anything at all, as a buggy or hostile sender could. */
export function sendRaw(page: Page, data: unknown): Promise<void> {
  return page.evaluate((d) => window.postMessage(d, '*'), data);
}

export function read(page: Page): Promise<Read> {
  return page.evaluate(() => {
    const inspector = window.nnetGradientFlow;
    if (!inspector) throw new Error('view did not start');
    return inspector.read();
  });
}

/** Waits until the view has processed everything posted so far and drawn it in view (messages are tasks, drawing is per frame). */
export async function frames(page: Page): Promise<void> {
  await page.evaluate(
    () => new Promise<void>((r) => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 0)), 0)),
  );
}

/** `frames`, then the panels out of view drawn too (they would be within a second; `read()` draws them now). */
export async function settle(page: Page): Promise<void> {
  await frames(page);
  await page.evaluate(() => void window.nnetGradientFlow?.read());
}

export function posted(page: Page): Promise<unknown[]> {
  return page.evaluate(() => window.__posted);
}

export function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Pixels of a canvas that are painted at all, and that are (nearly) the given opaque colour. */
export function canvasPixels(
  page: Page,
  id: string,
  hex: string,
): Promise<{ painted: number; matching: number; total: number }> {
  return page.evaluate(
    ({ id, rgb }) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      // A chart in a panel just shown is sized by chart.js's resize observer a frame or more later.
      if (c.width === 0 || c.height === 0) return { painted: 0, matching: 0, total: 0 };
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      let matching = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        painted++;
        if (
          d[i + 3] > 240 &&
          Math.abs(d[i] - rgb[0]) < 6 &&
          Math.abs(d[i + 1] - rgb[1]) < 6 &&
          Math.abs(d[i + 2] - rgb[2]) < 6
        )
          matching++;
      }
      return { painted, matching, total: d.length / 4 };
    },
    { id, rgb: hexRgb(hex) },
  );
}

/** Switches theme the way VS Code's `applyStyles` does: body class first, then the <html> variables. */
export function switchTheme(page: Page, theme: Theme): Promise<void> {
  return page.evaluate(
    ({ theme, vars }) => {
      const kind = `vscode-${theme}`;
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
      document.body.classList.add(kind);
      document.body.dataset.vscodeThemeKind = kind;
      const style = document.documentElement.style;
      for (let i = style.length - 1; i >= 0; i--) if (style[i].startsWith('--vscode-')) style.removeProperty(style[i]);
      for (const [k, v] of Object.entries(vars)) style.setProperty(`--vscode-${k}`, v);
    },
    { theme, vars: THEMES[theme] },
  );
}

export async function feedRun(page: Page): Promise<void> {
  await send(page, { kind: 'reset', title: 'xor.nnet', layerNames: LAYERS });
  await send(page, { kind: 'state', state: 'training', text: 'Epoch 300/2000 · loss 0.0312 · 850 steps/s' });
  await send(page, { kind: 'loss', points: lossPoints(0, 150) });
  await send(page, { kind: 'loss', points: lossPoints(150, 300) });
  await send(page, { kind: 'gradFlow', layers: GRADS, step: 1200 });
  await settle(page);
}
