// The Layer Inspector's page for the headless-Chromium tests: the built bundle served under the webview's CSP.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { renderInspectorHtml } from '../../extension/views/inspectorHtml';

const ROOT = path.resolve(__dirname, '..', '..');
export const DIST = path.join(ROOT, 'dist', 'webview');
export const SHOTS = path.join(ROOT, 'test-results', 'webview');

export type Theme = 'dark' | 'light';
export const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    foreground: '#cccccc',
    'editor-foreground': '#cccccc',
    'editor-background': '#1f1f1f',
    descriptionForeground: '#9d9d9d',
    'charts-blue': '#3794ff',
    'charts-red': '#f14c4c',
    'charts-yellow': '#cca700',
    'editorWidget-border': '#454545',
    'editorHoverWidget-background': '#202020',
    'editorHoverWidget-foreground': '#cccccc',
    'editorHoverWidget-border': '#454545',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    focusBorder: '#0078d4',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    'font-weight': 'normal',
  },
  light: {
    foreground: '#3b3b3b',
    'editor-foreground': '#3b3b3b',
    'editor-background': '#ffffff',
    descriptionForeground: '#595959',
    'charts-blue': '#1a85ff',
    'charts-red': '#e51400',
    'charts-yellow': '#bf8803',
    'editorWidget-border': '#c8c8c8',
    'editorHoverWidget-background': '#f8f8f8',
    'editorHoverWidget-foreground': '#3b3b3b',
    'editorHoverWidget-border': '#c8c8c8',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    focusBorder: '#005fb8',
    'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    'font-size': '13px',
    'font-weight': 'normal',
  },
};

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
  const vars = Object.entries(THEMES[theme])
    .map(([k, v]) => `--vscode-${k}: ${v}`)
    .join('; ')
    .replace(/"/g, '&quot;');
  return renderInspectorHtml({
    cspSource: origin,
    nonce: crypto.randomBytes(18).toString('base64'),
    styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: `${origin}/dist/webview/inspector.js`,
    styleUri: `${origin}/dist/webview/inspector.css`,
  })
    .replace('<html lang="en">', `<html lang="en" style="${vars}">`)
    .replace('<head>', `<head>${PRELUDE}`)
    .replace('<body>', `<body class="vscode-${theme}">`);
}

export function startServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (url.pathname === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(pageHtml(`http://${req.headers.host}`, url.searchParams.get('theme') === 'light' ? 'light' : 'dark'));
      return;
    }
    const file = path.join(DIST, path.basename(url.pathname));
    if (!url.pathname.startsWith('/dist/webview/') || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': file.endsWith('.js')
        ? 'text/javascript'
        : file.endsWith('.css')
          ? 'text/css'
          : 'application/json',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

declare global {
  interface Window {
    __cspViolations: unknown[];
    __posted: unknown[];
  }
}
