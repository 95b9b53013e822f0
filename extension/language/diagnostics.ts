// Squiggles as you type: parses open .nnet documents (debounced) and publishes their diagnostics once the parse
// (and any CSV read) completes, unless the document changed or closed meanwhile.

import * as vscode from 'vscode';
import type { Diagnostic } from '../../engine/language/spec';
import { onDidInvalidateDocuments, parseDocumentLatest } from './documents';

const DEBOUNCE_MS = 150;

/** Converts an engine diagnostic to a VS Code one. */
export function toVsDiagnostic(d: Diagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.range.line, d.range.col, d.range.line, Math.max(d.range.endCol, d.range.col + 1));
  const diag = new vscode.Diagnostic(
    range,
    d.message,
    d.severity === 'error'
      ? vscode.DiagnosticSeverity.Error
      : d.unused
        ? vscode.DiagnosticSeverity.Hint // faded like unused code, not squiggled or listed in Problems
        : vscode.DiagnosticSeverity.Warning,
  );
  if (d.unused) diag.tags = [vscode.DiagnosticTag.Unnecessary];
  diag.source = 'nnet';
  return diag;
}

/** Keeps the `nnet` diagnostic collection in step with open documents. */
export function registerDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('nnet');
  const timers = new Map<string, NodeJS.Timeout>();
  const update = async (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'nnet') return;
    const parsed = await parseDocumentLatest(doc);
    // null: the document changed (its own update follows) or closed while its CSV was read.
    if (parsed && !doc.isClosed) collection.set(doc.uri, parsed.diagnostics.map(toVsDiagnostic));
  };
  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        void update(doc);
      }, DEBOUNCE_MS),
    );
  };
  const updateAll = () => vscode.workspace.textDocuments.forEach((d) => void update(d));
  updateAll();
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument((doc) => void update(doc)),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      clearTimeout(timers.get(doc.uri.toString()));
      collection.delete(doc.uri);
    }),
    // Trusting the folder lets CSV data be read: check again what Restricted Mode could not.
    vscode.workspace.onDidGrantWorkspaceTrust(updateAll),
    // A CSV a document reads changed on disk.
    onDidInvalidateDocuments((keys) =>
      vscode.workspace.textDocuments.filter((d) => keys.includes(d.uri.toString())).forEach((d) => void update(d)),
    ),
    { dispose: () => timers.forEach(clearTimeout) },
  );
}
