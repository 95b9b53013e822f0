// The `nnet` CLI contract: check's FILE:LINE:COL format and exit codes, train's JSON lines, inspect's document.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from './cli';

const xor = path.join(__dirname, '..', 'examples', 'xor.nnet');
const run = (...argv: string[]) => {
  const out: string[] = [], err: string[] = [];
  const code = main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
};
const temp = (text: string) => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-cli-')), 'net.nnet');
  fs.writeFileSync(f, text);
  return f;
};

test('check: a clean file exits 0 and prints nothing', () => {
  assert.deepEqual(run('check', xor), { code: 0, out: [], err: [] });
});

test('check: errors print FILE:LINE:COL: error: message and exit 1', () => {
  const f = temp(fs.readFileSync(xor, 'utf8').replace('dense h1 4 tanh', 'dense h1 4 tanhh'));
  const r = run('check', f);
  assert.equal(r.code, 1);
  assert.deepEqual(r.err, [`${f}:4:14: error: unknown activation 'tanhh'; expected one of identity, relu, leaky_relu, sigmoid, tanh, gelu, softmax`]);
});

test('check: warnings alone exit 0', () => {
  const f = temp(fs.readFileSync(xor, 'utf8').replace('batch 4', 'batch 64'));
  const r = run('check', f);
  assert.equal(r.code, 0);
  assert.match(r.out[0], /:16:3: warning: batch 64 is larger than the 4 training samples/);
});

test('check: a missing file is a clear error', () => {
  const r = run('check', '/nonexistent/x.nnet');
  assert.equal(r.code, 2);
  assert.match(r.err[0], /cannot read: ENOENT/);
});

test('train --json prints one object per epoch, ending at the last epoch', () => {
  const r = run('train', xor, '--json');
  assert.equal(r.code, 0);
  assert.equal(r.out.length, 2000);
  const last = JSON.parse(r.out.at(-1)!);
  assert.equal(last.epoch, 2000);
  assert.ok(last.loss < 0.01);
});

test('train prints progress and a per-layer gradient table', () => {
  const r = run('train', xor);
  assert.equal(r.code, 0);
  const table = r.out.join('\n');
  assert.match(table, /layer\s+mean\|grad\|\s+max\|grad\|/);
  assert.match(table, /^h1\s+\S+\s+\S+\s+\S+$/m);
  assert.match(table, /^out\s+\S+\s+\S+\s+\S+$/m);
});

test('inspect --steps N --json is deterministic and states shapes', () => {
  const a = run('inspect', xor, '--steps', '5', '--json'), b = run('inspect', xor, '--steps', '5', '--json');
  assert.equal(a.code, 0);
  assert.equal(a.out[0], b.out[0]);
  const doc = JSON.parse(a.out[0]);
  assert.equal(doc.steps, 5);
  assert.deepEqual(doc.layers.map((l: { name: string }) => l.name), ['h1', 'out']);
  const h1 = doc.layers[0];
  assert.deepEqual(h1.shapes.W, [4, 2]);
  assert.equal(h1.W.length, 4);
  assert.equal(h1.W[0].length, 2);
  assert.equal(h1.delta.length, 4);
  assert.deepEqual(doc.batch.shape.x, [4, 2]);
  // After 5 steps the weights differ from the initial ones.
  const init = JSON.parse(run('inspect', xor, '--steps', '0', '--json').out[0]);
  assert.notDeepEqual(init.layers[0].W, h1.W);
});
