// Parses a .nnet document in the extension host with its CSV files readable (inside the workspace folder only).

import * as vscode from 'vscode';
import { nodeReadFile } from '../../engine/data/files';
import { parseNnet, type ParseResult } from '../../engine/language/parser';

/** Parses a document the way Train will: `data csv` paths resolve next to the file, within its workspace folder. */
export function parseDocument(doc: vscode.TextDocument): ParseResult {
  if (doc.uri.scheme !== 'file') return parseNnet(doc.getText());
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  return parseNnet(doc.getText(), { readFile: nodeReadFile(doc.uri.fsPath, folder?.uri.fsPath) });
}
