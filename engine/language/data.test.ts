// The data section: CSV through a caller-supplied reader (path errors on the path's exact range), generators, and
// loaded rows whose problems are reported once on the data line rather than once per sample.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDataPath } from './data';
import { parseNnet } from './parser';

const files: Record<string, string> = {
  'pts.csv': 'x1,x2,label\n0,0,no\n0,1,yes\n1,0,yes\n1,1,no\n',
  'r.csv': 'x,y\n1,2\n2,4\n',
};
const readFile = (p: string) => (p in files ? { text: files[p] } : { error: `file not found: '${p}'` });
const net = (data: string, out = 'dense out 2 softmax', loss = 'cross_entropy') =>
  `network n\n  input 2\n  dense h 4 tanh\n  ${out}\nloss ${loss}\n${data}\n`;
const diags = (text: string, rf: typeof readFile | null = readFile) =>
  parseNnet(text, rf ? { readFile: rf } : {}).diagnostics.map((d) => [
    d.range.line,
    d.range.col,
    d.range.endCol,
    d.message,
  ]);

test('data csv: named columns, one-hot labels and standardised inputs reach the spec', () => {
  const r = parseNnet(net('data csv "pts.csv" inputs=x1,x2 target=label onehot standardize'), { readFile });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.spec!.data.x, [
    [-1, -1],
    [-1, 1],
    [1, -1],
    [1, 1],
  ]);
  assert.deepEqual(r.spec!.data.y, [
    [1, 0],
    [0, 1],
    [0, 1],
    [1, 0],
  ]);
  assert.deepEqual(r.spec!.data.source, {
    kind: 'csv',
    path: 'pts.csv',
    inputs: ['x1', 'x2'],
    targets: ['label'],
    classes: ['no', 'yes'],
    standardize: true,
  });
});

test('data csv: every path problem is on the path token', () => {
  //                 0123456789
  assert.deepEqual(diags(net('data csv "nope.csv"')), [[5, 9, 19, "file not found: 'nope.csv'"]]);
  assert.deepEqual(diags(net('data csv "/etc/passwd.csv"')), [
    [5, 9, 26, `'/etc/passwd.csv' must be a path relative to the .nnet file, e.g. "data/points.csv"`],
  ]);
  assert.deepEqual(diags(net('data csv "notes.txt"')), [[5, 9, 20, "only .csv files can be read, not 'notes.txt'"]]);
  assert.deepEqual(diags(net('data csv "pts.csv')), [[5, 9, 17, 'unterminated string: add the closing "']]);
  assert.deepEqual(diags(net('data csv "pts.csv"'), null), [
    [5, 9, 18, "cannot read 'pts.csv' here: no file reader was supplied to the parser"],
  ]);
  assert.deepEqual(
    diags(net('data csv "pts.csv" target=label')).length,
    4,
    'non-numeric labels without onehot: one error per bad line',
  );
  assert.deepEqual(diags(net('data csv "pts.csv" colour=red onehot')), [
    [5, 19, 29, "unknown csv option 'colour=red'; expected inputs=…, target=…, onehot, standardize"],
  ]);
  assert.deepEqual(diags(net('data csv')), [
    [5, 0, 8, `expected the file after 'data csv', e.g. data csv "points.csv" target=label`],
  ]);
});

test('data csv: a width mismatch is reported once, on the path, naming the file', () => {
  assert.deepEqual(diags(net('data csv "r.csv"', 'dense out 1', 'mse')), [
    [5, 9, 16, "'r.csv' has 1 input value(s) but the network's input is 2 wide"],
  ]);
  assert.deepEqual(diags(net('data csv "pts.csv" onehot\n  0 1 -> 1')), [
    [6, 2, 10, "rows cannot follow 'data csv': the samples come from the file"],
  ]);
});

test('checkDataPath refuses absolute paths, drive letters, URLs, backslashes and non-CSV files', () => {
  for (const p of [
    '/a.csv',
    'C:/a.csv',
    'c:a.csv',
    'file:///a.csv',
    'https://x/a.csv',
    '\\\\server\\a.csv',
    'a\\b.csv',
    'a.json',
    '',
  ])
    assert.ok(checkDataPath(p), p);
  for (const p of ['a.csv', 'data/a.CSV', '../shared/a.csv', 'my data.csv']) assert.equal(checkDataPath(p), null, p);
});

test('data generate: every dataset, parameters checked, labels one-hot for softmax', () => {
  const r = parseNnet(net('data generate spiral n=90 classes=3 noise=0.1 seed=4', 'dense out 3 softmax'));
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.spec!.data.x.length, 90);
  assert.deepEqual(r.spec!.data.y[2], [0, 0, 1]);
  assert.deepEqual(r.spec!.data.source, {
    kind: 'generate',
    name: 'spiral',
    params: { n: 90, classes: 3, noise: 0.1, seed: 4 },
  });
  for (const g of ['xor', 'circles', 'moons'])
    assert.deepEqual(diags(net(`data generate ${g}`, 'dense out 1 sigmoid', 'bce')), [], g);
  assert.deepEqual(diags(net('data generate blobs classes=4', 'dense out 4 softmax')), []);
  assert.deepEqual(diags(`network n\n  input 1\n  dense out 1\nloss mse\ndata generate sine n=20 noise=0\n`), []);
});

test('data generate: unknown names and bad parameters are precise; a class-count mismatch is one error', () => {
  assert.deepEqual(diags(net('data generate galaxy')), [
    [5, 14, 20, "expected a dataset after 'data generate': xor, spiral, circles, moons, blobs, sine"],
  ]);
  assert.deepEqual(diags(net('data generate toString')).length, 1);
  assert.deepEqual(diags(net('data generate moons n=0', 'dense out 1 sigmoid', 'bce')), [
    [5, 20, 23, "invalid value for n: '0'; expected an integer (≥ 1, ≤ 100000)"],
  ]);
  assert.deepEqual(
    diags(net('data generate moons classes=3', 'dense out 1 sigmoid', 'bce')).map((d) => d[3]),
    ["unknown moons dataset parameter 'classes'; expected n=…, noise=…, seed=…"],
  );
  assert.deepEqual(diags(net('data generate spiral classes=3')), [
    [5, 14, 20, 'the spiral dataset: class label 2 is not an integer from 0 to 1'],
  ]);
  assert.deepEqual(diags(net('data magic')), [
    [5, 5, 10, "expected 'data' alone (rows follow), 'data csv \"FILE.csv\" …' or 'data generate NAME …', not 'magic'"],
  ]);
});

test('quoted text keeps spaces and # inside one token; a comment after it still works', () => {
  files['my data.csv'] = 'a,b,t\n1,2,0\n';
  const r = parseNnet(net('data csv "my data.csv" target=t # the file', 'dense out 1', 'mse'), { readFile });
  assert.deepEqual(r.diagnostics, []);
});
