// The editor's parse cache: one parse per document version, bounded, dropped on close, stale async results
// discarded, CSV files read once per stamp and their rows loaded once per option set.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DataFileCache } from './dataFileCache';
import { ParseCache, type CsvAccess } from './parseCache';
import { disk, Doc, withDir } from './testing';

const NET = 'network n\n  input 2\n  dense out 1\nloss mse\n';
const INLINE = `${NET}\ndata\n  0 0 -> 0\n  1 1 -> 1\n`;

const refused: CsvAccess = { kind: 'refused', id: 'untrusted', message: (f) => `'${f}' is not read here` };

test('a version is parsed once whoever asks; an edit parses again', async () => {
  const cache = new ParseCache(new DataFileCache());
  const doc = new Doc('a', INLINE);
  const [r1, r2] = await Promise.all([cache.parse(doc, refused), cache.parse(doc, refused)]);
  assert.equal(r1, r2);
  assert.equal(cache.parses, 1);
  assert.equal(await cache.parse(doc, refused), r1);
  assert.equal(cache.parses, 1);
  assert.ok(r1.spec);
  doc.edit(INLINE.replace('dense out 1', 'dense out 1 nope'));
  const r3 = await cache.parse(doc, refused);
  assert.equal(cache.parses, 2);
  assert.equal(r3.spec, null);
  assert.match(r3.diagnostics[0].message, /nope/);
  // Another access (the folder became trusted) is another result for the same version.
  await cache.parse(doc, { ...refused, id: 'other' });
  assert.equal(cache.parses, 3);
});

test('at most maxDocuments are kept, the least recently used dropped first; close drops one', async () => {
  const cache = new ParseCache(new DataFileCache(), 2);
  const a = new Doc('a', INLINE),
    b = new Doc('b', INLINE),
    c = new Doc('c', INLINE);
  await cache.parse(a, refused);
  await cache.parse(b, refused);
  await cache.parse(a, refused); // a is now the most recent
  await cache.parse(c, refused);
  assert.deepEqual(cache.documents, ['a', 'c']);
  assert.equal(cache.parses, 3);
  await cache.parse(b, refused);
  assert.equal(cache.parses, 4, 'b was dropped, so it is parsed again');
  cache.close('b');
  assert.deepEqual(cache.documents, ['c']);
  await cache.parse(b, refused);
  assert.equal(cache.parses, 5);
});

test('symbols and other text-only results are computed once per version', async () => {
  const cache = new ParseCache(new DataFileCache());
  const doc = new Doc('a', INLINE);
  let runs = 0;
  const count = (t: string) => {
    runs++;
    return t.length;
  };
  assert.equal(cache.derive(doc, 'len', count), INLINE.length);
  await cache.parse(doc, refused);
  assert.equal(cache.derive(doc, 'len', count), INLINE.length);
  assert.equal(runs, 1, 'kept when the parse of the same version arrived');
  doc.edit(INLINE + '\n');
  assert.equal(cache.derive(doc, 'len', count), INLINE.length + 1);
  assert.equal(runs, 2);
});

test('a refused access puts its message on the data csv line and reads nothing', async () => {
  const files = new DataFileCache();
  const cache = new ParseCache(files);
  const r = await cache.parse(new Doc('a', `${NET}data csv "d.csv"\n`), refused);
  assert.equal(files.reads, 0);
  assert.ok(r.diagnostics.some((d) => d.message === "'d.csv' is not read here" && d.range.line === 4));
});

test(
  'a CSV is read once per stamp and its rows loaded once, across edits and documents',
  withDir('nnet-pcache-', async (dir) => {
    const csv = path.join(dir, 'd.csv');
    fs.writeFileSync(csv, 'a,b,y\n0,0,0\n1,1,1\n0,1,1\n');
    const files = new DataFileCache();
    const cache = new ParseCache(files);
    const text = `${NET}data csv "d.csv" target=y\n`;
    const doc = new Doc('a', text);
    const r1 = await cache.parse(doc, disk(dir));
    assert.ok(r1.spec, JSON.stringify(r1.diagnostics));
    assert.equal(r1.partial.samples, 3);
    assert.equal(
      cache.parses,
      3,
      'the first parse meets the unread path, the second the rows still loading, the third has them',
    );
    doc.edit(text + '\n# a comment\n');
    const r2 = await cache.parse(doc, disk(dir));
    assert.equal(cache.parses, 4, 'the edit parses once: the path was resolved and the rows loaded before the parse');
    assert.equal(files.reads, 1, 'and the file is not read again');
    assert.equal(r2.spec!.data.x[0], r1.spec!.data.x[0], 'the loaded rows are shared');
    const other = new Doc('b', text);
    await cache.parse(other, disk(dir));
    assert.equal(files.reads, 1, 'another document naming the same file shares it');
    // A changed file (another size) is read again on the next parse.
    fs.writeFileSync(csv, 'a,b,y\n0,0,0\n1,1,1\n0,1,1\n1,0,1\n');
    assert.deepEqual(cache.invalidateAllData().sort(), ['a', 'b']);
    const r3 = await cache.parse(doc, disk(dir));
    assert.equal(files.reads, 2);
    assert.equal(r3.partial.samples, 4);
  }),
);

test(
  'a result that is stale when ready is dropped: edited, closed or invalidated while its CSV was read',
  withDir('nnet-pcache-', async (dir) => {
    fs.writeFileSync(path.join(dir, 'd.csv'), 'a,b,y\n0,0,0\n1,1,1\n');
    const cache = new ParseCache(new DataFileCache());
    const doc = new Doc('a', `${NET}data csv "d.csv" target=y\n`);
    // Edited while the read runs: the old version's result is dropped, the new one's kept.
    const old = cache.parseLatest(doc, disk(dir));
    doc.edit(`${NET}data csv "d.csv" target=y\n\n`);
    assert.equal(await old, null);
    const now = await cache.parseLatest(doc, disk(dir));
    assert.ok(now?.spec);
    // Edited after the parse was asked for but before anyone asked for the new version: still stale.
    doc.edit(`${NET}data csv "d.csv" target=b\n`);
    const pending = cache.parseLatest(doc, disk(dir));
    doc.edit(`${NET}data csv "d.csv" target=y\n`);
    assert.equal(await pending, null);
    // Closed while reading.
    const closing = cache.parseLatest(new Doc('c', `${NET}data csv "d.csv" target=y\n`), disk(dir));
    cache.close('c');
    assert.equal(await closing, null);
    // The file changed while reading.
    doc.edit(`${NET}data csv "d.csv" target=a\n`);
    const reading = cache.parseLatest(doc, disk(dir));
    cache.invalidateAllData();
    assert.equal(await reading, null);
    assert.ok((await cache.parseLatest(doc, disk(dir)))?.spec);
  }),
);

test(
  'a parse still reading its CSV is not evicted: whoever waits gets its result',
  withDir('nnet-pcache-', async (dir) => {
    fs.writeFileSync(path.join(dir, 'd.csv'), 'a,b,y\n0,0,0\n1,1,1\n');
    const cache = new ParseCache(new DataFileCache(), 1);
    const reading = cache.parseLatest(new Doc('a', `${NET}data csv "d.csv" target=y\n`), disk(dir));
    await cache.parse(new Doc('b', INLINE), refused);
    assert.ok((await reading)?.spec);
  }),
);
