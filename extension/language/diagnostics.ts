// Squiggles as you type: parses open .nnet documents (debounced) and publishes their diagnostics.

import * as vscode from 'vscode';
import type { Diagnostic } from '../../engine/language/spec';
import { parseDocument } from './dataFiles';

const DEBOUNCE_MS = 150;

/** Converts an engine diagnostic to a VS Code one. */
export function toVsDiagnostic(d: Diagnostic): vscode.Diagnostic {
  const range = new vscode.Range(d.range.line, d.range.col, d.range.line, Math.max(d.range.endCol, d.range.col + 1));
  const diag = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diag.source = 'nnet';
  return diag;
}

/** Keeps the `nnet` diagnostic collection in step with open documents. */
/** @param onDidChangeLimits fires when the parse limits change (settings): every open document is checked again. */
export function registerDiagnostics(onDidChangeLimits?: (listener: () => void) => vscode.Disposable): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('nnet');
  const timers = new Map<string, NodeJS.Timeout>();
  const update = (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'nnet') return;
    collection.set(doc.uri, parseDocument(doc).diagnostics.map(toVsDiagnostic));
  };
  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); update(doc); }, DEBOUNCE_MS));
  };
  vscode.workspace.textDocuments.forEach(update);
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument(update),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => { clearTimeout(timers.get(doc.uri.toString())); collection.delete(doc.uri); }),
    // Trusting the folder lets CSV data be read: check again what Restricted Mode could not.
    vscode.workspace.onDidGrantWorkspaceTrust(() => vscode.workspace.textDocuments.forEach(update)),
    onDidChangeLimits?.(() => vscode.workspace.textDocuments.forEach(update)) ?? { dispose: () => undefined },
    { dispose: () => timers.forEach(clearTimeout) },
  );
}
