// The doctor's Quick Fixes per lesson: apply the first fix of the lesson's finding to the example's text, train it
// again, and the finding is gone; every fix of every example leaves a file that parses and checks clean.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import { fixesFor } from './fixes';
import { diagnoseRun } from './run';
import type { Finding, Fix, RuleId, TextEdit } from './types';

const DIR = path.join(__dirname, '..', '..', 'examples');

/** `text` with `edits` applied (bottom-up, so earlier positions stay valid). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  for (const e of [...edits].sort((a, b) => b.line - a.line || b.col - a.col)) {
    const l = lines[e.line];
    lines[e.line] = l.slice(0, e.col) + e.newText + l.slice(e.endCol);
  }
  return lines.join('\n');
}

function run(file: string, text: string): Finding[] {
  const full = path.join(DIR, file);
  const { spec, diagnostics } = parseNnet(text, { readFile: nodeReadFile(full, DIR) });
  assert.ok(spec, `${file} parses: ${diagnostics.map((d) => d.message).join('; ')}`);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return diagnoseRun(spec, { source: text }).findings;
}

/** Per lesson: the finding its lesson predicts, and the title its first fix must have. */
const LESSONS: readonly (readonly [string, RuleId, RegExp])[] = [
  ['deep-sigmoid.nnet', 'vanishing', /relu with He init/],
  ['dying-relu.nnet', 'dead-relu', /bias_init=zeros/],
  ['zero-init.nnet', 'symmetric-units', /init=xavier/],
  ['exploding.nnet', 'exploding', /clip norm 1\.0/],
];

for (const [file, rule, title] of LESSONS)
  test(`${file}: the first fix of ${rule} makes it go away`, () => {
    const text = readFileSync(path.join(DIR, file), 'utf8');
    const f = run(file, text).find((x) => x.rule === rule);
    assert.ok(f, `${file} has a ${rule} finding`);
    assert.ok(f.fixes.length > 0, `${rule} offers a fix`);
    const first: Fix = f.fixes[0];
    assert.match(first.title, title);
    const fixed = applyEdits(text, first.edits);
    assert.notEqual(fixed, text);
    const after = run(file, fixed).filter((x) => x.rule === rule);
    assert.deepEqual(after, [], `after '${first.title}':\n${fixed}`);
  });

test('every fix of every example leaves a file that parses and checks clean', () => {
  let fixes = 0;
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.nnet'))) {
    const full = path.join(DIR, file);
    const text = readFileSync(full, 'utf8');
    for (const f of run(file, text))
      for (const x of f.fixes) {
        fixes++;
        const { spec, diagnostics } = parseNnet(applyEdits(text, x.edits), { readFile: nodeReadFile(full, DIR) });
        assert.ok(spec, `${file}: '${x.title}'`);
        assert.deepEqual(diagnostics, [], `${file}: '${x.title}'`);
      }
  }
  assert.ok(fixes >= 8, `${fixes} fixes offered`);
});

test('unchanged weights on a deep sigmoid layer get the ReLU fix; a NaN gets clip and lr', () => {
  const text = readFileSync(path.join(DIR, 'deep-sigmoid.nnet'), 'utf8');
  const u = run('deep-sigmoid.nnet', text).find((x) => x.rule === 'unchanged-weights')!;
  assert.deepEqual(
    u.fixes.map((x) => x.title),
    ['Switch the sigmoid/tanh hidden layers to relu with He init'],
  );
  const nan = applyEdits(readFileSync(path.join(DIR, 'exploding.nnet'), 'utf8'), [
    { line: 17, col: 2, endCol: 26, newText: 'optimizer sgd lr=0.0001' },
  ]);
  const f = run('exploding.nnet', nan).find((x) => x.rule === 'nan');
  assert.ok(f, 'lr 0.0001 ends in NaN (the lesson)');
  assert.deepEqual(
    f.fixes.map((x) => x.title),
    ['Clip the gradient norm (clip norm 1.0)', 'Lower the learning rate ×0.1 (lr=0.00001)'],
  );
  assert.deepEqual(
    run('exploding.nnet', applyEdits(nan, f.fixes[0].edits)).filter((x) => x.rule === 'nan'),
    [],
  );
});

test('the learning-rate and clip fixes edit the train block', () => {
  const text = readFileSync(path.join(DIR, 'exploding.nnet'), 'utf8');
  const f = run('exploding.nnet', text).find((x) => x.rule === 'exploding')!;
  const fixed = f.fixes.map((x) => applyEdits(text, x.edits));
  assert.match(fixed[0], /optimizer sgd lr=0\.00003\n {2}clip norm 1\.0\n/);
  assert.match(fixed[1], /optimizer sgd lr=0\.000003\n/);
});

test('fixesFor: AdamW for Adam + L2, a tighter existing clip, He for a zero-init ReLU layer; comments stay', () => {
  const text = `network t
  input 2
  dense h 8 relu init=zeros   # the trap
  dense out 1 sigmoid
loss bce

data generate xor n=64 seed=1

train
  optimizer adam lr=0.01 weight_decay=0.001
  clip norm 5
`;
  const { spec } = parseNnet(text);
  assert.ok(spec);
  const lines = text.split('\n');
  const draft = (rule: RuleId, line: number, measured = 1, threshold = 0) => ({
    rule,
    severity: 'warning' as const,
    layer: null,
    node: -1,
    line,
    column: 2,
    firstStep: 0,
    lastStep: 0,
    count: 1,
    evidence: { measured, threshold, steps: [0] },
    message: '',
  });
  const apply = (rule: RuleId, line: number) =>
    fixesFor(draft(rule, line), spec, lines).map((f) => applyEdits(text, f.edits));
  assert.match(apply('overfitting', 9)[0], /\n {2}optimizer adamw lr=0\.01 weight_decay=0\.001\n/);
  assert.match(apply('exploding', 10)[0], /\n {2}clip norm 0\.5\n/);
  assert.match(apply('exploding', 10)[1], /\n {2}optimizer adam lr=0\.001 weight_decay=0\.001\n/);
  assert.match(apply('symmetric-units', 2)[0], /\n {2}dense h 8 relu init=he {3}# the trap\n/);
  assert.deepEqual(fixesFor(draft('update-ratio', 9, 1e-6, 1e-4), spec, lines), [], 'too small: no lr fix');
  assert.deepEqual(fixesFor(draft('exploding', 10), spec, undefined), [], 'no source, nothing to edit');
  for (const rule of ['overfitting', 'exploding', 'symmetric-units'] as const)
    for (const out of apply(rule, rule === 'symmetric-units' ? 2 : rule === 'overfitting' ? 9 : 10))
      assert.deepEqual(parseNnet(out).diagnostics, [], out);
});
