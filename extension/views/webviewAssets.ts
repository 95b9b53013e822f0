// Prepares a webview for one of the bundled nnet pages: local resources limited to dist/webview, fresh nonces, and
// the bundle's script and stylesheet URIs through asWebviewUri.

import crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { WebviewPageOptions } from '../../webview/page';

/** Sets the webview's options and returns what the page template needs for bundle `name` (e.g. 'inspector'). */
export function prepareWebview(webview: vscode.Webview, extensionUri: vscode.Uri, name: string): WebviewPageOptions {
  const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  webview.options = { enableScripts: true, localResourceRoots: [root] };
  return {
    cspSource: webview.cspSource,
    nonce: crypto.randomBytes(18).toString('base64'),
    styleNonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, `${name}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, `${name}.css`)).toString(),
  };
}
