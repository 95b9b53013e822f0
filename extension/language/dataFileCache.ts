// The editor's CSV cache: data files read asynchronously, kept by real path and checked by stamp (mtime and size)
// before each use, and the rows loaded from them kept per set of column options, so an edit to the .nnet file
// neither reads nor splits its CSV again. No vscode here: the bench and the unit tests drive it directly.

import { loadCsvSteps, type CsvDataset, type CsvOptions } from '../../engine/data/csv';
import { MAX_CSV_BYTES } from '../../engine/data/files';
import { locateDataFile, readTextFileAsync, type FileStamp } from '../../engine/data/filesAsync';
import type { ReadFile } from '../../engine/language/parser';
import { WeightsFileCache } from './weightsFileCache';

/** What the parser's `readFile` answers for one path. */
export type DataFileAnswer = ReturnType<ReadFile>;

interface Entry {
  readonly stamp: FileStamp;
  readonly text: string;
  /** Loaded rows per (path as written, options): the path names the file in the loader's messages. */
  readonly datasets: Map<string, CsvDataset>;
  /** Loads under way, by the same key. */
  readonly loading: Map<string, Promise<void>>;
}

/**
 * What `load` answers while the rows are still being loaded in steps: a dataset with one error, which
 * `parseWithDataFiles` never shows: it waits for `ready` and parses again.
 */
export interface LoadingDataset extends CsvDataset {
  readonly ready: Promise<void>;
}

/** The promise to wait for when `ds` is a load still under way, else null. */
export function stillLoading(ds: CsvDataset): Promise<void> | null {
  return (ds as Partial<LoadingDataset>).ready ?? null;
}

/** Lets other work run between the steps of a load: the next macrotask, after pending I/O and timers. */
const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Bounds of the cache: files kept, and their text in bytes (the rows loaded from them come on top). */
export interface DataFileCacheLimits {
  readonly files: number;
  readonly bytes: number;
  /** Column option sets whose rows are kept per file. */
  readonly datasetsPerFile: number;
}

const DEFAULT_LIMITS: DataFileCacheLimits = { files: 4, bytes: 64 * 1024 * 1024, datasetsPerFile: 4 };

/** CSV files by real path, least recently used first; never blocks on the disk. */
export class DataFileCache {
  private readonly entries = new Map<string, Entry>();
  /** Reads from disk so far (a test and the bench check that a cached file is not read again). */
  reads = 0;
  /** Row loads started so far (one per file stamp and option set). */
  loads = 0;
  /** The weights files (`weights "FILE.npz"`) the same documents read. */
  readonly weights = new WeightsFileCache();

  constructor(
    private readonly limits: DataFileCacheLimits = DEFAULT_LIMITS,
    private readonly maxBytes = MAX_CSV_BYTES,
  ) {}

  /**
   * The answer for `relPath` as written in the .nnet file `nnetFile`, reading only inside `root`: from the cache
   * when the file's stamp is unchanged, else read again. `maxBytes` caps the file's size (default: the cache's cap).
   */
  async answer(nnetFile: string, relPath: string, root?: string, maxBytes = this.maxBytes): Promise<DataFileAnswer> {
    // The size is checked on every answer, cached or not: a lower cap (a settings change) refuses a held file too.
    const loc = await locateDataFile(nnetFile, relPath, root, maxBytes);
    if ('error' in loc) return loc;
    let e = this.entries.get(loc.real);
    if (!e || !sameStamp(e.stamp, loc.stamp)) {
      this.reads++;
      const read = await readTextFileAsync(loc.real, maxBytes, relPath);
      if ('error' in read) {
        this.entries.delete(loc.real);
        return read;
      }
      e = { stamp: read.stamp, text: read.text, datasets: new Map(), loading: new Map() };
    }
    // (Re)insert at the end: the Map's order is the LRU order.
    this.entries.delete(loc.real);
    this.entries.set(loc.real, e);
    this.evict();
    return this.answerOf(e, relPath);
  }

  /** Files held, least recently used first. */
  get files(): readonly string[] {
    return [...this.entries.keys()];
  }

  private answerOf(e: Entry, relPath: string): DataFileAnswer {
    const load = (options: CsvOptions): CsvDataset => {
      const key = JSON.stringify([relPath, options.inputs, options.targets, options.onehot, options.standardize]);
      const ds = e.datasets.get(key);
      if (ds) {
        e.datasets.delete(key);
        e.datasets.set(key, ds);
        return ds;
      }
      // Not loaded yet: load in steps, pausing between them, so a 16 MB file never holds the thread for long.
      let ready = e.loading.get(key);
      if (!ready) {
        this.loads++;
        ready = (async () => {
          const steps = loadCsvSteps(e.text, options, relPath);
          for (let s = steps.next(); ; s = steps.next()) {
            if (s.done) {
              if (e.datasets.size >= this.limits.datasetsPerFile) e.datasets.delete(e.datasets.keys().next().value!);
              e.datasets.set(key, s.value);
              break;
            }
            await pause();
          }
          e.loading.delete(key);
        })();
        e.loading.set(key, ready);
      }
      const loading: LoadingDataset = {
        x: [],
        y: [],
        inputColumns: [],
        targetColumns: [],
        classes: null,
        errors: [`loading '${relPath}'…`],
        ready,
      };
      return loading;
    };
    return { text: e.text, load };
  }

  private evict(): void {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.stamp.size;
    for (const [real, e] of this.entries) {
      // The newest file stays whatever its size: it is the one being used.
      if (this.entries.size <= 1 || (this.entries.size <= this.limits.files && bytes <= this.limits.bytes)) break;
      this.entries.delete(real);
      bytes -= e.stamp.size;
    }
  }
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.mtimeMs === b.mtimeMs && a.size === b.size;
}
