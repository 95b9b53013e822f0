// Parses a .nnet document in the extension host with its CSV files readable (inside the workspace folder only).

import * as vscode from 'vscode';
import { nodeReadFile } from '../../engine/data/files';
import { parseNnet, type ParseResult } from '../../engine/language/parser';
import { untrustedCsvMessage } from '../trust';

/**
 * Parses a document the way Train will: `data csv` paths resolve next to the file, within its workspace folder.
 * In Restricted Mode, and for files not on disk, no data file is read and the `data csv` line says why.
 */
export function parseDocument(doc: vscode.TextDocument): ParseResult {
  if (doc.uri.scheme !== 'file') {
    const scheme = doc.uri.scheme;
    return parseNnet(doc.getText(), { readFile: (file) => ({ error: `'${file}' cannot be read from '${scheme}:': CSV data is read from files on disk` }) });
  }
  if (!vscode.workspace.isTrusted) return parseNnet(doc.getText(), { readFile: (file) => ({ error: untrustedCsvMessage(file) }) });
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  return parseNnet(doc.getText(), { readFile: nodeReadFile(doc.uri.fsPath, folder?.uri.fsPath) });
}
