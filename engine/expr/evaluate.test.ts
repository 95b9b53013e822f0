// Evaluation on a fake scope: arithmetic, broadcasting, comparisons, logic, strings, names and their errors, conditions.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkNames, compile, evaluate, evaluateCondition, tryEvaluate } from './evaluate';
import { entries, fakeScope, t32 } from './testing';
import { ExprError, isTensor, isTruthy, type ExprScope, type Tensor, type Value } from './values';

const scope = fakeScope();
const ev = (s: string, sc: ExprScope = scope) => evaluate(s, sc);

/** Asserts a tensor result's shape and entries (to float32 precision). */
function tensorIs(v: Value, shape: number[], values: number[], tol = 1e-6): void {
  assert.ok(isTensor(v), `expected a tensor, got ${String(v)}`);
  assert.deepEqual([...v.shape], shape);
  const got = entries(v);
  assert.equal(got.length, values.length);
  got.forEach((g, i) =>
    assert.ok(
      Object.is(g, values[i]) || Math.abs(g - values[i]) <= tol * Math.max(1, Math.abs(values[i])),
      `entry ${i}: ${g} ≠ ${values[i]}`,
    ),
  );
}

function near(v: Value, want: number, tol = 1e-9): void {
  assert.equal(typeof v, 'number', `expected a number, got ${String(v)}`);
  assert.ok(Math.abs((v as number) - want) <= tol * Math.max(1, Math.abs(want)), `${String(v)} ≠ ${want}`);
}

function failsWith(source: string, message: RegExp | string, start: number, end: number, sc: ExprScope = scope): void {
  assert.throws(
    () => evaluate(source, sc),
    (e: unknown) => {
      assert.ok(e instanceof ExprError, `not an ExprError: ${String(e)}`);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.deepEqual([e.start, e.end], [start, end], `${source}: ${e.message}`);
      return true;
    },
  );
}

test('scalar arithmetic, precedence and power', () => {
  assert.equal(ev('1 + 2 * 3'), 7);
  assert.equal(ev('(1 + 2) * 3'), 9);
  assert.equal(ev('7 - 2 - 1'), 4);
  assert.equal(ev('2 ^ 3 ^ 2'), 512);
  assert.equal(ev('-2 ^ 2'), -4);
  assert.equal(ev('2 ^ -1'), 0.5);
  assert.equal(ev('1e-3 * 1000'), 1);
  assert.equal(ev('1 / 0'), Infinity);
  assert.ok(Number.isNaN(ev('0 / 0')));
  near(ev('loss * 2'), 1.3862943611198906);
  assert.equal(ev('step / 12 + epoch'), 13);
  assert.equal(ev('true + true'), 2);
  assert.equal(ev('-true'), -1);
  assert.equal(ev('(loss > 0) * 3'), 3);
});

test('scalar comparisons give booleans; strings compare with == and !=', () => {
  assert.equal(ev('loss < 1'), true);
  assert.equal(ev('step == 120'), true);
  assert.equal(ev('step != 120'), false);
  assert.equal(ev('grad_norm >= 12.5'), true);
  assert.equal(ev('grad_norm_clipped > 1'), false);
  assert.equal(ev('lr <= 0.05'), true);
  assert.equal(ev('phase == "backward"'), true);
  assert.equal(ev('phase != "forward"'), true);
  assert.equal(ev('(step > 3) == true'), true);
  assert.equal(ev('(step > 3) == 1'), true);
  assert.equal(ev('"a" == "a"'), true);
  assert.equal(ev('"a"'), 'a');
  assert.equal(ev('0 / 0 == 0 / 0'), false);
});

test('tensor ⊕ scalar and tensor ⊕ tensor of equal shape, elementwise', () => {
  tensorIs(ev('h1.W * 2'), [4, 2], [2, -4, 6, -8, 1, 0, -2, 4]);
  tensorIs(ev('2 * h1.W'), [4, 2], [2, -4, 6, -8, 1, 0, -2, 4]);
  tensorIs(ev('1 - h1.b'), [4], [0.9, 1.2, 1, 0.7]);
  tensorIs(ev('h1.b - 1'), [4], [-0.9, -1.2, -1, -0.7]);
  tensorIs(ev('h1.W / 2'), [4, 2], [0.5, -1, 1.5, -2, 0.25, 0, -0.5, 1]);
  tensorIs(ev('h1.W ^ 2'), [4, 2], [1, 4, 9, 16, 0.25, 0, 1, 4]);
  tensorIs(ev('2 ^ h1.b.grad'), [4], [2, 4, 4, 16]);
  tensorIs(ev('-h1.b'), [4], [-0.1, 0.2, -0, -0.3]);
  tensorIs(ev('h1.W + h1.W.grad'), [4, 2], [1.3, -1.6, 3, -4, -0.7, 0, -1, 2.5]);
  tensorIs(ev('h1.W - h1.W'), [4, 2], [0, 0, 0, 0, 0, 0, 0, 0]);
  tensorIs(ev('yhat - y'), [3, 1], [-0.5, 0.25, 1]);
  tensorIs(ev('h1.W - lr * h1.W.grad'), [4, 2], [0.985, -2.02, 3, -4, 0.56, 0, -1, 1.975]);
});

test('numpy broadcasting of trailing dimensions; mismatches are errors at the operator', () => {
  // [3×4] + [4]: the bias added to each row.
  tensorIs(ev('h1.a + h1.b'), [3, 4], [1.1, -0.2, 2, 0.3, 0.1, 2.8, 0, 0.8, 4.1, -0.2, 1, 1.3]);
  // [3×1] · [1×4]: an outer product.
  tensorIs(ev('out.delta * out.W'), [3, 4], [-0.25, 0.25, -0.5, -1, 0.125, -0.125, 0.25, 0.5, 0.5, -0.5, 1, 2]);
  failsWith('h1.W + h1.b', 'shape mismatch: [4×2] and [4] do not broadcast', 0, 11);
  failsWith('1 + (h1.W * x)', 'shape mismatch: [4×2] and [3×2] do not broadcast', 4, 14);
});

test('dtype follows the operands: Float32 stays Float32, any Float64 gives Float64', () => {
  assert.ok((ev('h1.W * 2') as Tensor).data instanceof Float32Array);
  assert.ok((ev('f64 * 2') as Tensor).data instanceof Float64Array);
  assert.ok((ev('f64[0:1, :] + x[0:1, :]') as Tensor).data instanceof Float64Array);
  tensorIs(ev('f64 + 0.1'), [2, 2], [1.1, 2.1, 3.1, 4.1], 1e-15);
});

test('comparisons on tensors give 0/1 tensors', () => {
  tensorIs(ev('h1.W > 0'), [4, 2], [1, 0, 1, 0, 1, 0, 0, 1]);
  tensorIs(ev('0 < h1.W'), [4, 2], [1, 0, 1, 0, 1, 0, 0, 1]);
  tensorIs(ev('h1.W >= 0'), [4, 2], [1, 0, 1, 0, 1, 1, 0, 1]);
  tensorIs(ev('h1.W == 0'), [4, 2], [0, 0, 0, 0, 0, 1, 0, 0]);
  tensorIs(ev('h1.W != 0'), [4, 2], [1, 1, 1, 1, 1, 0, 1, 1]);
  tensorIs(ev('h1.W <= -1'), [4, 2], [0, 1, 0, 1, 0, 0, 1, 0]);
  tensorIs(ev('h1.W < h1.W.grad'), [4, 2], [0, 1, 0, 1, 0, 0, 1, 0]);
  tensorIs(ev('!(h1.a > 0)'), [3, 4], [0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0]);
});

test('&& and || short-circuit on scalars and never look at the other side', () => {
  const s = fakeScope();
  assert.equal(ev('false && nope', s), false);
  assert.equal(ev('true || nope', s), true);
  assert.equal(ev('step < 0 && norm(h1.W.grad) > 1', s), false);
  assert.deepEqual(s.lookups, ['step']);
  assert.equal(ev('epoch >= 3 && phase == "backward"'), true);
  assert.equal(ev('epoch >= 4 || phase == "backward"'), true);
  assert.equal(ev('epoch >= 4 || phase == "forward"'), false);
  assert.equal(ev('1 && 2'), true);
  assert.equal(ev('0 || ""'), false);
  failsWith('true && nope', "unknown name 'nope'", 8, 12);
});

test('&& and || are elementwise when a side is a tensor', () => {
  tensorIs(ev('h1.a > 0 && h1.a < 2'), [3, 4], [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1]);
  tensorIs(ev('h1.W > 2 || h1.W < -3'), [4, 2], [0, 0, 1, 1, 0, 0, 0, 0]);
  tensorIs(ev('h1.b && true'), [4], [1, 1, 0, 1]);
  tensorIs(ev('h1.b || false'), [4], [1, 1, 0, 1]);
  tensorIs(ev('true && h1.b'), [4], [1, 1, 0, 1]);
  assert.equal(ev('false && h1.b'), false);
});

test('names: full dotted paths are looked up as a whole', () => {
  const s = fakeScope();
  assert.equal(ev('h1.W.grad', s), s.values['h1.W.grad']);
  assert.deepEqual(s.lookups, ['h1.W.grad']);
  assert.equal(ev('phase'), 'backward');
  assert.equal(ev('step'), 120);
});

test('unknown names say so at the name, with the nearest known names', () => {
  failsWith('norm(h1.W.gard) > 1', "unknown name 'h1.W.gard'; did you mean 'h1.W.grad'?", 5, 14);
  failsWith('1 + los', "unknown name 'los'; did you mean 'loss'?", 4, 7);
  failsWith('W.grad', "unknown name 'W.grad'; did you mean 'h1.W.grad'?", 0, 6);
  failsWith('delta', "unknown name 'delta'; did you mean 'h1.delta' or 'out.delta'?", 0, 5);
  failsWith('h1', "'h1' is not a value; try 'h1.W', 'h1.b', 'h1.z', 'h1.a', …", 0, 2);
  failsWith('out', "'out' is not a value; try 'out.W', 'out.b', 'out.delta'", 0, 3);
  failsWith('norm', "'norm' is a function; call it, e.g. norm(x)", 0, 4);
  failsWith('zzzzzz', "unknown name 'zzzzzz'", 0, 6);
});

test('type errors point at the offending operand', () => {
  failsWith('phase + 1', "'+' needs numbers or tensors, not a string", 0, 5);
  failsWith('1 * "a"', "'*' needs numbers or tensors, not a string", 4, 7);
  failsWith('phase == 1', 'cannot compare a string with a number', 0, 10);
  failsWith('h1.W == "x"', 'cannot compare a tensor with a string', 0, 11);
  failsWith('phase < "z"', "'<' needs numbers or tensors, not a string", 0, 5);
  failsWith('-phase', "'-' needs a number or tensor, not a string", 1, 6);
});

test('a misbehaving scope gives ExprErrors, not crashes', () => {
  const throwing = {
    lookup: () => {
      throw new Error('worker gone');
    },
    names: () => {
      throw new Error('no');
    },
  };
  failsWith('1 + x', "could not read 'x': worker gone", 4, 5, throwing);
  const empty = {
    lookup: () => undefined,
    names: () => {
      throw new Error('no');
    },
  };
  failsWith('x', "unknown name 'x'", 0, 1, empty);
  const weird = {
    lookup: (n: string) =>
      (({ a: {}, b: { shape: [4], data: new Float32Array(2) }, c: null, d: [1, 2] }) as Record<string, unknown>)[
        n
      ] as Value,
    names: () => [],
  };
  failsWith('a', "'a' holds something expressions cannot use", 0, 1, weird);
  failsWith('b', "'b' holds something expressions cannot use", 0, 1, weird);
  failsWith('c', "unknown name 'c'", 0, 1, weird);
  failsWith('d', "'d' holds something expressions cannot use", 0, 1, weird);
});

test('evaluation never writes to scope tensors', () => {
  const s = fakeScope();
  const before = entries(s.values['h1.W']);
  for (const e of [
    '-h1.W',
    'h1.W * 2',
    'abs(h1.W)',
    'h1.W[0]',
    'h1.W[:, 0]',
    'h1.W[h1.W > 0]',
    '!h1.W',
    'maximum(h1.W, 0)',
  ])
    ev(e, s);
  assert.deepEqual(entries(s.values['h1.W']), before);
});

test('isTruthy and conditions: numbers, booleans, strings; a tensor is an error', () => {
  assert.equal(isTruthy(1), true);
  assert.equal(isTruthy(0), false);
  assert.equal(isTruthy(-0.5), true);
  assert.equal(isTruthy(NaN), true);
  assert.equal(isTruthy(true), true);
  assert.equal(isTruthy(false), false);
  assert.equal(isTruthy('x'), true);
  assert.equal(isTruthy(''), false);
  assert.throws(
    () => isTruthy(t32([1], [1]), { start: 2, end: 5 }),
    (e: unknown) =>
      e instanceof ExprError &&
      e.message === 'a condition must be a number or boolean, not a tensor; use any()/all()' &&
      e.start === 2 &&
      e.end === 5,
  );
  assert.equal(evaluateCondition('norm(h1.W.grad) > 1', scope), true);
  assert.equal(evaluateCondition('norm(h1.W.grad) > 10', scope), false);
  assert.equal(evaluateCondition('epoch >= 3 && phase == "backward"', scope), true);
  assert.equal(evaluateCondition('loss', scope), true);
  assert.equal(evaluateCondition('any(h1.W > 3)', scope), false);
  assert.equal(evaluateCondition('all(h1.b.grad > 0)', scope), true);
  assert.throws(
    () => evaluateCondition(' h1.W > 0', scope),
    (e: unknown) => e instanceof ExprError && /use any\(\)\/all\(\)/.test(e.message) && e.start === 1 && e.end === 9,
  );
});

test('compile once, evaluate against changing scopes', () => {
  const c = compile('step - 2');
  assert.equal(evaluate(c, fakeScope({ step: 5 })), 3);
  assert.equal(evaluate(c, fakeScope({ step: 10 })), 8);
  const cond = compile('grad_norm > 10');
  assert.equal(evaluateCondition(cond, fakeScope({ grad_norm: 11 })), true);
  assert.equal(evaluateCondition(cond, fakeScope({ grad_norm: 9 })), false);
  assert.throws(() => compile('1 +'), ExprError);
});

test('tryEvaluate returns the error instead of throwing', () => {
  assert.deepEqual(tryEvaluate('1 + 1', scope), { ok: true, value: 2 });
  const r = tryEvaluate('1 +', scope);
  assert.equal(r.ok, false);
  if (!r.ok)
    assert.deepEqual([r.error.start, r.error.message], [3, 'expected a value at 3, found the end of the expression']);
});

test('checkNames validates syntax and names without evaluating', () => {
  const names = scope.names();
  assert.equal(checkNames('norm(h1.W.grad) > 10 && phase == "backward"', names), undefined);
  const e = checkNames('norm(h1.W.gard) > 10', names);
  assert.ok(e);
  assert.deepEqual([e.message, e.start, e.end], ["unknown name 'h1.W.gard'; did you mean 'h1.W.grad'?", 5, 14]);
  const s = checkNames('norm(', names);
  assert.ok(s instanceof ExprError);
  assert.equal(s.start, 5);
});

test("a compiled condition reads scalars through the scope's live getters, and looks names up again in a new scope", () => {
  let step = 1,
    getters = 0;
  const live: ExprScope = {
    lookup: (n) => (n === 'loss' ? 0.5 : undefined),
    names: () => ['step', 'loss'],
    scalarGetter: (n) => (n === 'step' ? (getters++, () => step) : undefined),
  };
  const c = compile('step > 2 && loss < 1');
  assert.equal(evaluateCondition(c, live), false);
  step = 3;
  assert.equal(evaluateCondition(c, live), true, 'the getter is live');
  assert.equal(getters, 1, 'bound once per scope, not per evaluation');
  assert.equal(evaluateCondition(c, fakeScope({ step: 0 })), false, 'another scope resolves the name itself');
  assert.equal(evaluateCondition(c, live), true);
  assert.throws(
    () => evaluate('nope + step', live),
    (e: unknown) => e instanceof ExprError && e.start === 0 && e.end === 4,
  );
});
