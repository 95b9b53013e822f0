// Host side of the Layer Inspector: an editor-area webview panel that shows the paused layer's tensors, follows
// the nnet debugger's stops, and is restored after a reload by a WebviewPanelSerializer.

import * as vscode from 'vscode';
import { isInspectorToHost, type HostToInspector } from '../../webview/inspector/protocol';
import { readPausedLayer } from './dapTensors';
import { renderInspectorHtml } from './inspectorHtml';
import { prepareWebview } from './webviewAssets';

export class LayerInspector implements vscode.Disposable, vscode.WebviewPanelSerializer {
  static readonly viewType = 'nnet.inspector';
  private panel: vscode.WebviewPanel | undefined;
  private panelListeners: vscode.Disposable[] = [];
  /** Bumped per refresh, so a slow read of an older stop never overwrites a newer one. */
  private generation = 0;

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: (m: string) => void = (m) => console.warn(m)) {}

  /** `nnet.inspectLayer`: opens (or reveals) the panel and shows the paused layer. */
  open(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(LayerInspector.viewType, 'Layer Inspector', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {});
      this.adopt(panel);
    }
    void this.refresh();
  }

  /** Restores a panel VS Code kept across a reload; the webview redraws its own saved state, then asks for the live one. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    this.adopt(panel);
  }

  /** The debugger paused: follow it if the panel is open. */
  onStopped(session: vscode.DebugSession): void {
    if (this.panel) void this.refresh(session);
  }

  /** Re-reads the paused layer of `session` (default: the active nnet session) and posts it. */
  async refresh(session = vscode.debug.activeDebugSession): Promise<void> {
    const gen = ++this.generation;
    let msg: HostToInspector;
    if (!session || session.type !== 'nnet') {
      msg = { kind: 'empty', text: 'Start the nnet debugger and pause on a layer to inspect it.' };
    } else {
      try {
        const layer = await readPausedLayer((command, args) => Promise.resolve(session.customRequest(command, args)));
        msg = layer ? { kind: 'layer', ...layer } : { kind: 'empty', text: 'The debugger is running; pause on a layer to inspect it.' };
      } catch (e) {
        msg = { kind: 'empty', text: `Could not read the paused layer: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    if (gen !== this.generation || !this.panel) return;
    this.panel.webview.postMessage(msg).then(undefined, (err: unknown) => this.log(`Layer Inspector: could not post: ${String(err)}`));
  }

  dispose(): void {
    this.release();
    this.panel?.dispose();
    this.panel = undefined;
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.release();
    this.panel?.dispose();
    this.panel = panel;
    panel.webview.html = renderInspectorHtml(prepareWebview(panel.webview, this.extensionUri, 'inspector'));
    this.panelListeners.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (!isInspectorToHost(m)) {
          this.log(`Layer Inspector: ignoring malformed message ${String(JSON.stringify(m)).slice(0, 200)}`);
          return;
        }
        void this.refresh();
      }),
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.release();
          this.panel = undefined;
        }
      }),
    );
  }

  private release(): void {
    for (const d of this.panelListeners) d.dispose();
    this.panelListeners = [];
  }
}
