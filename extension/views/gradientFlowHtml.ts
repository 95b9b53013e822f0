// The Gradient Flow webview's HTML, free of `vscode` so the headless test serves exactly this page.

import { VIEW_CONTAINER_ID } from '../../webview/gradientFlow/panel';
import { renderWebviewDocument, type WebviewPageOptions } from '../../webview/page';

/**
 * The full HTML document of the Gradient Flow view: only the container the panels build themselves into
 * (`webview/gradientFlow/panels/`), so a panel's markup lives in its own module and nowhere else.
 */
export function renderGradientFlowHtml(o: WebviewPageOptions): string {
  return renderWebviewDocument(o, 'Gradient Flow', `  <div id="${VIEW_CONTAINER_ID}"></div>`);
}
