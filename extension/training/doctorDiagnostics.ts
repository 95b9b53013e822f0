// The training doctor's findings in the editor: after Train finishes or is stopped, one diagnostic per finding on
// its line (source `nnet doctor`), in a collection of their own that the file's next edit clears; their fixes are
// offered as Quick Fixes (the light bulb) on those diagnostics. The store the Findings view reads, with its event.

import * as vscode from 'vscode';
import type { Finding, Fix } from '../../engine/doctor/types';
import { DOCTOR_SOURCE, diagnosticKey, doctorDiagnostic, quickFixPlan } from './doctorFindings';

/** The findings of the latest run of one file, as shown. */
export interface FileFindings {
  readonly uri: vscode.Uri;
  readonly findings: readonly Finding[];
}

/** The edit of a fix in `uri`: what its Quick Fix applies, and the Findings view's Apply Fix. */
export function fixEdit(uri: vscode.Uri, fix: Fix): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const e of fix.edits) edit.replace(uri, new vscode.Range(e.line, e.col, e.line, e.endCol), e.newText);
  return edit;
}

/** The doctor's diagnostics of every trained file. */
export class DoctorDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DOCTOR_SOURCE);
  /** Per file shown: the fixes of each diagnostic, by diagnosticKey. */
  private readonly fixes = new Map<string, Map<string, readonly Fix[]>>();
  /** Per file shown (with at least one finding): its findings, by URI string. */
  private readonly shown = new Map<string, FileFindings>();
  /** The file whose latest run ended with no finding, while it is the latest run shown and unedited. */
  private healthy: vscode.Uri | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with a file's URI when its findings are shown, replaced or cleared; listening returns a Disposable. */
  readonly onDidChangeFindings: vscode.Event<vscode.Uri> = this.changed.event;
  // Findings describe the text that was trained: any edit may move or remove their lines.
  private readonly onEdit = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length) this.clear(e.document.uri);
  });
  private readonly quickFixes = vscode.languages.registerCodeActionsProvider(
    { language: 'nnet' },
    { provideCodeActions: (doc, _range, ctx) => this.actions(doc, ctx) },
    { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
  );

  /** Shows `findings` of a run of `doc` at `version`; a document edited since then gets none (lines may have moved). */
  show(doc: vscode.TextDocument, version: number, findings: readonly Finding[]): void {
    if (doc.isClosed || doc.version !== version) return;
    const fixes = new Map<string, readonly Fix[]>();
    this.fixes.set(doc.uri.toString(), fixes);
    this.shown.delete(doc.uri.toString()); // re-added last: the latest run comes last
    if (findings.length) this.shown.set(doc.uri.toString(), { uri: doc.uri, findings });
    this.healthy = findings.length ? undefined : doc.uri;
    this.collection.set(
      doc.uri,
      findings.map((f) => {
        const d = doctorDiagnostic(f, f.line < doc.lineCount ? doc.lineAt(f.line).text : '');
        const diag = new vscode.Diagnostic(
          new vscode.Range(d.line, d.col, d.line, d.endCol),
          d.message,
          vscode.DiagnosticSeverity.Warning,
        );
        diag.source = DOCTOR_SOURCE;
        diag.code = d.code;
        if (f.fixes.length) fixes.set(diagnosticKey(d), f.fixes);
        return diag;
      }),
    );
    this.changed.fire(doc.uri);
  }

  /** Removes the findings of `uri` (a new run of it starts). */
  clear(uri: vscode.Uri): void {
    const had = this.shown.delete(uri.toString());
    const wasHealthy = this.healthy?.toString() === uri.toString();
    if (wasHealthy) this.healthy = undefined;
    this.collection.delete(uri);
    this.fixes.delete(uri.toString());
    if (had || wasHealthy) this.changed.fire(uri);
  }

  /** The file whose run ended last with no finding at all (none once it is edited or another run ends with some). */
  healthyRun(): vscode.Uri | undefined {
    return this.healthy;
  }

  /** The findings shown, per file, in the order their runs ended. */
  all(): readonly FileFindings[] {
    return [...this.shown.values()];
  }

  /** The Quick Fixes of the doctor's diagnostics in a light-bulb request. */
  private actions(doc: vscode.TextDocument, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const fixes = this.fixes.get(doc.uri.toString());
    if (!fixes) return [];
    const keys = ctx.diagnostics.map((d) =>
      d.source === DOCTOR_SOURCE
        ? diagnosticKey({
            line: d.range.start.line,
            col: d.range.start.character,
            code: String(typeof d.code === 'object' ? d.code.value : d.code),
            message: d.message,
          })
        : null,
    );
    return quickFixPlan(keys, fixes).map((p) => {
      const a = new vscode.CodeAction(p.fix.title, vscode.CodeActionKind.QuickFix);
      a.diagnostics = p.diagnostics.map((i) => ctx.diagnostics[i]);
      a.isPreferred = p.preferred;
      a.edit = fixEdit(doc.uri, p.fix);
      return a;
    });
  }

  /** The diagnostics shown for `uri` (for tests). */
  get(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  dispose(): void {
    this.changed.dispose();
    this.quickFixes.dispose();
    this.onEdit.dispose();
    this.collection.dispose();
  }
}
