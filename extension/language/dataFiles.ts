// Parses a .nnet document in the extension host with its CSV files readable (inside the workspace folder only).

import * as vscode from 'vscode';
import { nodeReadFile } from '../../engine/data/files';
import { parseNnet, type ParseResult } from '../../engine/language/parser';
import { LIMITS } from '../../engine/language/spec';
import { untrustedCsvMessage } from '../trust';

/** The CSV cap and memory budget from the settings; set by the extension at activation and on every change. */
let limits: { readonly maxCsvBytes: number; readonly memoryBudget: number } | undefined;

/** Makes every later parse use these limits (the editor must refuse what Train and the debugger refuse). */
export function setParseLimits(next: { readonly maxCsvBytes: number; readonly memoryBudget: number }): void {
  limits = next;
}

/**
 * Parses a document the way Train will: `data csv` paths resolve next to the file, within its workspace folder.
 * A document over the size limit is not parsed (it would be refused anyway, and parsing it on every edit would
 * stall the extension host); its one diagnostic says so. In Restricted Mode, and for files not on disk, no data file
 * is read and the `data csv` line says why.
 */
export function parseDocument(doc: vscode.TextDocument): ParseResult {
  const text = doc.getText();
  if (text.length > LIMITS.maxSourceBytes) return tooLarge(text.length);
  if (doc.uri.scheme !== 'file') {
    const scheme = doc.uri.scheme;
    return parseNnet(text, { readFile: (file) => ({ error: `'${file}' cannot be read from '${scheme}:': CSV data is read from files on disk` }), memoryBudget: limits?.memoryBudget });
  }
  if (!vscode.workspace.isTrusted) return parseNnet(text, { readFile: (file) => ({ error: untrustedCsvMessage(file) }), memoryBudget: limits?.memoryBudget });
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  return parseNnet(text, { readFile: nodeReadFile(doc.uri.fsPath, folder?.uri.fsPath, limits?.maxCsvBytes), memoryBudget: limits?.memoryBudget });
}

function tooLarge(chars: number): ParseResult {
  return {
    spec: null, omittedDiagnostics: 0,
    diagnostics: [{ severity: 'error', range: { line: 0, col: 0, endCol: 0 }, message: `the file has ${(chars / 1048576).toFixed(1)} million characters, more than the limit of ${LIMITS.maxSourceBytes / 1048576} MB for a .nnet file; it is not checked` }],
    partial: { inputSize: null, layers: [], batch: null, loss: null, samples: 0 },
  };
}
