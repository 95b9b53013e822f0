// Parse results per open document version, shared by diagnostics, hover, CodeLens, outline and Train: one parse
// per edit whoever asks, CSV files answered from the asynchronous DataFileCache, at most `maxDocuments` kept (least
// recently used go first), dropped on close. No vscode here: documents.ts adapts it, the bench and tests drive it.

import { LIMITS } from '../../engine/language/spec';
import { parseNnet, type ParseResult } from '../../engine/language/parser';
import type { ParseLimits } from '../../debugger/protocol';
import { stillLoading, type DataFileAnswer, type DataFileCache } from './dataFileCache';
import type { WeightsAnswer } from './weightsFileCache';

/** A document as the cache needs it: `key` identifies it (its URI), `version` grows with every edit. */
export interface SourceDocument {
  readonly key: string;
  readonly version: number;
  getText(): string;
}

/**
 * How a document's `data csv` lines are answered: read from disk next to `file`, inside `root` (a trusted file on
 * disk), or refused with a message (Restricted Mode, a virtual file system). `id` tells accesses apart: a result
 * computed under another access (say, before the folder was trusted) is not reused.
 */
export type CsvAccess =
  | { readonly kind: 'disk'; readonly id: string; readonly file: string; readonly root?: string }
  | { readonly kind: 'refused'; readonly id: string; readonly message: (relPath: string) => string };

interface Entry {
  readonly version: number;
  readonly accessId: string;
  readonly result: Promise<ParseResult>;
  settled: boolean;
  /** The CSV paths (as written) this version asked for, and its weights paths prefixed `weights:`. */
  paths: readonly string[];
  /** Other per-version results (document symbols, folding ranges), computed on first use. */
  readonly derived: Map<string, unknown>;
}

/** Parse results by document, one version each. */
export class ParseCache {
  private readonly entries = new Map<string, Entry>();
  /** Parses run so far (tests and the bench check that a cached version is not parsed again). */
  parses = 0;
  /** The CSV cap and memory budget of the settings (absent: the engine's defaults). */
  private limits: ParseLimits | undefined;

  constructor(
    private readonly files: DataFileCache,
    private readonly maxDocuments = 16,
  ) {}

  /** The parse of `doc` as it is now: cached for this version and access, else computed (reading CSVs without blocking). */
  parse(doc: SourceDocument, access: CsvAccess): Promise<ParseResult> {
    return this.entry(doc, access).result;
  }

  /**
   * Like `parse`, but null when the result is stale by the time it is ready: the document was edited again, closed,
   * or its data file changed. Diagnostics publish only what this returns.
   */
  async parseLatest(doc: SourceDocument, access: CsvAccess): Promise<ParseResult | null> {
    const e = this.entry(doc, access);
    const result = await e.result;
    return this.entries.get(doc.key) === e && doc.version === e.version ? result : null;
  }

  /** A value derived from the text alone (symbols, folding), computed once per version. */
  derive<T>(doc: SourceDocument, name: string, compute: (text: string) => T): T {
    const e = this.entries.get(doc.key);
    const derived = e && e.version === doc.version ? e.derived : this.entry(doc, null).derived;
    if (!derived.has(name)) derived.set(name, compute(doc.getText()));
    return derived.get(name) as T;
  }

  /** Forgets a document (it was closed). */
  close(key: string): void {
    this.entries.delete(key);
  }

  /**
   * Forgets every document that asked for a data file and returns their keys: a CSV changed, appeared or went on
   * disk. Their next parse checks each file's stamp, so only a file that really changed is read again.
   */
  invalidateAllData(): string[] {
    const keys = [...this.entries].filter(([, e]) => e.paths.length > 0).map(([k]) => k);
    for (const k of keys) this.entries.delete(k);
    return keys;
  }

  /**
   * Parses from now on use `limits` (the settings changed): every result is forgotten, since each was checked
   * against the old ones; returns the keys of the documents that were held, to check again.
   */
  setLimits(limits: ParseLimits): string[] {
    this.limits = limits;
    const keys = [...this.entries.keys()];
    this.entries.clear();
    return keys;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }

  /** Documents held, least recently used first. */
  get documents(): readonly string[] {
    return [...this.entries.keys()];
  }

  /** The entry for this version, made (and its parse started, unless `access` is null) if need be. */
  private entry(doc: SourceDocument, access: CsvAccess | null): Entry {
    const old = this.entries.get(doc.key);
    this.entries.delete(doc.key);
    let e = old;
    if (!e || e.version !== doc.version || (access && e.accessId !== access.id)) {
      const text = doc.getText();
      // Start from the CSV paths the previous version read: they are resolved before the parse, so the usual edit
      // parses once. A derived-only entry (access null) has no parse until one is asked for.
      const hint = old?.paths ?? [];
      const fresh: Entry = {
        version: doc.version,
        accessId: access?.id ?? '',
        settled: false,
        paths: hint,
        derived: e && e.version === doc.version ? e.derived : new Map(),
        result: access
          ? this.compute(text, access, hint).then((r) => {
              fresh.paths = r.paths;
              fresh.settled = true;
              return r.result;
            })
          : NOT_PARSED,
      };
      e = fresh;
    }
    this.entries.set(doc.key, e);
    this.evict();
    return e;
  }

  private async compute(
    text: string,
    access: CsvAccess,
    hint: readonly string[],
  ): Promise<{ result: ParseResult; paths: readonly string[] }> {
    const r = await parseWithDataFiles(text, access, this.files, hint, this.limits);
    this.parses += r.parses;
    return r;
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.maxDocuments) break;
      // A parse still running stays: whoever waits for it gets its result.
      if (e.settled || e.accessId === '') this.entries.delete(key);
    }
  }
}

/**
 * Parses `text` with its CSV files read asynchronously through `files`: the paths in `hint` (those an earlier
 * version read) are resolved first, so the usual edit parses once; a path the hint did not cover (the `data csv`
 * line was edited) is read and the text parsed again with it. A text over the size limit is not parsed.
 */
export async function parseWithDataFiles(
  text: string,
  access: CsvAccess,
  files: DataFileCache,
  hint: readonly string[] = [],
  limits?: ParseLimits,
): Promise<{ result: ParseResult; paths: readonly string[]; parses: number }> {
  if (text.length > LIMITS.maxSourceBytes) return { result: tooLarge(text.length), paths: [], parses: 0 };
  const memoryBudget = limits?.memoryBudget;
  if (access.kind === 'refused')
    return {
      result: parseNnet(text, {
        readFile: (f) => ({ error: access.message(f) }),
        readWeights: (f) => ({ error: access.message(f) }),
        memoryBudget,
      }),
      paths: [],
      parses: 1,
    };
  const answers = new Map<string, DataFileAnswer>();
  const weights = new Map<string, WeightsAnswer>();
  const resolve = (paths: Iterable<string>) =>
    Promise.all(
      [...paths].map(async (p) => {
        if (p.startsWith(WEIGHTS)) {
          const rel = p.slice(WEIGHTS.length);
          weights.set(rel, await files.weights.answer(access.file, rel, access.root));
        } else answers.set(p, await files.answer(access.file, p, access.root, limits?.maxCsvBytes));
      }),
    );
  await resolve(hint);
  // A parse that meets a path not yet read, or rows not yet loaded, is thrown away and run again once they are.
  // The text names its paths and options, so the third parse has them all; the bound guards against a parser change.
  for (let round = 1; ; round++) {
    const missing = new Set<string>(),
      loading: Promise<void>[] = [],
      used: string[] = [];
    const readFile = (p: string): DataFileAnswer => {
      used.push(p);
      const a = answers.get(p);
      if (!a) {
        missing.add(p);
        return PENDING;
      }
      if (!('text' in a) || !a.load) return a;
      const load = a.load;
      return {
        text: a.text,
        load: (o) => {
          const ds = load(o);
          const ready = stillLoading(ds);
          if (ready) loading.push(ready);
          return ds;
        },
      };
    };
    const readWeights = (p: string): WeightsAnswer => {
      used.push(WEIGHTS + p);
      const a = weights.get(p);
      if (a) return a;
      missing.add(WEIGHTS + p);
      return PENDING;
    };
    const result = parseNnet(text, { readFile, readWeights, memoryBudget });
    if ((!missing.size && !loading.length) || round === 4) return { result, paths: used, parses: round };
    await Promise.all([resolve(missing), ...loading]);
  }
}

/** How `paths` name a weights file (`weights "FILE.npz"`), apart from CSV paths. */
const WEIGHTS = 'weights:';

/** Never seen by a caller: a parse that meets it is thrown away and run again once the file is read. */
const PENDING = { error: 'reading…' } as const;
const NOT_PARSED: Promise<ParseResult> = new Promise(() => {
  /* never: entries made for `derive` only */
});

function tooLarge(chars: number): ParseResult {
  return {
    spec: null,
    omittedDiagnostics: 0,
    diagnostics: [
      {
        severity: 'error',
        range: { line: 0, col: 0, endCol: 0 },
        message: `the file has ${(chars / 1048576).toFixed(1)} million characters, more than the limit of ${LIMITS.maxSourceBytes / 1048576} MB for a .nnet file; it is not checked`,
      },
    ],
    partial: { inputSize: null, layers: [], batch: null, loss: null, samples: 0 },
  };
}
