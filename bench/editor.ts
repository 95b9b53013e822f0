// Editor latency: what the extension host does on an edit to a .nnet file, timed from the edit until its
// diagnostics are computed. VS Code cannot run here, so this drives the code under the VS Code adapter directly:
// ParseCache.parseLatest (the per-version cache, the asynchronous CSV cache with its stamp check, parse and check)
// on a document that changes version on every keystroke, the way extension/language/diagnostics.ts does after its
// debounce. Not measured: the 150 ms debounce itself and turning engine diagnostics into vscode.Diagnostic objects.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MAX_CSV_BYTES, nodeReadFile } from '../engine/data/files';
import { parseNnet } from '../engine/language/parser';
import { DataFileCache } from '../extension/language/dataFileCache';
import { ParseCache, type CsvAccess } from '../extension/language/parseCache';
import { Doc } from '../extension/language/testing';

/** Latencies of one document, in milliseconds. */
export interface EditorCase {
  readonly name: string;
  readonly lines: number;
  readonly csvBytes: number;
  readonly samples: number;
  readonly errors: number;
  /** Opening the document: the first parse, reading and loading its CSV (in steps), and the longest stall meanwhile. */
  readonly openMs: number;
  readonly openLongestStallMs: number;
  /** Edit → diagnostics computed, over `edits` keystrokes. */
  readonly editMedianMs: number;
  readonly editP95Ms: number;
  readonly editMaxMs: number;
  /** Longest the event loop was held during the edits (the editor thread's worst stall), from monitorEventLoopDelay. */
  readonly longestStallMs: number;
  /** A second feature (hover, CodeLens) asking for the same version: a cache hit. */
  readonly sameVersionMedianMs: number;
  /** CSV reads from disk during the edits (0: the stamp check found the file unchanged). */
  readonly csvReadsDuringEdits: number;
  /** The path before the cache, for comparison: parse with the synchronous reader on every edit (median). */
  readonly uncachedMedianMs: number;
}

export type EditorLatency =
  | { readonly status: 'ok'; readonly edits: number; readonly cases: readonly EditorCase[] }
  | { readonly status: 'n/a'; readonly reason: string };

/** A valid network of about `lines` lines: deep stacks of dense layers and residual blocks, then inline rows. */
export function longNetwork(lines: number): string {
  const out = ['# bench: a long .nnet file', 'network long', '  input 8', '  dense stem 16 relu init=he'];
  for (let b = 0; b < 40; b++) {
    out.push(`  # block ${b}`, '  residual r' + b);
    for (let l = 0; l < 6; l++) out.push(`    dense b${b}_${l} 16 relu init=he`);
    out.push('  end');
  }
  out.push('  dense out 1', 'loss mse', '', 'data');
  const train = ['', 'train', '  epochs 10', '  batch 32', '  optimizer adam lr=0.001', '  seed 1'];
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648).toFixed(3);
  };
  while (out.length + train.length < lines) out.push(`  ${Array.from({ length: 8 }, rnd).join(' ')} -> ${rnd()}`);
  return [...out, ...train].join('\n') + '\n';
}

/** CSV text of just under `bytes` bytes: 16 numeric inputs and a target per row, at most `maxRows` rows. */
export function bigCsv(bytes: number, maxRows = 100_000): string {
  const cols = 16,
    header = [...Array.from({ length: cols }, (_, i) => `x${i}`), 'y'].join(',') + '\n';
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return ((seed / 2147483648) * 200 - 100).toFixed(6);
  };
  const rows: string[] = [];
  let size = header.length;
  while (rows.length < maxRows) {
    const row = Array.from({ length: cols + 1 }, rnd).join(',') + '\n';
    if (size + row.length > bytes) break;
    rows.push(row);
    size += row.length;
  }
  return header + rows.join('');
}

const CSV_NET = [
  '# bench: a network trained on a 16 MB CSV',
  'network wide',
  '  input 16',
  '  dense h1 32 relu init=he',
  '  dense h2 32 relu init=he',
  '  dense out 1',
  'loss mse',
  '',
  'data csv "big.csv" target=y standardize',
  '',
  'train',
  '  epochs 5',
  '  batch 64',
  '  optimizer adam lr=0.001',
  '  validation 0.1',
  '  seed 1',
  '',
].join('\n');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function measure(
  name: string,
  dir: string,
  text: string,
  edits: number,
  log: (s: string) => void,
): Promise<EditorCase> {
  const file = path.join(dir, `${name}.nnet`);
  const access: CsvAccess = { kind: 'disk', id: 'bench', file, root: dir };
  const files = new DataFileCache();
  const cache = new ParseCache(files);
  const doc = new Doc(file, text);
  // A delay monitor records from its second tick on: start each before the stretch it watches.
  const started = () => new Promise((r) => setTimeout(r, 3));
  const openLag = monitorEventLoopDelay({ resolution: 1 });
  openLag.enable();
  await started();
  let t = performance.now();
  const first = await cache.parseLatest(doc, access);
  const openMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 5)); // let the delay monitor sample the last stretch
  openLag.disable();
  if (!first) throw new Error('the first parse was dropped as stale');
  const errors = first.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`${name}: the bench file has errors: ${errors[0].message}`);
  // Typing a comment at the end of the file, one character per keystroke: every keystroke is a new version.
  const typed = (i: number) => `${text}# typing ${'x'.repeat(i % 40)}\n`;
  for (let i = 0; i < 5; i++) {
    doc.edit(typed(i));
    await cache.parseLatest(doc, access);
  } // warm-up
  const readsBefore = files.reads;
  const times: number[] = [],
    hits: number[] = [];
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  await started();
  for (let i = 0; i < edits; i++) {
    // Each keystroke is its own event-loop task, as in the extension host (and the delay monitor gets to sample).
    await new Promise((r) => setImmediate(r));
    doc.edit(typed(i + 5));
    t = performance.now();
    const r = await cache.parseLatest(doc, access);
    times.push(performance.now() - t);
    if (!r || r.diagnostics.some((d) => d.severity === 'error'))
      throw new Error(`${name}: edit ${i} gave ${r ? 'errors' : 'no result'}`);
    t = performance.now();
    await cache.parse(doc, access);
    hits.push(performance.now() - t);
  }
  await new Promise((r) => setTimeout(r, 5));
  lag.disable();
  // Before the cache: every edit parsed with the synchronous reader, which read and split the CSV again.
  const uncached: number[] = [];
  for (let i = 0; i < Math.min(edits, 10); i++) {
    t = performance.now();
    parseNnet(typed(i), { readFile: nodeReadFile(file, dir) });
    uncached.push(performance.now() - t);
  }
  const c: EditorCase = {
    name,
    lines: text.split('\n').length - 1,
    csvBytes: text.includes('data csv') ? fs.statSync(path.join(dir, 'big.csv')).size : 0,
    samples: first.partial.samples,
    errors: errors.length,
    openMs,
    openLongestStallMs: openLag.max / 1e6,
    editMedianMs: pct(times, 0.5),
    editP95Ms: pct(times, 0.95),
    editMaxMs: Math.max(...times),
    longestStallMs: lag.max / 1e6,
    sameVersionMedianMs: pct(hits, 0.5),
    csvReadsDuringEdits: files.reads - readsBefore,
    uncachedMedianMs: pct(uncached, 0.5),
  };
  log(`  ${name}: edit → diagnostics median ${c.editMedianMs.toFixed(1)} ms, p95 ${c.editP95Ms.toFixed(1)} ms`);
  return c;
}

/** Runs both cases: a 2,000-line .nnet file and a small one that loads a 16 MB CSV. */
export async function measureEditorLatency(edits: number, log: (s: string) => void): Promise<EditorLatency> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-bench-editor-'));
  try {
    fs.writeFileSync(path.join(dir, 'big.csv'), bigCsv(MAX_CSV_BYTES - 4096));
    const cases = [
      await measure('long', dir, longNetwork(2000), edits, log),
      await measure('csv16mb', dir, CSV_NET, edits, log),
    ];
    return { status: 'ok', edits, cases };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
