// What every nnet webview page shares: its document under the strict CSP (rendered by the extension host, so plain
// strings here: no DOM, no Node), and in the page the theme's CSS variables, theme changes and number formatting.

/** What the page needs from its host; every URI must already be a webview URI (`asWebviewUri`). */
export interface WebviewPageOptions {
  /** `webview.cspSource`: the origin that serves `dist/webview`. */
  readonly cspSource: string;
  /** A fresh random nonce per render; only the script carrying it may run. */
  readonly nonce: string;
  /**
   * A second fresh random nonce, for the one `<style>` element the toolkit creates (see `webviewCsp`). It is kept
   * apart from `nonce` because it is published in a `<meta>` attribute, where markup or CSS could read it.
   */
  readonly styleNonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
}

/**
 * The policy, kept strict on purpose: no 'unsafe-inline' anywhere.
 * - chart.js sizes its canvas through `element.style.*` (CSSOM), which CSP does not govern — only `<style>`
 *   elements and `style="…"` attributes in markup are blocked.
 * - The toolkit's FAST elements style their shadow roots with constructable stylesheets (`adoptedStyleSheets`) and
 *   set design tokens with `style.setProperty`: CSSOM as well.
 * - One exception: at load, FAST (`canUseFocusVisible` in fast-web-utilities) appends a `<style>` to <head> to
 *   feature-test `:focus-visible`. Blocked, it logs a CSP violation and falls back to `:focus`, so focus rings show
 *   on mouse clicks too. FAST tags that element with the nonce in `<meta property="csp-nonce">`, so allowing that
 *   nonce in `style-src` admits exactly this element.
 * The headless test listens for `securitypolicyviolation` and fails on any, so a dependency that starts injecting
 * inline styles is caught rather than silently unstyled.
 */
export function webviewCsp(cspSource: string, nonce: string, styleNonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${styleNonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/**
 * A webview document under the strict policy: the head (CSP, style nonce for the toolkit, the bundled stylesheet),
 * `body` as given (static markup only: dynamic text is filled in by the script), then the nonce'd bundled script.
 * Shared by every nnet webview so they cannot drift apart.
 */
export function renderWebviewDocument(o: WebviewPageOptions, title: string, body: string): string {
  const csp = escapeAttr(webviewCsp(o.cspSource, o.nonce, o.styleNonce));
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta property="csp-nonce" content="${escapeAttr(o.styleNonce)}">
  <link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
  <title>${escapeAttr(title)}</title>
</head>
<body>
${body}
  <script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** `s` safe inside a double-quoted attribute (and as text). */
function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A theme colour (or font) from VS Code's CSS variable `name`, or `fallback` when the variable is missing or empty. */
export function themeVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

/**
 * Calls `onChange` after VS Code switches theme. VS Code swaps the body's `vscode-*` class and rewrites the
 * variables in <html style>; both are watched, and changes are coalesced into one call per frame.
 * Returns a function that stops watching.
 */
export function watchTheme(onChange: () => void): () => void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  return () => observer.disconnect();
}

/**
 * A number for a table, tooltip or summary: exact enough to compare, short enough for a sidebar. NaN and ±∞ by name,
 * 4 significant digits, and an exponent with `exponentDigits` decimals outside [1e-3, 1e4).
 */
export function formatNumber(v: number, exponentDigits: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e4 ? v.toExponential(exponentDigits) : String(Number(v.toPrecision(4)));
}
