// The Layer Inspector's page for the headless-Chromium tests: the built bundle served under the webview's CSP.

import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { renderInspectorHtml } from '../../extension/views/inspectorHtml';
import { serveWebview, themeStyle, type Theme } from './serveWebview';

export type { Theme } from './serveWebview';
export { THEMES } from './themes';

export const SHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'webview');

/** VS Code's default styles and API script, as its webview `pre/index.html` puts them in front of the page. */
const PRELUDE = `
<style id="_defaultStyles">@layer vscode-default {
  html { background: var(--vscode-editor-background); }
  body { background-color: transparent; color: var(--vscode-editor-foreground); font-family: var(--vscode-font-family);
    font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); margin: 0; padding: 0 20px; }
}</style>
<script id="_vscodeApiScript">
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective));
  window.__posted = [];
  globalThis.acquireVsCodeApi = (() => {
    const saved = sessionStorage.getItem('vscode-state');
    let state = saved ? JSON.parse(saved) : undefined;
    return () => Object.freeze({
      postMessage(m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      setState(s) { state = s; sessionStorage.setItem('vscode-state', JSON.stringify(s)); },
      getState() { return state; },
    });
  })();
</script>`;

function pageHtml(origin: string, theme: Theme): string {
  return renderInspectorHtml({
    cspSource: origin,
    nonce: crypto.randomBytes(18).toString('base64'),
    styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: `${origin}/dist/webview/inspector.js`,
    styleUri: `${origin}/dist/webview/inspector.css`,
  })
    .replace('<html lang="en">', `<html lang="en" style="${themeStyle(theme)}">`)
    .replace('<head>', `<head>${PRELUDE}`)
    .replace('<body>', `<body class="vscode-${theme}">`);
}

/** Serves the page (`?theme=light` for the light theme) and the built bundle. */
export function startServer(): Promise<http.Server> {
  return serveWebview(path.resolve(__dirname, '..', '..', 'dist', 'webview'), 'inspector.js', pageHtml);
}

declare global {
  interface Window {
    __cspViolations: unknown[];
    __posted: unknown[];
  }
}
