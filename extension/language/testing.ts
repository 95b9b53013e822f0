// Helpers of the parse caches' tests: an editable document as VS Code's behaves, a temporary folder, disk access.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CsvAccess, SourceDocument } from './parseCache';

/** An editable document, as VS Code's TextDocument behaves: text and version change together. */
export class Doc implements SourceDocument {
  version = 1;
  constructor(
    readonly key: string,
    private text: string,
  ) {}
  getText(): string {
    return this.text;
  }
  edit(text: string): void {
    this.text = text;
    this.version++;
  }
}

/** A test body run with a fresh temporary folder (named from `prefix`), removed afterwards whatever happens. */
export function withDir(prefix: string, run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    try {
      await run(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Access to the files of `dir`, as a trusted workspace folder holding `n.nnet` has. */
export const disk = (dir: string): CsvAccess => ({
  kind: 'disk',
  id: `disk:${dir}`,
  file: path.join(dir, 'n.nnet'),
  root: dir,
});
