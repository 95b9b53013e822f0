// The extension's host code against a stand-in `vscode` module: the real TrainingDisplay and Gradient Flow provider in
// plain Node, with a stand-in WebviewView to open them on. For bench/viewCost.ts and
// test/webview/gradientFlowProvider.test.ts, and checked by hostStandIn.test.ts so the stand-in keeps up with what the
// host classes use.

import Module from 'node:module';
import type { TrainingDisplay as TrainingDisplayClass } from '../extension/training/trainingDisplay';
import type { GradientFlowViewProvider as ProviderClass } from '../extension/views/gradientFlowView';
import type { HostToWebview } from '../webview/gradientFlow/protocol';

/** The extension's classes the view-cost bench runs. */
export interface HostClasses {
  TrainingDisplay: typeof TrainingDisplayClass;
  GradientFlowViewProvider: typeof ProviderClass;
}

type Listener<T> = (e: T) => void;
/** vscode.EventEmitter as far as the host classes use it; `listeners` shows what is still subscribed. */
export class StandInEmitter<T> {
  readonly listeners = new Set<Listener<T>>();
  readonly event = (l: Listener<T>) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}
/** vscode.Uri as far as the host classes use it. */
export interface StandInUri {
  readonly path: string;
  toString(): string;
}
/** A webview resource URI for `p`. */
export const standInUri = (p: string): StandInUri => ({
  path: p,
  toString: () => `https://file+.vscode-resource.bench${p}`,
});

/**
 * A WebviewView as a provider sees it, posting the host's messages to `postMessage`; `fromWebview`, `visibility` and
 * `disposal` play the page's and VS Code's parts.
 */
export function standInWebviewView(postMessage: (m: HostToWebview) => Promise<boolean>) {
  const fromWebview = new StandInEmitter<unknown>();
  const visibility = new StandInEmitter<void>();
  const disposal = new StandInEmitter<void>();
  const view = {
    visible: true,
    webview: {
      options: {} as { enableScripts?: boolean; localResourceRoots?: StandInUri[] },
      html: '',
      cspSource: 'https://csp.bench',
      asWebviewUri: (u: StandInUri) => u,
      postMessage,
      onDidReceiveMessage: fromWebview.event,
    },
    onDidChangeVisibility: visibility.event,
    onDidDispose: disposal.event,
  };
  return { view, fromWebview, visibility, disposal };
}

/** A status-bar item as far as TrainingDisplay uses it. */
export interface StandInStatusItem {
  name: string;
  command: string;
  text: string;
  tooltip: string;
  visible: boolean;
}
/** Every status-bar item the host classes created, newest last. */
export const statusBarItems: StandInStatusItem[] = [];

/**
 * Just what TrainingDisplay and GradientFlowViewProvider touch: a status-bar item, EventEmitter, Uri.joinPath and
 * l10n.t (its `{0}` placeholders filled, as VS Code does with no translation loaded).
 */
const standInVscode = {
  EventEmitter: StandInEmitter,
  l10n: { t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (m, i) => String(args[+i] ?? m)) },
  Uri: { joinPath: (base: StandInUri, ...parts: string[]) => standInUri([base.path, ...parts].join('/')) },
  StatusBarAlignment: { Left: 1, Right: 2 },
  window: {
    createStatusBarItem: () => {
      const item = { name: '', command: '', text: '', tooltip: '', visible: false };
      statusBarItems.push(item);
      return Object.assign(item, {
        show: () => void (item.visible = true),
        hide: () => void (item.visible = false),
        dispose: () => void (item.visible = false),
      });
    },
  },
};

/**
 * TrainingDisplay and GradientFlowViewProvider as the extension has them, their `import 'vscode'` answered by the
 * stand-in. A host class that starts using more of the vscode API fails here (hostStandIn.test.ts), not silently in
 * the bench's child.
 */
export async function loadHostClasses(): Promise<HostClasses> {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? standInVscode : original.call(this, request, ...rest);
  };
  try {
    const { TrainingDisplay } = await import('../extension/training/trainingDisplay');
    const { GradientFlowViewProvider } = await import('../extension/views/gradientFlowView');
    return { TrainingDisplay, GradientFlowViewProvider };
  } finally {
    loader._load = original;
  }
}
