// The doctor's findings as diagnostics: the range covers the statement, the message carries steps and evidence.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vanishingFinding } from '../../engine/doctor/testing';
import { diagnosticKey, doctorDiagnostic, quickFixPlan } from './doctorFindings';

const finding = vanishingFinding();

test('a finding covers its statement up to a trailing comment, and says when it held and what was measured', () => {
  const d = doctorDiagnostic(finding, '    dense h 16 sigmoid init=xavier   # ten of these');
  assert.deepEqual(
    { line: d.line, col: d.col, endCol: d.endCol, code: d.code },
    { line: 5, col: 4, endCol: 34, code: 'vanishing' },
  );
  assert.equal(
    d.message,
    "vanishing gradient: mean |∇W| of 'h_4' is 3.88e-11, below 1e-7 (steps 1–300, 300×; measured 3.88e-11, threshold 1.00e-7)",
  );
});

test('a NaN finding has no measured number; a line shorter than the column still gets a one-character range', () => {
  const d = doctorDiagnostic(
    {
      ...finding,
      rule: 'nan',
      firstStep: 6,
      lastStep: 6,
      count: 1,
      evidence: { measured: NaN, threshold: 0, steps: [6] },
    },
    '',
  );
  assert.equal(d.col, 0);
  assert.equal(d.endCol, 1);
  assert.match(d.message, /\(step 7, 1×\)$/);
});

test('Quick Fixes: every fix of each doctor diagnostic in order, the first of each preferred, none for others', () => {
  const edit = { line: 5, col: 4, endCol: 34, newText: 'dense h 16 relu init=he' };
  const relu = { title: 'relu', edits: [edit] };
  const other = { title: 'other', edits: [{ ...edit, newText: 'dense h 16 tanh' }] };
  const clip = { title: 'clip', edits: [{ line: 9, col: 20, endCol: 20, newText: '\n  clip norm 1.0' }] };
  const d = doctorDiagnostic({ ...finding, fixes: [relu, other] }, '    dense h 16 sigmoid init=xavier');
  const key = diagnosticKey(d);
  assert.equal(key, `5:4:vanishing:${d.message}`);
  const fixes = new Map([
    [key, [relu, other]],
    ['9:2:exploding:x', [clip]],
  ]);
  assert.deepEqual(quickFixPlan([null, key, '9:2:exploding:x', 'unknown'], fixes), [
    { fix: relu, diagnostics: [1], preferred: true },
    { fix: other, diagnostics: [1], preferred: false },
    { fix: clip, diagnostics: [2], preferred: true },
  ]);
  // Two findings of one line offering the same edits: one action for both.
  const fixes2 = new Map([
    ['a', [other, relu]],
    ['b', [{ ...relu, title: 'same edits' }]],
  ]);
  assert.deepEqual(quickFixPlan(['a', 'b'], fixes2), [
    { fix: other, diagnostics: [0], preferred: true },
    { fix: relu, diagnostics: [0, 1], preferred: true },
  ]);
  assert.deepEqual(quickFixPlan([null], fixes), []);
});
