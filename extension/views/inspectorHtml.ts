// The Layer Inspector's HTML and CSP, free of `vscode` so the headless test serves exactly this page.

import { gradientFlowCsp, renderWebviewDocument, type GradientFlowHtmlOptions } from './gradientFlowHtml';

/** Same needs as the Gradient Flow page: webview URIs, a script nonce and a style nonce for the toolkit. */
export type InspectorHtmlOptions = GradientFlowHtmlOptions;

/** The same strict policy as the Gradient Flow view (see `gradientFlowCsp`). */
export const inspectorCsp = gradientFlowCsp;

/** The full HTML document of the Layer Inspector panel. */
export function renderInspectorHtml(o: InspectorHtmlOptions): string {
  return renderWebviewDocument(o, 'Layer Inspector', `  <header>
    <h1 id="title">Layer Inspector</h1>
    <span id="where" role="status" aria-live="polite"></span>
    <vscode-button id="refresh" appearance="secondary">Refresh</vscode-button>
  </header>
  <h2>Statistics</h2>
  <table id="stats">
    <caption class="meta">Per-tensor statistics over finite values (fraction zero over all)</caption>
    <thead><tr><th scope="col">tensor</th><th scope="col">shape</th><th scope="col">mean</th><th scope="col">std</th><th scope="col">min</th><th scope="col">max</th><th scope="col">‖·‖</th><th scope="col">zero</th></tr></thead>
    <tbody></tbody>
  </table>
  <table id="scalars" hidden>
    <caption class="meta">Training (loss, gradient norms, clip coefficient, learning rate)</caption>
    <tbody></tbody>
  </table>
  <h2>Tensors</h2>
  <div id="tensors"></div>
  <div id="hover" class="hover" role="tooltip" hidden></div>`);
}
