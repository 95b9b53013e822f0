// `nnet doctor`: FILE:LINE:COL: warning: [rule] lines the $nnet problem matcher reads, the --json document, --steps,
// and the exit codes (0 with findings, 1 when the file has errors, 2 for bad usage).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from './cli';
import pkg from '../package.json';

const examples = path.join(__dirname, '..', 'examples');
const run = (...argv: string[]) => {
  const out: string[] = [],
    err: string[] = [];
  const code = main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out, err };
};
const matcher = new RegExp(pkg.contributes.problemMatchers[0].pattern.regexp);

test('doctor: the zero-init lesson prints its finding on the layer line, in the problem matcher format, and exits 0', () => {
  const f = path.join(examples, 'zero-init.nnet');
  const r = run('doctor', f);
  assert.equal(r.code, 0);
  assert.deepEqual(r.err, []);
  const sym = r.out.find((l) => l.includes('[symmetric-units]'));
  assert.ok(sym, r.out.join('\n'));
  const m = matcher.exec(sym);
  assert.ok(m, 'the $nnet problem matcher reads the line');
  assert.deepEqual([m[1], m[2], m[3], m[4]], [f, '7', '3', 'warning']);
  assert.match(m[5], /^\[symmetric-units\] symmetric units: 4 of the 4 units of 'h1'/);
});

test('doctor: a healthy example prints nothing', () => {
  assert.deepEqual(run('doctor', path.join(examples, 'xor.nnet')), { code: 0, out: [], err: [] });
});

test('doctor --json --steps N: one document with every field; --steps bounds the run', () => {
  const r = run('doctor', path.join(examples, 'exploding.nnet'), '--steps', '4', '--json');
  assert.equal(r.code, 0);
  assert.equal(r.out.length, 1);
  const doc = JSON.parse(r.out[0]) as { findings: Record<string, unknown>[] };
  const ex = doc.findings.find((f) => f.rule === 'exploding')!;
  assert.deepEqual(Object.keys(ex).sort(), [
    'column',
    'count',
    'evidence',
    'firstStep',
    'fixes',
    'lastStep',
    'layer',
    'line',
    'message',
    'rule',
    'severity',
  ]);
  assert.equal(ex.line, 18, '1-based, the optimizer line');
  assert.equal(ex.lastStep, 3, 'four steps: 0 … 3');
  assert.equal(ex.count, 4);
  // The gradient explodes from step 0 (the init): the clip cures it, no learning rate would.
  assert.deepEqual(ex.fixes, [
    {
      title: 'Clip the gradient norm (clip norm 1.0)',
      edits: [{ line: 18, col: 27, endCol: 27, newText: '\n  clip norm 1.0' }],
    },
  ]);
  const ev = ex.evidence as { measured: number; threshold: number; steps: number[] };
  assert.ok(ev.measured > ev.threshold);
  assert.deepEqual(ev.steps, [0, 1, 2, 3]);
});

test('doctor: a file with errors exits 1 without training; bad usage exits 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-doctor-'));
  const f = path.join(dir, 'bad.nnet');
  fs.writeFileSync(f, fs.readFileSync(path.join(examples, 'xor.nnet'), 'utf8').replace('tanh', 'tanhh'));
  const r = run('doctor', f, '--json');
  assert.equal(r.code, 1);
  assert.deepEqual(r.out, []);
  assert.match(r.err[0], /error: unknown activation/);
  assert.equal(run('doctor', path.join(examples, 'xor.nnet'), '--steps', 'x').code, 2);
  assert.equal(run('doctor').code, 2);
});
