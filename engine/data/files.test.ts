// The node file reader: paths relative to the .nnet file, nothing outside the root (symlinks included), clear errors.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from './files';

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
    assert.match((wide('../data/none.csv') as { error: string }).error, /^file not found: '..\/data\/none.csv'/);
    assert.match((wide('../data') as { error: string }).error, /is not a file/);
    const narrow = nodeReadFile(nnet);
    assert.match((narrow('../data/a.csv') as { error: string }).error, /is outside the \.nnet file's folder/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
