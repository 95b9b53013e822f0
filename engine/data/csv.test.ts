// CSV loading: quoting, column choice, one-hot labels, standardisation, and messages that name the CSV line.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCsv, splitCsv, standardizeColumns, type CsvOptions } from './csv';

const opts: CsvOptions = { inputs: null, targets: null, onehot: false, standardize: false };

test('splitCsv: quotes, escaped quotes, CRLF, blank lines and the line each record starts on', () => {
  const r = splitCsv('a,"b, c","say ""hi"""\r\n\r\n 1 , 2,3\n"multi\nline",x,y');
  assert.deepEqual(
    r.map((x) => [x.line, x.fields]),
    [
      [1, ['a', 'b, c', 'say "hi"']],
      [3, ['1', '2', '3']],
      [4, ['multi\nline', 'x', 'y']],
    ],
  );
});

test('defaults: every column but the last is an input, the last is the target', () => {
  const d = loadCsv('x,y,t\n1,2,3\n4,5,6\n', opts, 'f.csv');
  assert.deepEqual(
    [d.errors, d.x, d.y, d.inputColumns, d.targetColumns],
    [
      [],
      [
        [1, 2],
        [4, 5],
      ],
      [[3], [6]],
      ['x', 'y'],
      ['t'],
    ],
  );
});

test('named inputs and targets, in the order given; a byte-order mark is ignored', () => {
  const d = loadCsv('\ufeffa,b,c,d\n1,2,3,4\n', { ...opts, inputs: ['c', 'a'], targets: ['d', 'b'] }, 'f.csv');
  assert.deepEqual([d.x, d.y], [[[3, 1]], [[4, 2]]]);
});

test('onehot: labels sorted (numerically when numeric), one column per class', () => {
  const d = loadCsv('x,label\n1,setosa\n2,virginica\n3,setosa\n4,versicolor\n', { ...opts, onehot: true }, 'f.csv');
  assert.deepEqual(d.classes, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(d.y, [
    [1, 0, 0],
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
  ]);
  assert.deepEqual(loadCsv('x,c\n1,10\n2,9\n', { ...opts, onehot: true }, 'f.csv').classes, ['9', '10']);
});

test('standardize: each input column gets mean 0 and standard deviation 1; a constant column is only centred', () => {
  const x = [
    [1, 5],
    [3, 5],
  ];
  standardizeColumns(x);
  assert.deepEqual(x, [
    [-1, 0],
    [1, 0],
  ]);
  const d = loadCsv('a,t\n0,1\n10,2\n', { ...opts, standardize: true }, 'f.csv');
  assert.deepEqual(
    [d.x, d.y],
    [
      [[-1], [1]],
      [[1], [2]],
    ],
    'targets are left alone',
  );
});

test('errors name the file, the CSV line and the column', () => {
  const bad = (text: string, o = opts) => loadCsv(text, o, 'f.csv').errors;
  assert.deepEqual(bad(''), ['f.csv is empty; it needs a header row naming the columns']);
  assert.deepEqual(bad('a,b\n'), ['f.csv has a header but no data rows']);
  assert.deepEqual(bad('a,b\n1,2\n3\n'), ['f.csv:3: 1 field(s), but the header has 2']);
  assert.deepEqual(bad('a,b\n1,x\n'), [
    "f.csv:2: column 'b' is 'x', not a finite number (add 'onehot' if it is a class label)",
  ]);
  assert.deepEqual(bad('a,b\nNaN,1\n'), ["f.csv:2: column 'a' is 'NaN', not a finite number"]);
  assert.deepEqual(bad('a,b\n,1\n'), ["f.csv:2: column 'a' is empty"]);
  assert.deepEqual(bad('a,b\n1,-1e39\n'), [
    "f.csv:2: column 'b' is '-1e39', beyond the float32 range of samples (|x| ≤ 3.4e38)",
  ]);
  assert.deepEqual(bad('a,b\n3.4e38,1\n'), [], 'the largest float32 values are samples like any other');
  assert.match(
    bad('a,b\n1,2\n', { ...opts, targets: ['z'] })[0],
    /^f\.csv has no target column 'z'; its columns are 'a', 'b'/,
  );
  assert.match(
    bad('a,b\n1,2\n', { ...opts, inputs: ['a', 'b'], targets: ['b'] })[0],
    /column 'b' cannot be both an input and a target/,
  );
  assert.match(bad('a\n1\n')[0], /no input columns are left/);
  assert.match(
    bad('a,b,c\n1,2,3\n', { ...opts, targets: ['b', 'c'], onehot: true })[0],
    /onehot needs exactly one target column/,
  );
  assert.equal(bad('a,b\n' + 'x,1\n'.repeat(50)).length, 5, 'at most five errors per file');
});
