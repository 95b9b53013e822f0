// The editor's CSV cache: keyed by real path, checked by stamp, bounded by files and bytes, rows kept per options.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadCsv, type CsvDataset, type CsvOptions } from '../../engine/data/csv';
import { DataFileCache, stillLoading } from './dataFileCache';

const OPTS: CsvOptions = { inputs: null, targets: ['y'], onehot: false, standardize: false };

function withDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-dcache-'));
    try {
      await run(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'files are kept by stamp: unchanged → not read again; new mtime or size → read again',
  withDir(async (dir) => {
    const csv = path.join(dir, 'd.csv'),
      nnet = path.join(dir, 'n.nnet');
    fs.writeFileSync(csv, 'x,y\n1,2\n');
    const cache = new DataFileCache();
    const a = await cache.answer(nnet, 'd.csv');
    assert.ok('text' in a && a.text === 'x,y\n1,2\n');
    await cache.answer(nnet, './d.csv');
    assert.equal(cache.reads, 1, 'two spellings of one file are one entry');
    fs.writeFileSync(csv, 'x,y\n3,4\n'); // same size: only the mtime tells
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(csv, later, later);
    const b = await cache.answer(nnet, 'd.csv');
    assert.equal(cache.reads, 2);
    assert.ok('text' in b && b.text === 'x,y\n3,4\n');
    fs.rmSync(csv);
    assert.match(((await cache.answer(nnet, 'd.csv')) as { error: string }).error, /^file not found: 'd.csv'/);
  }),
);

/** The rows for `options`: the first call starts the load and answers "loading"; the rows come once it is done. */
async function loaded(load: (o: CsvOptions) => CsvDataset, options: CsvOptions): Promise<CsvDataset> {
  const first = load(options);
  const ready = stillLoading(first);
  if (!ready) return first;
  assert.match(first.errors[0], /^loading '/);
  await ready;
  const ds = load(options);
  assert.equal(stillLoading(ds), null);
  return ds;
}

test(
  'rows are loaded once per option set and the path as written; options change → loaded again',
  withDir(async (dir) => {
    fs.writeFileSync(path.join(dir, 'd.csv'), 'x,y\n1,2\n3,4\n');
    const cache = new DataFileCache();
    const nnet = path.join(dir, 'n.nnet');
    const a = await cache.answer(nnet, 'd.csv'),
      b = await cache.answer(nnet, 'd.csv');
    assert.ok('load' in a && a.load && 'load' in b && b.load);
    const ds = await loaded(a.load, OPTS);
    assert.deepEqual(ds.x, [[1], [3]]);
    assert.equal(b.load({ ...OPTS }), ds, 'same options: the same rows, at once');
    assert.equal(cache.loads, 1);
    const std = await loaded(b.load, { ...OPTS, standardize: true });
    assert.notEqual(std, ds);
    assert.deepEqual(std.x, [[-1], [1]]);
    assert.deepEqual(ds.x, [[1], [3]], 'standardising another set left these rows alone');
    const missing = await loaded(a.load, { ...OPTS, targets: ['z'] });
    assert.match(missing.errors[0], /^d\.csv has no target column 'z'/);
    assert.equal(cache.loads, 3);
  }),
);

test(
  "a large file is loaded in steps: other tasks run between them, and the rows are loadCsv's",
  withDir(async (dir) => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i},${i % 7},${(i * 0.5).toFixed(1)}`);
    const text = `a,b,y\n${rows.join('\n')}\n`;
    fs.writeFileSync(path.join(dir, 'd.csv'), text);
    const cache = new DataFileCache();
    const a = await cache.answer(path.join(dir, 'n.nnet'), 'd.csv');
    assert.ok('load' in a && a.load);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const first = a.load(OPTS);
    await stillLoading(first);
    clearInterval(timer);
    assert.ok(ticks >= 2, `a timer ran ${ticks} time(s) during the load`);
    assert.deepEqual(a.load(OPTS), loadCsv(text, OPTS, 'd.csv'));
  }),
);

test(
  'at most `files` files and `bytes` bytes are kept, least recently used dropped first',
  withDir(async (dir) => {
    const nnet = path.join(dir, 'n.nnet');
    for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, `${n}.csv`), `x,y\n${'1,2\n'.repeat(10)}`); // 44 bytes each
    const real = (n: string) => fs.realpathSync(path.join(dir, `${n}.csv`));
    const byCount = new DataFileCache({ files: 2, bytes: 1e6, datasetsPerFile: 2 });
    await byCount.answer(nnet, 'a.csv');
    await byCount.answer(nnet, 'b.csv');
    await byCount.answer(nnet, 'a.csv');
    await byCount.answer(nnet, 'c.csv');
    assert.deepEqual(byCount.files, [real('a'), real('c')]);
    const byBytes = new DataFileCache({ files: 10, bytes: 100, datasetsPerFile: 2 });
    for (const n of ['a', 'b', 'c']) await byBytes.answer(nnet, `${n}.csv`);
    assert.deepEqual(byBytes.files, [real('b'), real('c')]);
    // A file larger than the whole budget is still kept while it is the one in use.
    const tiny = new DataFileCache({ files: 10, bytes: 10, datasetsPerFile: 2 });
    await tiny.answer(nnet, 'a.csv');
    assert.deepEqual(tiny.files, [real('a')]);
    await tiny.answer(nnet, 'a.csv');
    assert.equal(tiny.reads, 1);
  }),
);

test(
  'refuses what nodeReadFile refuses, without caching the refusal',
  withDir(async (dir) => {
    const cache = new DataFileCache(undefined, 10);
    const nnet = path.join(dir, 'n.nnet');
    fs.writeFileSync(path.join(dir, 'big.csv'), 'x,y\n1,2\n3,4\n');
    assert.match(
      ((await cache.answer(nnet, 'big.csv')) as { error: string }).error,
      /^'big\.csv' is 0\.0 MB, more than the limit of/,
    );
    assert.match(
      ((await cache.answer(nnet, '../x.csv')) as { error: string }).error,
      /is outside the \.nnet file's folder/,
    );
    assert.deepEqual(cache.files, []);
    assert.equal(cache.reads, 0);
  }),
);
