// The Gradient Flow webview's HTML and CSP, free of `vscode` so the headless test serves exactly this page.

import { VIEW_CONTAINER_ID } from '../../webview/gradientFlow/panel';

/** What the page needs from its host; every URI must already be a webview URI (`asWebviewUri`). */
export interface GradientFlowHtmlOptions {
  /** `webview.cspSource`: the origin that serves `dist/webview`. */
  readonly cspSource: string;
  /** A fresh random nonce per render; only the script carrying it may run. */
  readonly nonce: string;
  /**
   * A second fresh random nonce, for the one `<style>` element the toolkit creates (see `gradientFlowCsp`). It is kept
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
export function gradientFlowCsp(cspSource: string, nonce: string, styleNonce: string): string {
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
export function renderWebviewDocument(o: GradientFlowHtmlOptions, title: string, body: string): string {
  const csp = escapeAttr(gradientFlowCsp(o.cspSource, o.nonce, o.styleNonce));
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

/**
 * The full HTML document of the Gradient Flow view: only the container the panels build themselves into
 * (`webview/gradientFlow/panels/`), so a panel's markup lives in its own module and nowhere else.
 */
export function renderGradientFlowHtml(o: GradientFlowHtmlOptions): string {
  return renderWebviewDocument(o, 'Gradient Flow', `  <div id="${VIEW_CONTAINER_ID}"></div>`);
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
