// The Layer Inspector's HTML, free of `vscode` so the headless test serves exactly this page.

import { renderWebviewDocument, type WebviewPageOptions } from '../../webview/page';

const STAT_COLUMNS = ['tensor', 'shape', 'mean', 'std', 'min', 'max', '‖·‖', 'zero'];

/**
 * The full HTML document of the Layer Inspector panel. Every section is static markup, hidden until the script
 * fills it from a host message: no dynamic text and no inline styles reach the page here.
 */
export function renderInspectorHtml(o: WebviewPageOptions): string {
  const headerCells = STAT_COLUMNS.map(
    (c, i) => `<vscode-data-grid-cell cell-type="columnheader" grid-column="${i + 1}">${c}</vscode-data-grid-cell>`,
  ).join('');
  return renderWebviewDocument(
    o,
    'Layer Inspector',
    `  <header>
    <h1 id="title">Layer Inspector</h1>
    <span id="where" role="status" aria-live="polite"></span>
    <vscode-button id="refresh" appearance="secondary">Refresh</vscode-button>
  </header>
  <section id="history" class="history" aria-label="Step history" hidden>
    <label for="step-slider">Step</label>
    <input type="range" id="step-slider" min="1" max="1" step="1" value="1">
    <span id="step-text" class="step-text" aria-live="polite"></span>
    <span id="step-live" class="badge"></span>
    <vscode-button id="follow" appearance="secondary" hidden>Follow debugger</vscode-button>
  </section>
  <h2 id="stats-heading">Statistics</h2>
  <p id="stats-caption" class="meta caption">Per-tensor statistics over finite values (fraction zero over all)</p>
  <vscode-data-grid id="stats" generate-header="none" aria-labelledby="stats-heading" aria-describedby="stats-caption"
    grid-template-columns="minmax(10em, 2fr) minmax(4.5em, 1fr) repeat(6, minmax(6.2em, 1fr))">
    <vscode-data-grid-row row-type="header">${headerCells}</vscode-data-grid-row>
  </vscode-data-grid>
  <table id="scalars" hidden>
    <caption class="meta">Training (loss, gradient norms, clip coefficient, learning rate)</caption>
    <tbody></tbody>
  </table>
  <div class="summary">
    <section id="clip" class="card" aria-labelledby="clip-heading" hidden>
      <h2 id="clip-heading">Clipping</h2>
      <table id="clip-table" class="pairs">
        <caption class="visually-hidden">Global gradient norm clipping at this step, and this layer's part of it</caption>
        <tbody></tbody>
      </table>
      <div id="clip-bar" class="share-track" role="img"><div id="clip-fill" class="share-fill"></div></div>
    </section>
    <section id="decomp" class="card" aria-labelledby="decomp-heading" hidden>
      <h2 id="decomp-heading"><span class="keep-case">δ</span> decomposition</h2>
      <p class="meta">δ = ∂L/∂a ⊙ φ′(z): which factor shrank or blew up the gradient</p>
      <table id="decomp-table" class="pairs">
        <caption class="visually-hidden">Size of the gradient from above against the size of φ′(z)</caption>
        <tbody></tbody>
      </table>
      <p id="decomp-verdict" class="verdict" role="status"></p>
      <canvas id="decomp-bars" role="img"></canvas>
    </section>
    <section id="gradcheck" class="card" aria-labelledby="gradcheck-heading" hidden>
      <h2 id="gradcheck-heading">Gradient check</h2>
      <p id="gradcheck-meta" class="meta"></p>
      <table id="gradcheck-table" class="pairs">
        <caption class="visually-hidden">Worst relative error of each analytic gradient against finite differences</caption>
        <tbody></tbody>
      </table>
      <p id="gradcheck-verdict" class="verdict" role="status"></p>
    </section>
  </div>
  <h2>Tensors</h2>
  <div id="tensors"></div>
  <section id="optimizer" aria-labelledby="opt-heading" hidden>
    <h2 id="opt-heading">Optimizer</h2>
    <p id="opt-meta" class="meta"></p>
    <p id="opt-empty" hidden>no optimizer state yet (before the first update)</p>
    <div id="opt-tensors"></div>
  </section>
  <div id="hover" class="hover" role="tooltip" hidden></div>`,
  );
}
