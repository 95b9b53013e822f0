// The Gradient Flow webview's HTML and CSP, free of `vscode` so the headless test serves exactly this page.

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

/** The full HTML document of the Gradient Flow view. Dynamic text is filled in by the script, never here. */
export function renderGradientFlowHtml(o: GradientFlowHtmlOptions): string {
  return renderWebviewDocument(
    o,
    'Gradient Flow',
    `  <div class="toolbar">
    <vscode-button id="train" appearance="primary">Train</vscode-button>
    <vscode-button id="debug" appearance="secondary">Debug</vscode-button>
    <vscode-button id="pause" appearance="secondary" disabled>Pause</vscode-button>
    <vscode-button id="stop" appearance="secondary" disabled>Stop</vscode-button>
  </div>
  <p id="status" class="status" role="status" aria-live="polite" data-state="idle">No training run yet.</p>
  <h2 id="title" class="title" hidden></h2>

  <section class="panel" aria-labelledby="gradflow-heading">
    <div class="panel-head">
      <h3 id="gradflow-heading">Gradient flow</h3>
      <span id="step" class="meta"></span>
    </div>
    <div class="chart chart-gradflow">
      <canvas id="gradflow-chart" role="img" aria-label="Per-layer mean and max absolute gradient"></canvas>
    </div>
    <ul id="health-legend" class="legend" aria-label="Bar colours">
      <li><span class="swatch swatch-vanishing"></span><span id="legend-vanishing">vanishing (&lt; 10⁻³ × output)</span></li>
      <li><span class="swatch swatch-exploding"></span><span id="legend-exploding">exploding</span></li>
      <li><span class="legend-name legend-nonfinite">name</span>NaN/∞ (no bar)</li>
    </ul>
    <p id="health-summary" class="meta" role="status"></p>
    <p id="nonfinite" class="warning" hidden></p>
    <table id="gradflow-table" class="visually-hidden">
      <caption>Per-layer gradient magnitudes</caption>
      <thead><tr><th scope="col">Layer</th><th scope="col">mean |grad|</th><th scope="col">max |grad|</th><th scope="col">verdict</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>

  <section class="panel" aria-labelledby="loss-heading">
    <div class="panel-head">
      <h3 id="loss-heading">Loss</h3>
      <vscode-checkbox id="loss-log">Log scale</vscode-checkbox>
    </div>
    <div class="chart chart-loss">
      <canvas id="loss-chart" role="img" aria-label="Loss by epoch"></canvas>
    </div>
    <p id="loss-summary" class="meta"></p>
  </section>

  <section class="panel" aria-labelledby="norm-heading">
    <div class="panel-head">
      <h3 id="norm-heading">Gradient norm</h3>
    </div>
    <div class="chart chart-norm">
      <canvas id="norm-chart" role="img" aria-label="Global gradient norm before and after clipping"></canvas>
    </div>
    <p id="norm-summary" class="meta"></p>
  </section>

`,
  );
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
