// The one owner of parse results on the extension host: every feature that needs a .nnet document parsed asks
// here, so an edit is parsed once (per version) and its CSV read at most once (per file stamp), never blocking.

import * as vscode from 'vscode';
import type { ParseResult } from '../../engine/language/parser';
import { DataFileCache } from './dataFileCache';
import { csvAccess } from './dataFiles';
import type { ParseLimits } from '../../debugger/protocol';
import { ParseCache, type SourceDocument } from './parseCache';

const cache = new ParseCache(new DataFileCache());
const invalidated = new vscode.EventEmitter<readonly string[]>();

/** Fires with the URIs (as strings) of documents whose results were dropped because a CSV file changed on disk. */
export const onDidInvalidateDocuments: vscode.Event<readonly string[]> = invalidated.event;

function source(doc: vscode.TextDocument): SourceDocument {
  return {
    key: doc.uri.toString(),
    get version() {
      return doc.version;
    },
    getText: () => doc.getText(),
  };
}

/** The parse of `doc` as it is now, shared by every caller of this version; CSV data read asynchronously. */
export function parseDocument(doc: vscode.TextDocument): Promise<ParseResult> {
  return cache.parse(source(doc), csvAccess(doc));
}

/** Like `parseDocument`, but null when the document changed, closed or lost its data file before the result was ready. */
export function parseDocumentLatest(doc: vscode.TextDocument): Promise<ParseResult | null> {
  return cache.parseLatest(source(doc), csvAccess(doc));
}

/** A value computed from the document's text alone (symbols, folding), once per version. */
export function deriveFromDocument<T>(doc: vscode.TextDocument, name: string, compute: (text: string) => T): T {
  return cache.derive(source(doc), name, compute);
}

/** Parses from now on use `limits` (the CSV cap and memory budget settings); every open document is checked again. */
export function setParseLimits(limits: ParseLimits): void {
  changedLimits(cache.setLimits(limits));
}

let changedLimits: (keys: readonly string[]) => void = () => undefined;

/** Drops documents when they close and results that read a CSV file when it changes on disk. */
export function registerDocuments(): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{csv,npz}');
  const changed = (keys: readonly string[]) => {
    if (keys.length) invalidated.fire(keys);
  };
  changedLimits = changed;
  return vscode.Disposable.from(
    invalidated,
    watcher,
    // Any CSV or .npz event re-checks every document that reads data (a new file may be one it could not find, a changed
    // one may be behind a link); only a file whose stamp changed is read again.
    watcher.onDidChange(() => changed(cache.invalidateAllData())),
    watcher.onDidCreate(() => changed(cache.invalidateAllData())),
    watcher.onDidDelete(() => changed(cache.invalidateAllData())),
    vscode.workspace.onDidCloseTextDocument((doc) => cache.close(doc.uri.toString())),
    { dispose: () => cache.clear() },
  );
}
