// The editor reads `weights "FILE.npz"` without blocking: numpy-written files read once per stamp, their arrays
// checked on every parse, an edit that keeps the line parses once, a changed file is read again, refused access says so.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pythonForTests, runPython } from '../../test/python';
import { DataFileCache } from './dataFileCache';
import { ParseCache, parseWithDataFiles, type CsvAccess } from './parseCache';
import { disk, Doc, withDir } from './testing';

const py = pythonForTests();
const NET = (epochs: number, file = 'w.npz') =>
  `network n\n  input 2\n  dense h 3 tanh\n  dense out 1\nloss mse\ndata\n  0 1 -> 1\n  1 0 -> 0\ntrain\n  epochs ${epochs}\n  weights "${file}"\n`;
const WRITE = (scale: number) =>
  `import numpy as np\nnp.savez_compressed('w.npz', **{'h.W': np.ones((3, 2)) * ${scale}, 'h.b': np.zeros(3), 'out.W': np.ones((1, 3)), 'out.b': np.zeros(1, dtype=np.float32)})\n`;

test(
  'a weights file is read once, asynchronously; edits reuse it; a changed file is read again',
  { skip: py.skip },
  withDir('nnet-wcache-', async (dir) => {
    runPython(py.python, WRITE(0.5), dir);
    const files = new DataFileCache();
    const cache = new ParseCache(files);
    const doc = new Doc('n', NET(1));
    const first = await cache.parse(doc, disk(dir));
    assert.deepEqual(first.diagnostics, []);
    assert.deepEqual([...first.spec!.weights!.tensors[0].values], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    assert.equal(cache.parses, 2); // the first parse met an unread path
    doc.edit(NET(2));
    assert.equal((await cache.parse(doc, disk(dir))).spec!.train.epochs, 2);
    assert.equal(cache.parses, 3); // the path was known: one parse
    assert.equal(files.weights.reads, 1);
    runPython(py.python, WRITE(0.25), dir);
    fs.utimesSync(path.join(dir, 'w.npz'), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(cache.invalidateAllData(), ['n']);
    const again = await cache.parse(doc, disk(dir));
    assert.equal(again.spec!.weights!.tensors[0].values[0], 0.25);
    assert.equal(files.weights.reads, 2);
  }),
);

test(
  'problems with the file are errors on the weights line; refused access says why',
  { skip: py.skip },
  withDir('nnet-wcache-', async (dir) => {
    runPython(py.python, WRITE(1), dir);
    fs.writeFileSync(path.join(dir, 'cut.npz'), fs.readFileSync(path.join(dir, 'w.npz')).subarray(0, 100));
    const files = new DataFileCache();
    const at = (r: Awaited<ReturnType<typeof parseWithDataFiles>>) =>
      r.result.diagnostics.map((d) => `${d.range.line}:${d.range.col} ${d.message}`);
    assert.deepEqual(at(await parseWithDataFiles(NET(1, 'cut.npz'), disk(dir), files)), [
      "10:10 'cut.npz' is not a complete .npz (zip) file: no end of its directory was found (truncated, or not a zip)",
    ]);
    assert.deepEqual(at(await parseWithDataFiles(NET(1, 'none.npz'), disk(dir), files)), [
      `10:10 file not found: 'none.npz' (looked in ${dir})`,
    ]);
    const refused: CsvAccess = { kind: 'refused', id: 'untrusted', message: (f) => `'${f}' is not read here` };
    assert.deepEqual(at(await parseWithDataFiles(NET(1), refused, files)), ["10:10 'w.npz' is not read here"]);
  }),
);
