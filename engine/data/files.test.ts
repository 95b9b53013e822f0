// The node file reader: paths relative to the .nnet file, nothing outside the root (symlinks included), clear errors.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile, readTextFile } from './files';

test('reads inside the root, refuses outside it, and says why', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-files-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-outside-'));
  try {
    fs.mkdirSync(path.join(root, 'nets'));
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, 'data', 'a.csv'), 'x,y\n1,2\n');
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'x,y\n1,2\n');
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'data', 'link.csv'));
    const nnet = path.join(root, 'nets', 'n.nnet');
    const wide = nodeReadFile(nnet, root);
    assert.deepEqual(wide('../data/a.csv'), { text: 'x,y\n1,2\n' });
    assert.match((wide('../../x.csv') as { error: string }).error, /is outside the workspace folder/);
    assert.match((wide('../data/link.csv') as { error: string }).error, /links to a file outside/);
    // Where it looked: the folder the path leads to, from the .nnet file's.
    assert.deepEqual(wide('../data/none.csv'), {
      error: `file not found: '../data/none.csv' (looked in ${path.join(root, 'data')})`,
    });
    assert.match((wide('../data') as { error: string }).error, /is not a file/);
    const narrow = nodeReadFile(nnet);
    assert.match((narrow('../data/a.csv') as { error: string }).error, /is outside the \.nnet file's folder/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test(
  'readTextFile refuses pipes, devices, folders and large files without blocking',
  { skip: process.platform === 'win32' && 'no mkfifo' },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-read-'));
    try {
      const fifo = path.join(dir, 'pipe.csv');
      execFileSync('mkfifo', [fifo]);
      // Before the fix a plain readFileSync waited for a writer forever; this call must return at once.
      assert.deepEqual(readTextFile(fifo, 1000, 'pipe.csv'), { error: "'pipe.csv' is not a file: it is a pipe" });
      assert.deepEqual(readTextFile('/dev/zero', 1000), { error: "'/dev/zero' is not a file: it is a device" });
      assert.deepEqual(readTextFile(dir, 1000, 'd'), { error: "'d' is not a file: it is a folder" });
      fs.writeFileSync(path.join(dir, 'big.nnet'), Buffer.alloc(3 * 1048576, 32));
      assert.deepEqual(readTextFile(path.join(dir, 'big.nnet'), 2 * 1048576, 'big.nnet'), {
        error: "'big.nnet' is 3.0 MB, more than the limit of 2 MB",
      });
      assert.deepEqual(readTextFile(path.join(dir, 'none'), 10, 'none'), {
        error: "cannot read 'none': file not found",
      });
      fs.writeFileSync(path.join(dir, 'ok.csv'), 'x,y\n1,2\n');
      assert.deepEqual(readTextFile(path.join(dir, 'ok.csv'), 1000), { text: 'x,y\n1,2\n' });
      // The CSV resolver goes through the same check.
      assert.deepEqual(nodeReadFile(path.join(dir, 'n.nnet'))('pipe.csv'), {
        error: "'pipe.csv' is not a file: it is a pipe",
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
