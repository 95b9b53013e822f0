// Host side of the Layer Inspector: an editor-area webview panel that shows one layer of the paused nnet debug
// session (the paused layer by default, or one picked from a CodeLens or the Variables view), scrubs through the
// rewind history, and is restored after a reload by a WebviewPanelSerializer.

import { encodeJson } from '../../wire/json';
import * as vscode from 'vscode';
import {
  isInspectorToHost,
  type HostToInspector,
  type InspectorGradCheck,
  type InspectorLayer,
  type InspectorToHost,
} from '../../webview/inspector/protocol';
import type { Logger } from '../../debugger/log';
import type { GradCheckReport } from '../../debugger/protocol';
import { renderInspectorHtml } from './inspectorHtml';
import { readLayer } from './layerRequest';
import { prepareWebview } from './webviewAssets';

/** Provides the `nnet.inspector` panel (one at a time). */
export class LayerInspector implements vscode.Disposable, vscode.WebviewPanelSerializer {
  static readonly viewType = 'nnet.inspector';
  private panel: vscode.WebviewPanel | undefined;
  private panelListeners: vscode.Disposable[] = [];
  /** Bumped per refresh, so a slow read of an older stop never overwrites a newer one. */
  private generation = 0;
  /** The layer picked by the user (null: follow the debugger's paused layer). */
  private layer: string | null = null;
  /** The step scrubbed to (null: the paused step). */
  private step: number | null = null;
  /** The last gradient check, shown while the panel shows that layer at that step. */
  private gradCheck: GradCheckReport | null = null;

  /**
   * @param logger where the panel's own reports and malformed messages go.
   * @param sizes heat-map cells per side and values per tensor (the nnet.inspector settings), read at each refresh.
   */
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
    private readonly sizes: () => { readonly heatmapCells: number; readonly maxTensorValues: number },
  ) {}

  private log(message: string): void {
    this.logger.log('warn', message);
  }

  /** `nnet.inspectLayer`: opens (or reveals) the panel on `layer`, or on the paused layer when none is given. */
  open(layer: string | null = null): void {
    this.layer = layer;
    this.step = null;
    if (this.panel) {
      this.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        LayerInspector.viewType,
        'Layer Inspector',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {},
      );
      this.adopt(panel);
    }
    void this.refresh();
  }

  /** Check Gradients Here reported: show the checked layer (its report is drawn with it when the panel supports it). */
  showGradCheck(report: GradCheckReport): void {
    this.gradCheck = report;
    this.open(report.name);
  }

  /** Restores a panel VS Code kept across a reload; the webview redraws its own saved state, then asks for the live one. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    this.adopt(panel);
  }

  /** The debugger paused: follow it (its layer, its step) if the panel is open. */
  onStopped(session: vscode.DebugSession): void {
    if (!this.panel) return;
    this.layer = null;
    this.step = null;
    void this.refresh(session);
  }

  /** The inspector's settings changed: redraw the open panel with them. */
  settingsChanged(): void {
    if (this.panel) void this.refresh();
  }

  /** Re-reads the layer from `session` (default: the active nnet session) and posts it. */
  async refresh(session = vscode.debug.activeDebugSession): Promise<void> {
    const gen = ++this.generation;
    let msg: HostToInspector;
    if (!session || session.type !== 'nnet') {
      msg = { kind: 'empty', text: 'Start the nnet debugger and pause on a layer to inspect it.' };
    } else {
      try {
        const { heatmapCells, maxTensorValues } = this.sizes();
        msg = {
          ...(await readLayer(
            (command, args) => Promise.resolve(session.customRequest(command, args)),
            this.layer,
            this.step,
            maxTensorValues,
          )),
          heatmapCells,
        };
        msg = { ...msg, gradCheck: gradCheckOf(this.gradCheck, msg) };
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        msg = {
          kind: 'empty',
          text: /only while paused/.test(why)
            ? 'The debugger is running; pause on a layer to inspect it.'
            : `Could not read the layer: ${why}`,
        };
      }
    }
    if (gen !== this.generation || !this.panel) return;
    // JSON on the way: numbers it would lose are spelled out (wire/json.ts); parseHostToInspector reads them back.
    this.panel.webview
      .postMessage(encodeJson(msg))
      .then(undefined, (err: unknown) => this.log(`Layer Inspector: could not post: ${String(err)}`));
  }

  dispose(): void {
    this.release();
    this.panel?.dispose();
    this.panel = undefined;
  }

  private receive(m: InspectorToHost): void {
    switch (m.kind) {
      case 'ready':
      case 'refresh':
        break;
      case 'scrub':
        this.step = m.step;
        break;
      case 'log':
        this.logger.log(m.level, `Layer Inspector: ${m.message}`);
        return;
      case 'follow':
        this.step = null;
        break;
      default: {
        const never: never = m;
        this.log(`Layer Inspector: unhandled message ${JSON.stringify(never)}`);
        return;
      }
    }
    void this.refresh();
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.release();
    this.panel?.dispose();
    this.panel = panel;
    panel.webview.html = renderInspectorHtml(prepareWebview(panel.webview, this.extensionUri, 'inspector'));
    this.panelListeners.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        // The webview is untrusted: anything not in the protocol is logged and dropped.
        if (!isInspectorToHost(m)) {
          this.log(`Layer Inspector: ignoring malformed message ${String(JSON.stringify(m)).slice(0, 200)}`);
          return;
        }
        this.receive(m);
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

/** The last gradient check for the inspector, when it is of the layer and step the panel is about to show. */
function gradCheckOf(report: GradCheckReport | null, layer: InspectorLayer): InspectorGradCheck | null {
  if (!report || report.name !== layer.layer) return null;
  if ((layer.history?.step ?? report.step) !== report.step) return null;
  return {
    step: report.step,
    tolerance: report.tolerance,
    rows: report.tensors.map(({ path, maxRelError, checked, total, ok }) => ({
      path,
      maxRelError,
      checked,
      total,
      ok,
    })),
  };
}
