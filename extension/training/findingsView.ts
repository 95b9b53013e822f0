// The Findings view in the nnet sidebar: one row per finding of the latest run of each trained file (under a row per
// file when several have findings), fed by the doctor's diagnostics store. Selecting a row reveals its line; its
// actions apply the first Quick Fix and go to the first occurrence in a debug session.

import path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../../engine/doctor/types';
import { registerCommand } from '../commands';
import { trace } from '../trace';
import { doctorDiagnostic } from './doctorFindings';
import { fixEdit, type DoctorDiagnostics, type FileFindings } from './doctorDiagnostics';
import { findingRow } from './findingRows';
import type { FirstOccurrence } from './firstOccurrence';

/** A row: a file with findings, or one finding of a file. */
export type FindingNode =
  | { readonly kind: 'file'; readonly file: FileFindings }
  | { readonly kind: 'finding'; readonly uri: vscode.Uri; readonly finding: Finding; readonly index: number };

/** The context key true while the active editor holds a .nnet file (the empty view then offers Train). */
const NNET_ACTIVE = 'nnet.nnetEditorActive';

/** The tree of findings, and its commands. */
export class FindingsView implements vscode.TreeDataProvider<FindingNode>, vscode.Disposable {
  static readonly viewType = 'nnet.findings';
  private readonly changed = new vscode.EventEmitter<FindingNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<FindingNode>;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly store: DoctorDiagnostics,
    private readonly firstOccurrence: FirstOccurrence,
    private readonly docsUrl: string | null,
  ) {
    this.view = vscode.window.createTreeView(FindingsView.viewType, { treeDataProvider: this });
    const nnetActive = () =>
      void vscode.commands.executeCommand(
        'setContext',
        NNET_ACTIVE,
        vscode.window.activeTextEditor?.document.languageId === 'nnet',
      );
    nnetActive();
    this.subscriptions = [
      this.view,
      this.changed,
      store.onDidChangeFindings(() => this.refresh()),
      vscode.window.onDidChangeActiveTextEditor(nnetActive),
      registerCommand('nnet.findings.reveal', (node) => this.reveal(node)),
      registerCommand('nnet.findings.applyFix', (node) => this.applyFix(node)),
      registerCommand('nnet.findings.gotoFirst', (node) => this.gotoFirst(node)),
    ];
    this.refresh();
  }

  getChildren(node?: FindingNode): FindingNode[] {
    const files = this.store.all();
    const rows = (f: FileFindings): FindingNode[] =>
      f.findings.map((finding, index) => ({ kind: 'finding', uri: f.uri, finding, index }));
    if (node) return node.kind === 'file' ? rows(node.file) : [];
    if (files.length === 1) return rows(files[0]);
    return files.map((file) => ({ kind: 'file', file }));
  }

  getTreeItem(node: FindingNode): vscode.TreeItem {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(node.file.uri, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.file.uri.toString();
      item.description = vscode.l10n.t('{0} findings', node.file.findings.length);
      item.contextValue = 'file';
      return item;
    }
    const f = node.finding,
      row = findingRow(f, path.basename(node.uri.fsPath), this.docsUrl);
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.uri.toString()}#${node.index}:${f.rule}:${f.line}`;
    item.description = row.description;
    item.tooltip = new vscode.MarkdownString(row.tooltip);
    item.iconPath = new vscode.ThemeIcon(row.icon, new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.contextValue = row.contextValue;
    item.command = { command: 'nnet.findings.reveal', title: vscode.l10n.t('Reveal'), arguments: [node] };
    return item;
  }

  private refresh(): void {
    const n = this.store.all().reduce((sum, f) => sum + f.findings.length, 0);
    this.view.badge = n ? { value: n, tooltip: vscode.l10n.t('{0} findings of the training doctor', n) } : undefined;
    // Without it, a healthy run leaves the view saying "Train a network…" as if nothing had run.
    const healthy = n ? undefined : this.store.healthyRun();
    this.view.message = healthy
      ? vscode.l10n.t('The doctor found nothing wrong in the last run of {0}.', path.basename(healthy.fsPath))
      : undefined;
    trace('findings', { count: n, message: this.view.message ?? null });
    this.changed.fire(undefined);
  }

  /** Opens the finding's file (if it is not) with its statement selected, focus staying in the view. */
  private async reveal(node: unknown): Promise<void> {
    if (!isFinding(node)) return;
    const doc = await vscode.workspace.openTextDocument(node.uri);
    const line = node.finding.line;
    const d = doctorDiagnostic(node.finding, line < doc.lineCount ? doc.lineAt(line).text : '');
    trace('command', { id: 'nnet.findings.reveal', file: path.basename(node.uri.fsPath), line: line + 1 });
    await vscode.window.showTextDocument(doc, {
      selection: new vscode.Range(d.line, d.col, d.line, d.col),
      preserveFocus: true,
    });
  }

  /** Applies the finding's first Quick Fix: the edit the light bulb's preferred action makes. */
  private async applyFix(node: unknown): Promise<void> {
    if (!isFinding(node) || !node.finding.fixes.length) return;
    const fix = node.finding.fixes[0];
    trace('command', { id: 'nnet.findings.applyFix', file: path.basename(node.uri.fsPath), fix: fix.title });
    if (!(await vscode.workspace.applyEdit(fixEdit(node.uri, fix))))
      return void vscode.window.showErrorMessage(vscode.l10n.t('Could not apply "{0}"', fix.title));
    await vscode.window.showTextDocument(node.uri, { preserveFocus: true }); // the change in view
  }

  private async gotoFirst(node: unknown): Promise<void> {
    if (isFinding(node)) await this.firstOccurrence.go(node.uri, node.finding.firstStep + 1);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

/** A finding row passed to a command (menus pass the node; the palette passes nothing). */
function isFinding(node: unknown): node is Extract<FindingNode, { kind: 'finding' }> {
  return typeof node === 'object' && node !== null && (node as FindingNode).kind === 'finding';
}
