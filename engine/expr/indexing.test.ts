// Indexing and slicing with numpy semantics: rows, elements, columns, ranges, steps, negative indices, masks, errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from './evaluate';
import { entries, fakeScope } from './testing';
import { ExprError, isTensor, type Tensor, type Value } from './values';

const scope = fakeScope();
const ev = (s: string) => evaluate(s, scope);
// h1.W = [[1, -2], [3, -4], [0.5, 0], [-1, 2]]

function tensorIs(v: Value, shape: number[], values: number[]): void {
  assert.ok(isTensor(v), `expected a tensor, got ${String(v)}`);
  assert.deepEqual([...v.shape], shape);
  assert.deepEqual(entries(v), values);
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

test('integer indices: a row, an element, chained, negative from the end', () => {
  tensorIs(ev('h1.W[0]'), [2], [1, -2]);
  assert.equal(ev('h1.W[0, 1]'), -2);
  assert.equal(ev('h1.W[0][1]'), -2);
  tensorIs(ev('h1.W[-1]'), [2], [-1, 2]);
  assert.equal(ev('h1.W[-1, -2]'), -1);
  assert.equal(ev('h1.W[-4][-1]'), -2);
  assert.equal(ev('h1.b[3]'), Math.fround(0.3));
  assert.equal(ev('big[31, 3]'), 127);
  assert.equal(ev('h1.W[step - 119, 0]'), 3);
  assert.equal(ev('h1.W[2 - 1][1 - 1]'), 3);
});

test('slices: columns, row ranges, open ends, steps, reversal, clamping, empty', () => {
  tensorIs(ev('h1.W[:, 1]'), [4], [-2, -4, 0, 2]);
  tensorIs(ev('h1.W[:, -2]'), [4], [1, 3, 0.5, -1]);
  tensorIs(ev('h1.W[1:3]'), [2, 2], [3, -4, 0.5, 0]);
  tensorIs(ev('h1.W[1:3, 0]'), [2], [3, 0.5]);
  tensorIs(ev('h1.W[1:3, :1]'), [2, 1], [3, 0.5]);
  tensorIs(ev('h1.W[:]'), [4, 2], [1, -2, 3, -4, 0.5, 0, -1, 2]);
  tensorIs(ev('h1.W[2:]'), [2, 2], [0.5, 0, -1, 2]);
  tensorIs(ev('h1.W[-2:]'), [2, 2], [0.5, 0, -1, 2]);
  tensorIs(ev('h1.W[:-3]'), [1, 2], [1, -2]);
  tensorIs(ev('h1.W[::2]'), [2, 2], [1, -2, 0.5, 0]);
  tensorIs(ev('h1.W[1::2, 1]'), [2], [-4, 2]);
  tensorIs(ev('h1.W[::-1]'), [4, 2], [-1, 2, 0.5, 0, 3, -4, 1, -2]);
  tensorIs(ev('h1.W[::-1, ::-1]'), [4, 2], [2, -1, 0, 0.5, -4, 3, -2, 1]);
  tensorIs(ev('h1.W[3:1:-1, 0]'), [2], [-1, 0.5]);
  tensorIs(ev('h1.b.grad[::-2]'), [2], [4, 2]);
  tensorIs(ev('h1.W[-10:2]'), [2, 2], [1, -2, 3, -4]);
  tensorIs(ev('h1.W[1:100]'), [3, 2], [3, -4, 0.5, 0, -1, 2]);
  tensorIs(ev('h1.W[10:]'), [0, 2], []);
  tensorIs(ev('h1.W[3:1]'), [0, 2], []);
  tensorIs(ev('h1.W[:, 5:]'), [4, 0], []);
  const col = ev('big[:, -1]') as Tensor;
  assert.deepEqual(
    entries(col),
    Array.from({ length: 32 }, (_, i) => 4 * i + 3),
  );
  assert.equal(ev('h1.W[:, shape(h1.W)[1] - 1][0]'), -2);
});

test('contiguous selections are views onto the scope buffer; strided ones are copies', () => {
  const W = scope.values['h1.W'] as Tensor;
  for (const e of ['h1.W[1]', 'h1.W[1:3]', 'h1.W[2:]', 'h1.W[1, :]', 'h1.W[1, 0:2]']) {
    const v = ev(e) as Tensor;
    assert.equal(v.data.buffer, W.data.buffer, `${e} should be a view`);
  }
  for (const e of ['h1.W[:, 1]', 'h1.W[::2]', 'h1.W[::-1]']) {
    assert.notEqual((ev(e) as Tensor).data.buffer, W.data.buffer, `${e} should be a copy`);
  }
  assert.equal((ev('f64[0]') as Tensor).data.constructor, Float64Array);
  assert.equal((ev('f64[:, 0]') as Tensor).data.constructor, Float64Array);
});

test('masks: entries where a same-shaped condition holds, as a 1-D tensor', () => {
  tensorIs(ev('h1.W[h1.W > 0]'), [4], [1, 3, 0.5, 2]);
  tensorIs(ev('h1.a[h1.a > 10]'), [0], []);
  assert.equal(ev('mean(h1.a[h1.a > 0])'), (1 + 2 + 3 + 0.5 + 4 + 1 + 1) / 7);
  failsWith('h1.W[h1.b > 0]', 'a mask must have the shape of the tensor it indexes: [4] versus [4×2]', 5, 13);
  failsWith('h1.W[h1.W > 0, 0]', 'a mask must be the only index (e.g. x[x > 0])', 5, 13);
});

test('index errors: out of range, too many, not an integer, not indexable, zero step', () => {
  failsWith('h1.W[4]', 'index 4 is out of range for axis 0 of size 4', 5, 6);
  failsWith('h1.W[-5]', 'index -5 is out of range for axis 0 of size 4', 5, 7);
  failsWith('h1.W[0, 2]', 'index 2 is out of range for axis 1 of size 2', 8, 9);
  failsWith('h1.W[0][-3]', 'index -3 is out of range for axis 0 of size 2', 8, 10);
  failsWith('h1.W[0, 0, 0]', 'too many indices: the tensor is 2-D (shape [4×2]) but 3 were given', 11, 12);
  failsWith('h1.W[0][0][0]', 'cannot index a number; only tensors have entries', 0, 13);
  failsWith('loss[0]', 'cannot index a number; only tensors have entries', 0, 7);
  failsWith('phase[0]', 'cannot index a string; only tensors have entries', 0, 8);
  failsWith('h1.W[1.5]', 'an index must be an integer, not 1.5', 5, 8);
  failsWith('h1.W[0, lr]', 'an index must be an integer, not 0.05', 8, 10);
  failsWith('h1.W["a"]', 'an index must be an integer, not a string', 5, 8);
  failsWith('h1.W[true]', 'an index must be an integer, not a boolean', 5, 9);
  failsWith('h1.W[1:lr]', 'an index must be an integer, not 0.05', 7, 9);
  failsWith('h1.W[::0]', 'slice step cannot be zero', 5, 8);
  failsWith('h1.W[10:][0]', 'index 0 is out of range for axis 0 of size 0', 10, 11);
});
