// Display formatting: exact float32/float64 values, small tensors as values, large ones summarized, errors with a caret.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeTensor } from '../nn/tensor';
import { formatExact as formatNumber } from '../nn/tensor';
import { formatError, formatValue } from './format';
import { t32, t64 } from './testing';
import { ExprError } from './values';

test('numbers as the engine holds them: float32 values in their shortest float32 form, others in float64', () => {
  // A float32 entry widened to float64 prints 17 digits of noise; its shortest float32 form reads back exactly.
  const w = Math.fround(-0.012332265265285969);
  assert.equal(formatNumber(w), '-0.012332265');
  assert.equal(Math.fround(Number(formatNumber(w))), w);
  assert.equal(formatNumber(Math.fround(1 / 3)), '0.33333334');
  assert.equal(formatNumber(Math.fround(0.1)), '0.1');
  assert.equal(formatNumber(Math.fround(1e-8)), '1e-8');
  assert.equal(formatNumber(Math.fround(3.4e38)), '3.4e+38');
  // A float64 (a loss, a mean over a tensor) keeps its own shortest round-trip digits.
  assert.equal(formatNumber(0.6931471805599453), '0.6931471805599453');
  assert.equal(formatNumber(0.1 + 0.2), '0.30000000000000004');
  assert.equal(formatNumber(-0.05), '-0.05');
  assert.equal(formatNumber(120), '120');
  assert.equal(formatNumber(1234567), '1234567');
  assert.equal(formatNumber(123456.789), '123456.789');
  assert.equal(formatNumber(1.5e20), '150000000000000000000');
  assert.equal(formatNumber(-0), '0');
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(Infinity), 'Inf');
  assert.equal(formatNumber(-Infinity), '-Inf');
  // Every float32 round-trips through its printed form.
  const f = new Float32Array(1),
    u = new Uint32Array(f.buffer);
  for (let i = 0; i < 20000; i++) {
    u[0] = (Math.imul(i, 2654435761) >>> 0) ^ (i << 7);
    if (!Number.isFinite(f[0])) continue;
    assert.equal(Math.fround(Number(formatNumber(f[0]))), f[0], `${f[0]} printed as ${formatNumber(f[0])}`);
  }
});

test('booleans and strings (quoted on request)', () => {
  assert.equal(formatValue(true), 'true');
  assert.equal(formatValue(false), 'false');
  assert.equal(formatValue('backward'), 'backward');
  assert.equal(formatValue('back"ward', { quoteStrings: true }), '"back\\"ward"');
});

test('tensors of at most 8 entries show their values; larger ones a summary', () => {
  assert.equal(formatValue(t32([4], [0.1, -0.2, 0, 0.3])), '[0.1, -0.2, 0, 0.3]');
  assert.equal(formatValue(t32([4, 2], [1, -2, 3, -4, 0.5, 0, -1, 2])), '[[1, -2], [3, -4], [0.5, 0], [-1, 2]]');
  assert.equal(formatValue(t32([1, 1], [1 / 3])), '[[0.33333334]]');
  assert.equal(formatValue(t64([1, 1], [1 / 3])), '[[0.3333333333333333]]');
  assert.equal(formatValue(t32([3], [NaN, Infinity, -Infinity])), '[NaN, Inf, -Inf]');
  assert.equal(formatValue(t32([0], [])), '[]');
  assert.equal(formatValue(t32([0, 2], [])), '[]');
  const big = t32(
    [32, 4],
    Array.from({ length: 128 }, (_, i) => i),
  );
  assert.equal(formatValue(big), describeTensor([32, 4], big.data));
  assert.match(formatValue(big), /^Float32\[32×4\] mean 63\.5 min 0 max 127 ‖·‖ /);
  assert.match(formatValue(t64([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])), /^Float64\[3×3\] mean 5 min 1 max 9 /);
  // A view longer than its shape only shows the shape's entries.
  assert.equal(formatValue({ shape: [2], data: Float32Array.of(1, 2, 3) }), '[1, 2]');
});

test('formatError underlines the span under the expression', () => {
  assert.equal(
    formatError('norm(h1.W.grad', new ExprError("expected ')'", 14)),
    "expected ')'\n  norm(h1.W.grad\n                ^",
  );
  assert.equal(
    formatError('1 + los', new ExprError("unknown name 'los'", 4, 7)),
    "unknown name 'los'\n  1 + los\n      ^^^",
  );
  assert.equal(formatError('', new ExprError('empty expression', 0)), 'empty expression\n  \n  ^');
  assert.equal(formatError('a\nb + c', new ExprError('x', 4, 5)), 'x\n  b + c\n    ^');
  assert.equal(formatError('\nx', new ExprError('x', 0, 0)), 'x\n  \n  ^');
  assert.equal(formatError('x'.repeat(300), new ExprError('long', 3, 4)), 'long');
});
