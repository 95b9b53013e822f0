// Reading the CSV a .nnet file names, for the callers that have a file system (CLI, extension host, worker).
// The parser only ever sees the resolver's answer; this is the one place that touches the disk, and it refuses
// anything outside the allowed root (the workspace folder, or the .nnet file's folder), symlinks included.

import fs from 'node:fs';
import path from 'node:path';
import type { ReadFile } from '../language/context';

/** Largest CSV read by default (the nnet.data.maxCsvMB setting), so a mistaken path to a huge file cannot stall the editor. */
export const MAX_CSV_BYTES = 16 * 1024 * 1024;

/** What a non-regular file is, for messages. */
export function kindOf(st: fs.Stats): string {
  return st.isDirectory()
    ? 'a folder'
    : st.isFIFO()
      ? 'a pipe'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : 'something else';
}

/**
 * Reads a regular file of at most `maxBytes` as UTF-8, or says why not; `name` is how messages call it. Never
 * throws and never blocks (see readFileBytes).
 */
export function readTextFile(
  file: string,
  maxBytes: number,
  name = file,
): { readonly text: string } | { readonly error: string } {
  const r = readFileBytes(file, maxBytes, name);
  return 'error' in r ? r : { text: r.bytes.toString('utf8') };
}

/**
 * Reads a regular file of at most `maxBytes`, or says why not; `name` is how messages call it. Never throws and
 * never blocks: the file is opened non-blocking (a FIFO would otherwise wait for a writer forever) and checked on
 * the open descriptor, so it cannot be swapped for a pipe or a device between the check and the read.
 */
export function readFileBytes(
  file: string,
  maxBytes: number,
  name = file,
): { readonly bytes: Buffer } | { readonly error: string } {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { error: `'${name}' is not a file: it is ${kindOf(st)}` };
    if (st.size > maxBytes)
      return {
        error: `'${name}' is ${(st.size / 1048576).toFixed(1)} MB, more than the limit of ${maxBytes / 1048576} MB`,
      };
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < st.size) {
      const r = fs.readSync(fd, buf, n, st.size - n, n);
      if (r === 0) break; // the file shrank while being read
      n += r;
    }
    return { bytes: buf.subarray(0, n) };
  } catch (e) {
    return { error: readErrorMessage(e, name) };
  } finally {
    if (fd !== null)
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
  }
}

/** Why reading `name` failed, from the error a file system call threw. */
export function readErrorMessage(e: unknown, name: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'file not found'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (code ?? String(e));
  return `cannot read '${name}': ${why}`;
}

/** True when `p` is `root` or inside it (both absolute). */
export function isInside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A refusal, in the readers' shape. */
type Refusal = { readonly error: string };

/**
 * The root rules both readers of a data path apply (readInside; filesAsync.ts's locateDataFile), with their messages:
 * the absolute path `relPath` (as written in the .nnet file `nnetFile`) leads to and the absolute root; `outside` when
 * that path leaves the root (else null); `linksOutside`, for a real path that leaves the real root; `notFound`.
 */
export function pathInRoot(
  nnetFile: string,
  root: string,
  relPath: string,
): {
  readonly target: string;
  readonly rootAbs: string;
  readonly outside: Refusal | null;
  readonly linksOutside: Refusal;
  readonly notFound: Refusal;
} {
  const dir = path.dirname(path.resolve(nnetFile));
  const rootAbs = path.resolve(root);
  const target = path.resolve(dir, relPath);
  const where = rootAbs === dir ? "the .nnet file's folder" : `the workspace folder ${rootAbs}`;
  return {
    target,
    rootAbs,
    outside: isInside(target, rootAbs)
      ? null
      : { error: `'${relPath}' is outside ${where}; data files must be inside it` },
    linksOutside: { error: `'${relPath}' links to a file outside ${where}` },
    notFound: { error: `file not found: '${relPath}' (looked in ${path.dirname(target)})` },
  };
}

/**
 * A resolver for `parseNnet(text, { readFile })` that reads paths relative to the folder of `nnetFile` and refuses
 * any that leave `root` (default: that folder) or are larger than `maxBytes` (default MAX_CSV_BYTES). Never throws.
 */
export function nodeReadFile(
  nnetFile: string,
  root: string = path.dirname(nnetFile),
  maxBytes: number = MAX_CSV_BYTES,
): ReadFile {
  return (relPath) => readInside(nnetFile, root, relPath, (real) => readTextFile(real, maxBytes, relPath));
}

/**
 * Resolves `relPath` (as written in the .nnet file `nnetFile`) inside `root`, symlinks included, and reads the real
 * file with `read`; refuses a path that leaves the root, and says where a missing file was looked for. Never throws.
 */
export function readInside<T extends object>(
  nnetFile: string,
  root: string,
  relPath: string,
  read: (real: string) => T | { readonly error: string },
): T | { readonly error: string } {
  const p = pathInRoot(nnetFile, root, relPath);
  if (p.outside) return p.outside;
  try {
    // Resolve symlinks on both sides, so a link inside the folder cannot point outside it.
    const real = fs.realpathSync(p.target);
    if (!isInside(real, fs.realpathSync(p.rootAbs))) return p.linksOutside;
    const r = read(real);
    return 'error' in r && r.error.startsWith(`cannot read '${relPath}': file not found`) ? p.notFound : r;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? p.notFound : { error: `cannot read '${relPath}': ${code ?? String(e)}` };
  }
}
