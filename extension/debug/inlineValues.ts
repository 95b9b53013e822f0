// Inline values in the .nnet editor while paused: each layer line shows its gradient norm and output mean.

import * as vscode from 'vscode';
import { formatSummary } from '../../engine/nn/tensor';
import type { NodeSummary } from '../../debugger/protocol';

/** Supplies inline values from the latest stop's per-node summaries. */
export class NnetInlineValues implements vscode.InlineValuesProvider {
  private network: readonly NodeSummary[] = [];
  /** The layer the debugger is paused on: a `repeat` line shows that instance rather than the first. */
  private pausedLayer = '';
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlineValues = this.changed.event;

  /** Called on every stop with the summaries the adapter sent and the name of the paused layer. */
  update(network: readonly NodeSummary[], pausedLayer = ''): void {
    this.network = network;
    this.pausedLayer = pausedLayer;
    this.changed.fire();
  }

  clear(): void {
    this.network = [];
    this.changed.fire();
  }

  provideInlineValues(doc: vscode.TextDocument, viewPort: vscode.Range): vscode.InlineValue[] {
    const byLine = new Map<number, NodeSummary[]>();
    for (const n of this.network)
      if (n.kind !== 'residual_begin') byLine.set(n.line - 1, [...(byLine.get(n.line - 1) ?? []), n]);
    const out: vscode.InlineValue[] = [];
    for (const [line, nodes] of byLine) {
      if (line < viewPort.start.line || line > viewPort.end.line || line >= doc.lineCount) continue;
      const n = nodes.find((x) => x.name === this.pausedLayer) ?? nodes[0];
      const mean = /mean (\S+)/.exec(n.output)?.[1];
      // What this step has not computed yet says so, rather than showing the previous step's number.
      const grad =
        n.gradNorm !== null
          ? `‖∇W‖ ${formatSummary(n.gradNorm)}`
          : n.gradPending
            ? `‖∇W‖ — (at ${n.gradPending})`
            : null;
      const act = n.outputPending ? `a — (at ${n.outputPending})` : mean ? `mean a ${mean}` : null;
      const parts = [grad, act].filter(Boolean);
      const text = `${parts.join(' · ')}${nodes.length > 1 ? ` (${n.name} of ${nodes.length})` : ''}`;
      const end = doc.lineAt(line).range.end;
      out.push(new vscode.InlineValueText(new vscode.Range(end, end), text));
    }
    return out;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
