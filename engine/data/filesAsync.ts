// Reading the CSV a .nnet file names without blocking the thread: the editor's counterpart of files.ts (its root
// rules and messages, pathInRoot), in steps so a caller can check a file's stamp (mtime and size) before reading it
// again.

import fs from 'node:fs';
import path from 'node:path';
import { isInside, kindOf, MAX_CSV_BYTES, pathInRoot, readErrorMessage } from './files';

/** What says a file changed: its modification time and size. */
export interface FileStamp {
  readonly mtimeMs: number;
  readonly size: number;
}

/** Where a data path leads: the real file (symlinks resolved) inside the root, or why it may not be read. */
export type DataFileLocation = { readonly real: string; readonly stamp: FileStamp } | { readonly error: string };

/**
 * Resolves `relPath` (as written in the .nnet file at `nnetFile`) to a regular file inside `root` (default: that
 * file's folder) and stats it. Never throws; messages are those of `nodeReadFile`.
 */
export async function locateDataFile(
  nnetFile: string,
  relPath: string,
  root: string = path.dirname(nnetFile),
  maxBytes = MAX_CSV_BYTES,
): Promise<DataFileLocation> {
  const p = pathInRoot(nnetFile, root, relPath);
  if (p.outside) return p.outside;
  try {
    // Resolve symlinks on both sides, so a link inside the folder cannot point outside it.
    const [real, realRoot] = await Promise.all([fs.promises.realpath(p.target), fs.promises.realpath(p.rootAbs)]);
    if (!isInside(real, realRoot)) return p.linksOutside;
    const st = await fs.promises.stat(real);
    if (!st.isFile()) return { error: `'${relPath}' is not a file: it is ${kindOf(st)}` };
    if (st.size > maxBytes) return { error: tooBig(relPath, st.size, maxBytes) };
    return { real, stamp: { mtimeMs: st.mtimeMs, size: st.size } };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? p.notFound : { error: readErrorMessage(e, relPath) };
  }
}

/**
 * Reads a regular file of at most `maxBytes` as UTF-8 with the stamp it had when read, or says why not. Never
 * throws and never waits on a pipe: opened non-blocking and checked on the open descriptor, as `readTextFile` does.
 */
export async function readTextFileAsync(
  file: string,
  maxBytes: number,
  name = file,
): Promise<{ readonly text: string; readonly stamp: FileStamp } | { readonly error: string }> {
  let handle: fs.promises.FileHandle | null = null;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = await handle.stat();
    if (!st.isFile()) return { error: `'${name}' is not a file: it is ${kindOf(st)}` };
    if (st.size > maxBytes) return { error: tooBig(name, st.size, maxBytes) };
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const { bytesRead } = await handle.read(buf, n, st.size - n, n);
      if (bytesRead === 0) break; // the file shrank while being read
      n += bytesRead;
    }
    return { text: buf.toString('utf8', 0, n), stamp: { mtimeMs: st.mtimeMs, size: st.size } };
  } catch (e) {
    return { error: readErrorMessage(e, name) };
  } finally {
    await handle?.close().catch(() => {
      /* already closed */
    });
  }
}

function tooBig(name: string, size: number, maxBytes: number): string {
  return `'${name}' is ${(size / 1048576).toFixed(1)} MB, more than the limit of ${maxBytes / 1048576} MB`;
}
