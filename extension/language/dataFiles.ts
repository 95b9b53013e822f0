// How the editor may read the CSV files a .nnet document names: from disk inside its workspace folder when the
// folder is trusted and the file is on disk; otherwise refused, with the reason on the `data csv` line.

import * as vscode from 'vscode';
import { untrustedCsvMessage } from '../trust';
import type { CsvAccess } from './parseCache';

/**
 * The access Train would have: `data csv` paths resolve next to the file, within its workspace folder. In
 * Restricted Mode, and for files not on disk, no data file is read and the `data csv` line says why.
 */
export function csvAccess(doc: vscode.TextDocument): CsvAccess {
  if (doc.uri.scheme !== 'file') {
    const scheme = doc.uri.scheme;
    return {
      kind: 'refused',
      id: `scheme:${scheme}`,
      message: (file) => `'${file}' cannot be read from '${scheme}:': data files are read from disk`,
    };
  }
  if (!vscode.workspace.isTrusted) return { kind: 'refused', id: 'untrusted', message: untrustedCsvMessage };
  const root = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath;
  return { kind: 'disk', id: `disk:${doc.uri.fsPath}\0${root ?? ''}`, file: doc.uri.fsPath, root };
}
