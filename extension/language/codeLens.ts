// CodeLenses of a .nnet file: "Train", "Debug" and the parameter count above the `network` line, and, while an
// nnet debug session runs, "Inspect" on every layer line to open that layer in the Layer Inspector.

import * as vscode from 'vscode';
import type { LayerSpec } from '../../engine/language/spec';
import { parameterCount } from '../../engine/language/spec';
import { parseDocument } from './documents';

/** Provides the lenses; refreshes them when nnet debug sessions start and end. */
export class TrainCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the lenses should be asked for again (a debug session started or ended). */
  readonly onDidChangeCodeLenses: vscode.Event<void> = this.changed.event;
  private readonly listeners: vscode.Disposable[];

  constructor() {
    const refresh = () => this.changed.fire();
    this.listeners = [
      vscode.debug.onDidStartDebugSession(refresh),
      vscode.debug.onDidTerminateDebugSession(refresh),
      vscode.debug.onDidChangeActiveDebugSession(refresh),
    ];
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const lenses: vscode.CodeLens[] = [];
    const parsed = await parseDocument(doc);
    for (let i = 0; i < doc.lineCount; i++) {
      if (/^\s*network\b/.test(doc.lineAt(i).text)) {
        const range = new vscode.Range(i, 0, i, 0);
        lenses.push(
          new vscode.CodeLens(range, {
            title: vscode.l10n.t('$(play) Train'),
            command: 'nnet.train',
            arguments: [doc.uri],
            tooltip: vscode.l10n.t('Train this network at full speed'),
          }),
          new vscode.CodeLens(range, {
            title: vscode.l10n.t('$(debug-alt) Debug'),
            command: 'nnet.debug',
            arguments: [doc.uri],
            tooltip: vscode.l10n.t('Train under the backprop debugger'),
          }),
        );
        const { inputSize, layers } = parsed.partial;
        if (inputSize !== null && layers.length) {
          const n = parameterCount(inputSize, layers);
          // An empty command makes the lens a label: the count is information, not an action.
          lenses.push(
            new vscode.CodeLens(range, {
              title:
                n === 1 ? vscode.l10n.t('1 parameter') : vscode.l10n.t('{0} parameters', n.toLocaleString('en-US')),
              command: '',
              tooltip: vscode.l10n.t('Trainable parameters: weights, biases, normalization γ and β, projections'),
            }),
          );
        }
        break;
      }
    }
    if (vscode.debug.activeDebugSession?.type === 'nnet') lenses.push(...inspectLenses(parsed.partial.layers));
    return lenses;
  }

  dispose(): void {
    for (const d of this.listeners) d.dispose();
    this.changed.dispose();
  }
}

/** One "Inspect" lens per layer line (the first layer of a `repeat` line; a residual block's sum on its `end` line). */
function inspectLenses(layers: readonly LayerSpec[]): vscode.CodeLens[] {
  const seen = new Set<number>(),
    out: vscode.CodeLens[] = [];
  const add = (line: number, name: string) => {
    if (seen.has(line)) return;
    seen.add(line);
    out.push(
      new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: vscode.l10n.t('$(graph) Inspect'),
        command: 'nnet.inspectLayer',
        arguments: [name],
        tooltip: vscode.l10n.t("Open '{0}' in the Layer Inspector", name),
      }),
    );
  };
  const walk = (ls: readonly LayerSpec[]) => {
    for (const l of ls) {
      if (l.kind === 'residual') {
        walk(l.body);
        add(l.endRange.line, l.name);
      } else add(l.range.line, l.name);
    }
  };
  walk(layers);
  return out;
}
