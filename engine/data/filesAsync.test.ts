// The asynchronous CSV reader says exactly what the synchronous one says, for every way a path can go wrong.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile, readTextFile } from './files';
import { locateDataFile, readTextFileAsync } from './filesAsync';

/** The async resolver's answer in the sync one's shape: the text, or the error. */
async function readAsync(nnet: string, rel: string, root?: string): Promise<{ text: string } | { error: string }> {
  const loc = await locateDataFile(nnet, rel, root);
  if ('error' in loc) return loc;
  const r = await readTextFileAsync(loc.real, 16 * 1048576, rel);
  return 'error' in r ? r : { text: r.text };
}

test('locateDataFile and readTextFileAsync answer as nodeReadFile does, inside and outside the root', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-afiles-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-aoutside-'));
  try {
    fs.mkdirSync(path.join(root, 'nets'));
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, 'data', 'a.csv'), 'x,y\n1,2\n');
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'x,y\n1,2\n');
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'data', 'link.csv'));
    if (process.platform !== 'win32') execFileSync('mkfifo', [path.join(root, 'data', 'pipe.csv')]);
    const nnet = path.join(root, 'nets', 'n.nnet');
    const cases: [string, string | undefined][] = [
      ['../data/a.csv', root],
      ['../../x.csv', root],
      ['../data/link.csv', root],
      ['../data/none.csv', root],
      ['../data', root],
      ['../data/a.csv', undefined],
      ...(process.platform !== 'win32' ? [['../data/pipe.csv', root] as [string, string]] : []),
    ];
    for (const [rel, r] of cases)
      assert.deepEqual(await readAsync(nnet, rel, r), nodeReadFile(nnet, r)(rel), `${rel} within ${r ?? 'its folder'}`);
    assert.deepEqual(await readAsync(nnet, '../data/a.csv', root), { text: 'x,y\n1,2\n' });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test(
  'readTextFileAsync refuses pipes, devices, folders and large files as readTextFile does, and stamps what it reads',
  { skip: process.platform === 'win32' && 'no mkfifo' },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-aread-'));
    try {
      const fifo = path.join(dir, 'pipe.csv');
      execFileSync('mkfifo', [fifo]);
      fs.writeFileSync(path.join(dir, 'big.csv'), Buffer.alloc(3 * 1048576, 32));
      const cases: [string, number, string][] = [
        [fifo, 1000, 'pipe.csv'],
        ['/dev/zero', 1000, '/dev/zero'],
        [dir, 1000, 'd'],
        [path.join(dir, 'big.csv'), 2 * 1048576, 'big.csv'],
        [path.join(dir, 'none'), 10, 'none'],
      ];
      for (const [file, max, name] of cases)
        assert.deepEqual(await readTextFileAsync(file, max, name), readTextFile(file, max, name), name);
      fs.writeFileSync(path.join(dir, 'ok.csv'), 'x,y\n1,2\n');
      const ok = await readTextFileAsync(path.join(dir, 'ok.csv'), 1000);
      assert.ok('text' in ok);
      assert.equal(ok.text, 'x,y\n1,2\n');
      assert.deepEqual(ok.stamp, { mtimeMs: fs.statSync(path.join(dir, 'ok.csv')).mtimeMs, size: 8 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
