// Host side of the Gradient Flow view: serves the webview, forwards and replays updates, relays its commands.

import { encodeJson } from '../../wire/json';
import * as vscode from 'vscode';
import { applyMessage, emptyModel, replayMessages } from '../../webview/gradientFlow/model';
import {
  isWebviewToHost,
  updatesOf,
  type HostToWebview,
  type ViewCommand,
  type ViewLimits,
} from '../../webview/gradientFlow/protocol';
import type { Logger } from '../../debugger/log';
import type { NnetSettings } from '../settings';
import { renderGradientFlowHtml } from './gradientFlowHtml';
import { prepareWebview } from './webviewAssets';

/** A command the user gave from the view's buttons. */
export type GradientFlowCommand = ViewCommand;

/**
 * Provides the `nnet.gradientFlow` webview view. The extension calls `post` with every update, whether or not the
 * view is open; the provider folds updates into the same model the webview uses, so a view opened (or re-shown)
 * mid-run is brought up to date. The context is not retained while hidden: the replay makes that unnecessary and
 * keeps a hidden view from costing memory.
 */
export class GradientFlowViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  /** The view id contributed in package.json. */
  static readonly viewType = 'nnet.gradientFlow';

  private readonly commands = new vscode.EventEmitter<GradientFlowCommand>();
  /** Fires when the user presses a button in the view (Train, Debug, Pause, Continue, Stop). */
  readonly onDidReceiveCommand: vscode.Event<GradientFlowCommand> = this.commands.event;

  private readonly model = emptyModel();
  /** Whether any run data has been posted; before that, a replay must not wipe what the view restored itself. */
  private hasRunData = false;
  private view: vscode.WebviewView | undefined;
  private viewListeners: vscode.Disposable[] = [];
  private disposed = false;

  /**
   * @param extensionUri root of the extension; scripts and styles are served from `dist/webview` under it.
   * @param logger where the view's own reports, malformed webview messages and delivery failures go.
   * @param limits the thresholds and sizes from the settings; `setLimits` changes them live.
   */
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
    limits?: ViewLimits,
  ) {
    if (limits) applyMessage(this.model, { kind: 'limits', limits });
  }

  /** New thresholds and sizes (the user changed a setting): the view reclassifies its bars at once. */
  setLimits(limits: ViewLimits): void {
    this.post({ kind: 'limits', limits });
  }

  /** Called by VS Code when the view becomes visible for the first time, or again after being disposed. */
  resolveWebviewView(view: vscode.WebviewView): void {
    if (this.disposed) return;
    this.releaseView();
    this.view = view;
    view.webview.html = renderGradientFlowHtml(prepareWebview(view.webview, this.extensionUri, 'gradientFlow'));
    this.viewListeners.push(
      view.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      // Re-shown views normally reload and say `ready`; replaying here too covers a view whose context survived.
      // Replays are idempotent (one snapshot that replaces what the view had), so getting both is harmless.
      view.onDidChangeVisibility(() => {
        if (view.visible) this.replay();
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.releaseView();
      }),
    );
  }

  /** Records an update (or a batch of them, forwarded as one message) and forwards it to the view if one is showing. */
  post(msg: HostToWebview): void {
    if (this.disposed) return;
    applyMessage(this.model, msg);
    if (updatesOf(msg).some((m) => m.kind !== 'state' && m.kind !== 'limits')) this.hasRunData = true;
    this.send(msg);
  }

  /** Releases the view's listeners and the command event; later posts are ignored. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseView();
    this.commands.dispose();
  }

  private receive(m: unknown): void {
    // The webview is untrusted: anything not in the protocol is logged and dropped.
    if (!isWebviewToHost(m)) {
      this.log(`Gradient Flow view: ignoring malformed message ${describe(m)}`);
      return;
    }
    switch (m.kind) {
      case 'ready':
        this.replay();
        return;
      case 'command':
        this.commands.fire(m.command);
        return;
      case 'log':
        this.logger.log(m.level, `Gradient Flow view: ${m.message}`);
        return;
      default: {
        const unknownKind: never = m;
        this.log(`Gradient Flow view: unhandled message ${describe(unknownKind)}`);
      }
    }
  }

  private log(message: string): void {
    this.logger.log('warn', message);
  }

  private replay(): void {
    for (const msg of replayMessages(this.model, this.hasRunData)) this.send(msg);
  }

  private send(msg: HostToWebview): void {
    const view = this.view;
    // Hidden views have no live content; they get everything by replay when shown again.
    if (!view || !view.visible) return;
    // JSON on the way: ±∞ and -0 are spelled out (NaN becomes null), and the view's validator reads them back.
    view.webview.postMessage(encodeJson(msg)).then(undefined, (err: unknown) => {
      this.log(`Gradient Flow view: could not post '${msg.kind}': ${String(err)}`);
    });
  }

  private releaseView(): void {
    for (const d of this.viewListeners) d.dispose();
    this.viewListeners = [];
    this.view = undefined;
  }
}

/** The view's part of the settings. */
export function viewLimitsOf(s: NnetSettings): ViewLimits {
  return {
    vanishingRatio: s.vanishingRatio,
    vanishingFloor: s.vanishingFloor,
    explodingMax: s.explodingNorm,
    runsKept: s.runsKept,
    curvePoints: s.curvePoints,
  };
}

function describe(m: unknown): string {
  try {
    return (JSON.stringify(m) ?? String(m)).slice(0, 200);
  } catch {
    return String(m);
  }
}
