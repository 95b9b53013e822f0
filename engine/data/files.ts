// Reading the CSV a .nnet file names, for the callers that have a file system (CLI, extension host, worker).
// The parser only ever sees the resolver's answer; this is the one place that touches the disk, and it refuses
// anything outside the allowed root (the workspace folder, or the .nnet file's folder), symlinks included.

import fs from 'node:fs';
import path from 'node:path';
import type { ReadFile } from '../language/context';

/** Largest CSV read, so a mistaken path to a huge file cannot stall the editor. */
export const MAX_CSV_BYTES = 16 * 1024 * 1024;

/**
 * A resolver for `parseNnet(text, { readFile })` that reads paths relative to the folder of `nnetFile` and refuses
 * any that leave `root` (default: that folder). Never throws.
 */
export function nodeReadFile(nnetFile: string, root: string = path.dirname(nnetFile)): ReadFile {
  const dir = path.dirname(path.resolve(nnetFile));
  const rootAbs = path.resolve(root);
  const inside = (p: string, r: string) => { const rel = path.relative(r, p); return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)); };
  return (relPath) => {
    const target = path.resolve(dir, relPath);
    const where = rootAbs === dir ? "the .nnet file's folder" : `the workspace folder ${rootAbs}`;
    if (!inside(target, rootAbs)) return { error: `'${relPath}' is outside ${where}; data files must be inside it` };
    try {
      // Resolve symlinks on both sides, so a link inside the folder cannot point outside it.
      const real = fs.realpathSync(target);
      if (!inside(real, fs.realpathSync(rootAbs))) return { error: `'${relPath}' links to a file outside ${where}` };
      const st = fs.statSync(real);
      if (!st.isFile()) return { error: `'${relPath}' is not a file` };
      if (st.size > MAX_CSV_BYTES) return { error: `'${relPath}' is ${(st.size / 1048576).toFixed(1)} MB, more than the limit of ${MAX_CSV_BYTES / 1048576} MB` };
      return { text: fs.readFileSync(real, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { error: code === 'ENOENT' ? `file not found: '${relPath}' (looked in ${path.dirname(target)})` : `cannot read '${relPath}': ${code ?? String(e)}` };
    }
  };
}
