// The editor's cache of weights files (`weights "FILE.npz"`): read and inflated asynchronously, kept by real path
// and checked by stamp before each use, so neither an edit to the .nnet file nor a large file holds the extension
// host. No vscode here: the unit tests drive it directly.

import { locateDataFile, type FileStamp } from '../../engine/data/filesAsync';
import type { ReadWeights } from '../../engine/language/parser';
import { MAX_NPZ_BYTES, readNpzAsync } from '../../engine/io/npzRead';
import { MAX_WEIGHTS_FILE_BYTES } from '../../engine/io/weightsFile';
import fs from 'node:fs';

/** What the parser's `readWeights` answers for one path. */
export type WeightsAnswer = ReturnType<ReadWeights>;

interface Entry {
  readonly stamp: FileStamp;
  /** Messages name the path as written, so the answer is kept per path. */
  readonly answers: Map<string, WeightsAnswer>;
}

/** Weights files by real path, least recently used first; at most `maxFiles` kept (their arrays can be large). */
export class WeightsFileCache {
  private readonly entries = new Map<string, Entry>();
  /** Reads from disk so far (a test checks that a cached file is not read again). */
  reads = 0;

  constructor(
    private readonly maxFiles = 2,
    private readonly maxBytes = MAX_WEIGHTS_FILE_BYTES,
  ) {}

  /** The arrays of `relPath` as written in `nnetFile`, read only inside `root`; from the cache when unchanged. */
  async answer(nnetFile: string, relPath: string, root?: string): Promise<WeightsAnswer> {
    const loc = await locateDataFile(nnetFile, relPath, root, this.maxBytes);
    if ('error' in loc) return loc;
    let e = this.entries.get(loc.real);
    if (!e || e.stamp.mtimeMs !== loc.stamp.mtimeMs || e.stamp.size !== loc.stamp.size)
      e = { stamp: loc.stamp, answers: new Map() };
    let a = e.answers.get(relPath);
    if (!a) {
      this.reads++;
      a = await this.read(loc.real, relPath);
      e.answers.set(relPath, a);
    }
    this.entries.delete(loc.real);
    this.entries.set(loc.real, e);
    while (this.entries.size > this.maxFiles) this.entries.delete(this.entries.keys().next().value!);
    return a;
  }

  /** Files held, least recently used first. */
  get files(): readonly string[] {
    return [...this.entries.keys()];
  }

  private async read(real: string, relPath: string): Promise<WeightsAnswer> {
    try {
      const bytes = await fs.promises.readFile(real);
      if (bytes.length > this.maxBytes) return { error: `'${relPath}' grew past the limit while being read` };
      return await readNpzAsync(bytes, { name: `'${relPath}'`, maxBytes: MAX_NPZ_BYTES });
    } catch (e) {
      return { error: `cannot read '${relPath}': ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    }
  }
}
