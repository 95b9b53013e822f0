// A webview page as VS Code would deliver it, for headless Chromium: the extension's HTML served at / with the
// built bundle under /dist/webview/ (nothing else), and a theme's colours as the --vscode-* variables on <html>.
// Shared by the Gradient Flow and Layer Inspector tests and the bench's view-cost page.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { THEMES } from './themes';

export type Theme = keyof typeof THEMES;

/** The `style` attribute VS Code puts on a webview's <html>: the theme's colours as --vscode-* variables. */
export function themeStyle(theme: Theme): string {
  return Object.entries(THEMES[theme])
    .map(([k, v]) => `--vscode-${k}: ${v}`)
    .join('; ')
    .replace(/"/g, '&quot;');
}

/** Flags for the headless Chromium that loads these pages: no sandbox or GPU, and nothing reaching the network. */
export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/**
 * Serves `page(origin, theme)` at / (`?theme=light` for the light theme, dark otherwise) and the files of `dist`
 * (the checkout's dist/webview, where `npm run build` writes the bundles: the caller knows where it runs from) at
 * /dist/webview/*, on a free port of 127.0.0.1. Throws when the bundle `needs` is not built.
 */
export function serveWebview(
  dist: string,
  needs: string,
  page: (origin: string, theme: Theme) => string,
): Promise<http.Server> {
  if (!fs.existsSync(path.join(dist, needs)))
    throw new Error(`dist/webview/${needs} missing: run \`npm run build\` first`);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (url.pathname === '/') {
      const theme: Theme = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(`http://${req.headers.host}`, theme));
      return;
    }
    const file = path.join(dist, path.basename(url.pathname));
    if (!url.pathname.startsWith('/dist/webview/') || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
