// The training doctor's findings in the editor: after Train finishes or is stopped, one diagnostic per finding on
// its line (source `nnet doctor`), in a collection of their own that the file's next edit clears.

import * as vscode from 'vscode';
import type { Finding } from '../../engine/doctor/types';
import { DOCTOR_SOURCE, doctorDiagnostic } from './doctorFindings';

/** The doctor's diagnostics of every trained file. */
export class DoctorDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DOCTOR_SOURCE);
  // Findings describe the text that was trained: any edit may move or remove their lines.
  private readonly onEdit = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length) this.collection.delete(e.document.uri);
  });

  /** Shows `findings` of a run of `doc` at `version`; a document edited since then gets none (lines may have moved). */
  show(doc: vscode.TextDocument, version: number, findings: readonly Finding[]): void {
    if (doc.isClosed || doc.version !== version) return;
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
        return diag;
      }),
    );
  }

  /** Removes the findings of `uri` (a new run of it starts). */
  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  /** The diagnostics shown for `uri` (for tests). */
  get(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  dispose(): void {
    this.onEdit.dispose();
    this.collection.dispose();
  }
}
