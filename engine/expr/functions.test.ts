// Built-in functions against hand-computed values: reductions (all entries and per axis), entrywise maps, shape, errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from './evaluate';
import { FUNCTION_NAMES } from './functions';
import { entries, fakeScope, t32 } from './testing';
import { ExprError, isTensor, type Value } from './values';

const scope = fakeScope({ nanT: t32([4], [1, NaN, Infinity, -Infinity]) });
const ev = (s: string) => evaluate(s, scope);
// h1.W = [[1, -2], [3, -4], [0.5, 0], [-1, 2]]         Σx = -0.5, Σx² = 35.25
// h1.a = [[1, 0, 2, 0], [0, 3, 0, 0.5], [4, 0, 1, 1]]   h1.z = [[1, -1, 2, -2], [0, 3, -3, 0.5], [4, -4, 1, 1]]

function near(v: Value, want: number, tol = 1e-12): void {
  assert.equal(typeof v, 'number', `expected a number, got ${String(v)}`);
  assert.ok(Math.abs((v as number) - want) <= tol * Math.max(1, Math.abs(want)), `${String(v)} ≠ ${want}`);
}

function tensorIs(v: Value, shape: number[], values: number[], tol = 1e-6): void {
  assert.ok(isTensor(v), `expected a tensor, got ${String(v)}`);
  assert.deepEqual([...v.shape], shape);
  entries(v).forEach((g, i) =>
    assert.ok(Object.is(g, values[i]) || Math.abs(g - values[i]) <= tol, `entry ${i}: ${g} ≠ ${values[i]}`),
  );
}

function failsWith(source: string, message: string, start: number, end: number): void {
  assert.throws(
    () => ev(source),
    (e: unknown) => {
      assert.ok(e instanceof ExprError, `not an ExprError: ${String(e)}`);
      assert.equal(e.message, message);
      assert.deepEqual([e.start, e.end], [start, end], `${source}: ${e.message}`);
      return true;
    },
  );
}

test('the functions the issue lists exist, and a few more', () => {
  for (const f of [
    'norm',
    'mean',
    'std',
    'min',
    'max',
    'abs',
    'sum',
    'shape',
    'frac',
    'any',
    'all',
    'count',
    'sqrt',
    'exp',
    'log',
    'size',
    'isnan',
    'isfinite',
    'maximum',
    'minimum',
  ]) {
    assert.ok(FUNCTION_NAMES.includes(f), f);
  }
});

test('reductions over all entries', () => {
  near(ev('sum(h1.W)'), -0.5);
  near(ev('mean(h1.W)'), -0.0625);
  near(ev('norm(h1.W)'), Math.sqrt(35.25));
  near(ev('norm(h1.W.grad)'), Math.sqrt(0.09 + 0.16 + 1.44 + 0.25), 1e-7);
  // Population variance: Σx²/n − mean² = 4.40625 − 0.00390625.
  near(ev('std(h1.W)'), Math.sqrt(4.40234375));
  near(ev('std(h1.b.grad)'), Math.sqrt(4.75 / 4));
  assert.equal(ev('min(h1.W)'), -4);
  assert.equal(ev('max(h1.W)'), 3);
  near(ev('mean(abs(out.delta))'), (0.5 + 0.25 + 1) / 3);
  near(ev('frac(h1.a > 0)'), 7 / 12);
  assert.equal(ev('count(h1.a > 0)'), 7);
  assert.equal(ev('frac(h1.W.m != 0)'), 0);
  near(ev('frac(h1.W)'), 7 / 8);
});

test('any and all give booleans, usable as conditions', () => {
  assert.equal(ev('any(h1.W > 3)'), false);
  assert.equal(ev('any(h1.W >= 3)'), true);
  assert.equal(ev('all(h1.b.grad > 0)'), true);
  assert.equal(ev('all(h1.W)'), false);
  assert.equal(ev('any(h1.W.m)'), false);
  assert.equal(ev('all(h1.b.grad, 0)'), true);
  assert.equal(ev('any(0)'), false);
  assert.equal(ev('all(2)'), true);
});

test('reductions along an axis (negative axes count from the end)', () => {
  tensorIs(ev('sum(h1.a, 1)'), [3], [3, 3.5, 6]);
  tensorIs(ev('sum(h1.a, -1)'), [3], [3, 3.5, 6]);
  tensorIs(ev('mean(h1.a, 0)'), [4], [5 / 3, 1, 1, 0.5]);
  tensorIs(ev('max(h1.z, -1)'), [3], [2, 3, 4]);
  tensorIs(ev('min(h1.z, 0)'), [4], [0, -4, -3, -2]);
  tensorIs(ev('norm(h1.W, 1)'), [4], [Math.sqrt(5), 5, 0.5, Math.sqrt(5)]);
  // Columns [1, 3, 0.5, -1] (mean 0.875, Σx²/n 2.8125) and [-2, -4, 0, 2] (mean -1, Σx²/n 6).
  tensorIs(ev('std(h1.W, 0)'), [2], [Math.sqrt(2.8125 - 0.765625), Math.sqrt(5)]);
  tensorIs(ev('frac(h1.a > 0, 0)'), [4], [2 / 3, 1 / 3, 2 / 3, 2 / 3]);
  tensorIs(ev('count(h1.a > 0, 1)'), [3], [2, 2, 3]);
  tensorIs(ev('any(h1.a > 3, 1)'), [3], [0, 0, 1]);
  tensorIs(ev('all(h1.a >= 0, 0)'), [4], [1, 1, 1, 1]);
  assert.equal(ev('sum(h1.b.grad, 0)'), 9);
  // "How many hidden units never fire on this batch?"
  assert.equal(ev('count(max(h1.a, 0) <= 0)'), 0);
  near(ev('min(frac(h1.a > 0, 0))'), 1 / 3, 1e-7);
});

test('entrywise functions on tensors and numbers', () => {
  tensorIs(ev('abs(h1.W)'), [4, 2], [1, 2, 3, 4, 0.5, 0, 1, 2]);
  tensorIs(ev('sqrt(h1.b.grad)'), [4], [1, Math.SQRT2, Math.SQRT2, 2]);
  tensorIs(ev('exp(h1.W.m)'), [4, 2], [1, 1, 1, 1, 1, 1, 1, 1]);
  tensorIs(ev('log(h1.b.grad)'), [4], [0, Math.LN2, Math.LN2, 2 * Math.LN2]);
  tensorIs(ev('sign(h1.W)'), [4, 2], [1, -1, 1, -1, 1, 0, -1, 1]);
  tensorIs(ev('maximum(h1.z, 0)'), [3, 4], [1, 0, 2, 0, 0, 3, 0, 0.5, 4, 0, 1, 1]);
  assert.equal(ev('all(maximum(h1.z, 0) == h1.a)'), true);
  tensorIs(ev('minimum(h1.b, 0)'), [4], [0, -0.2, 0, 0]);
  tensorIs(ev('minimum(h1.W, h1.W.grad)'), [4, 2], [0.3, -2, 0, -4, -1.2, 0, -1, 0.5]);
  assert.equal(ev('abs(-2)'), 2);
  assert.equal(ev('sqrt(16)'), 4);
  assert.equal(ev('exp(0)'), 1);
  assert.equal(ev('log(1)'), 0);
  assert.equal(ev('log(0)'), -Infinity);
  assert.ok(Number.isNaN(ev('sqrt(-1)')));
  assert.equal(ev('maximum(2, 3)'), 3);
  assert.equal(ev('norm(-3)'), 3);
  assert.equal(ev('mean(5)'), 5);
  assert.equal(ev('std(5)'), 0);
  assert.equal(ev('sum(true)'), 1);
  assert.equal(ev('frac(step > 3)'), 1);
  assert.equal(ev('frac(0)'), 0);
});

test('NaN and Inf: detected by isnan/isinf/isfinite, and propagated by reductions', () => {
  tensorIs(ev('isnan(nanT)'), [4], [0, 1, 0, 0]);
  tensorIs(ev('isinf(nanT)'), [4], [0, 0, 1, 1]);
  tensorIs(ev('isfinite(nanT)'), [4], [1, 0, 0, 0]);
  assert.equal(ev('any(isnan(nanT))'), true);
  assert.equal(ev('any(!isfinite(h1.W))'), false);
  assert.equal(ev('isnan(0 / 0)'), true);
  assert.equal(ev('isfinite(1 / 0)'), false);
  for (const f of ['sum', 'mean', 'min', 'max', 'norm', 'std']) assert.ok(Number.isNaN(ev(`${f}(nanT)`)), f);
  assert.equal(ev('count(nanT)'), 4);
});

test('shape and size', () => {
  const s = ev('shape(h1.W)');
  tensorIs(s, [2], [4, 2]);
  assert.ok(isTensor(s) && s.data instanceof Float64Array);
  tensorIs(ev('shape(h1.b)'), [1], [4]);
  tensorIs(ev('shape(loss)'), [0], []);
  assert.equal(ev('shape(h1.a)[0]'), 3);
  assert.equal(ev('shape(h1.W[:, 0])[0]'), 4);
  assert.equal(ev('size(h1.a)'), 12);
  assert.equal(ev('size(3)'), 1);
  assert.equal(ev('all(shape(h1.W) == shape(h1.W.grad))'), true);
});

test('reductions of empty tensors do not throw', () => {
  assert.equal(ev('sum(h1.W[4:])'), 0);
  assert.equal(ev('count(h1.W[4:])'), 0);
  assert.equal(ev('norm(h1.W[4:])'), 0);
  for (const f of ['mean', 'min', 'max', 'std', 'frac']) assert.ok(Number.isNaN(ev(`${f}(h1.W[4:])`)), f);
  assert.equal(ev('any(h1.W[4:])'), false);
  assert.equal(ev('all(h1.W[4:])'), true);
});

test('wrong argument types and axes point at the argument', () => {
  failsWith('norm("x")', 'norm() needs a number or tensor, not a string', 5, 8);
  failsWith('abs(phase)', 'abs() needs a number or tensor, not a string', 4, 9);
  failsWith('maximum(h1.W, phase)', 'maximum() needs a number or tensor, not a string', 14, 19);
  failsWith('mean(h1.W, 2)', 'axis 2 is out of range for a 2-D tensor of shape [4×2]', 11, 12);
  failsWith('mean(h1.W, -3)', 'axis -3 is out of range for a 2-D tensor of shape [4×2]', 11, 13);
  failsWith('sum(h1.W, 0.5)', 'the axis of sum() must be an integer, not 0.5', 10, 13);
  failsWith('sum(h1.W, "0")', 'the axis of sum() must be an integer, not a string', 10, 13);
  failsWith('mean(3, 0)', 'mean() of a number has no axis 0', 8, 9);
  failsWith('maximum(h1.W, h1.b)', 'shape mismatch: [4×2] and [4] do not broadcast', 0, 19);
  failsWith('shape(phase)', 'shape() needs a number or tensor, not a string', 6, 11);
});
