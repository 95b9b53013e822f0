// Parser: precedence, associativity (^ to the right, comparisons not chainable), spans, and syntax errors at exact offsets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namesIn, type Expr, type SliceNode } from './ast';
import { MAX_DEPTH, parse } from './parser';
import { ExprError } from './values';

/** Fully parenthesized rendering of a tree. */
function show(e: Expr | SliceNode): string {
  switch (e.type) {
    case 'number':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'boolean':
      return String(e.value);
    case 'name':
      return e.path;
    case 'unary':
      return `(${e.op}${show(e.operand)})`;
    case 'binary':
    case 'logical':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call':
      return `${e.callee}(${e.args.map(show).join(', ')})`;
    case 'index':
      return `${show(e.target)}[${e.parts.map(show).join(', ')}]`;
    case 'slice':
      return `${e.lower ? show(e.lower) : ''}:${e.upper ? show(e.upper) : ''}${e.step ? `:${show(e.step)}` : ''}`;
  }
}

const p = (s: string) => show(parse(s));

function errorAt(source: string, start: number, end: number, message: RegExp | string): void {
  assert.throws(
    () => parse(source),
    (e: unknown) => {
      assert.ok(e instanceof ExprError, `not an ExprError: ${String(e)}`);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      assert.deepEqual([e.start, e.end], [start, end], `${source}: ${e.message}`);
      return true;
    },
  );
}

test('arithmetic precedence and left associativity', () => {
  assert.equal(p('1 + 2 * 3'), '(1 + (2 * 3))');
  assert.equal(p('1 * 2 + 3'), '((1 * 2) + 3)');
  assert.equal(p('1 - 2 - 3'), '((1 - 2) - 3)');
  assert.equal(p('8 / 4 / 2'), '((8 / 4) / 2)');
  assert.equal(p('(1 + 2) * 3'), '((1 + 2) * 3)');
  assert.equal(p('a - b * c / d + e'), '((a - ((b * c) / d)) + e)');
});

test('^ is right-associative and binds tighter than unary minus, which binds tighter than * /', () => {
  assert.equal(p('2 ^ 3 ^ 2'), '(2 ^ (3 ^ 2))');
  assert.equal(p('-2 ^ 2'), '(-(2 ^ 2))');
  assert.equal(p('2 ^ -1'), '(2 ^ (-1))');
  assert.equal(p('2 ^ -1 ^ 2'), '(2 ^ (-(1 ^ 2)))');
  assert.equal(p('-a * b'), '((-a) * b)');
  assert.equal(p('a * b ^ 2'), '(a * (b ^ 2))');
  assert.equal(p('--x'), '(-(-x))');
  assert.equal(p('!!x'), '(!(!x))');
  assert.equal(p('x[0] ^ 2'), '(x[0] ^ 2)');
  assert.equal(p('norm(x) ^ 2'), '(norm(x) ^ 2)');
});

test('comparisons below arithmetic, && below comparisons, || lowest', () => {
  assert.equal(p('a + 1 > b * 2'), '((a + 1) > (b * 2))');
  assert.equal(p('a < b && c >= d || e != f'), '(((a < b) && (c >= d)) || (e != f))');
  assert.equal(p('a || b && c'), '(a || (b && c))');
  assert.equal(p('a && b && c'), '((a && b) && c)');
  assert.equal(p('!a && b'), '((!a) && b)');
  assert.equal(p('!(a > 0)'), '(!(a > 0))');
  assert.equal(p('epoch >= 3 && phase == "backward"'), '((epoch >= 3) && (phase == "backward"))');
  assert.equal(p('(a < b) == true'), '((a < b) == true)');
});

test('calls, indexing and slicing', () => {
  assert.equal(p('norm(h1.W.grad)'), 'norm(h1.W.grad)');
  assert.equal(p('mean(abs(out.delta))'), 'mean(abs(out.delta))');
  assert.equal(p('max(h1.a, 0)'), 'max(h1.a, 0)');
  assert.equal(p('frac(h1.a > 0)'), 'frac((h1.a > 0))');
  assert.equal(p('h1.W[0]'), 'h1.W[0]');
  assert.equal(p('h1.W[0, 1]'), 'h1.W[0, 1]');
  assert.equal(p('h1.W[0][1]'), 'h1.W[0][1]');
  assert.equal(p('h1.W[:, 1]'), 'h1.W[:, 1]');
  assert.equal(p('h1.W[1:3]'), 'h1.W[1:3]');
  assert.equal(p('h1.W[-1]'), 'h1.W[(-1)]');
  assert.equal(p('x[::2]'), 'x[::2]');
  assert.equal(p('x[1:]'), 'x[1:]');
  assert.equal(p('x[:-1]'), 'x[:(-1)]');
  assert.equal(p('x[::-1, 1:n+1:2]'), 'x[::(-1), 1:(n + 1):2]');
  assert.equal(p('x[x > 0]'), 'x[(x > 0)]');
  assert.equal(p('-x[0]'), '(-x[0])');
  assert.equal(p('shape(x)[0]'), 'shape(x)[0]');
  assert.equal(p('(a + b)[1]'), '(a + b)[1]');
});

test('literals: numbers, strings, booleans', () => {
  assert.deepEqual(parse('1e-3'), { type: 'number', value: 0.001, start: 0, end: 4 });
  assert.deepEqual(parse(' "hi" '), { type: 'string', value: 'hi', start: 1, end: 5 });
  assert.deepEqual(parse('true'), { type: 'boolean', value: true, start: 0, end: 4 });
  assert.equal(p('false || x'), '(false || x)');
});

test('nodes carry source spans; parentheses widen them', () => {
  const e = parse('norm(h1.W.grad) > 10');
  assert.equal(e.type, 'binary');
  if (e.type !== 'binary') return;
  assert.deepEqual([e.start, e.end], [0, 20]);
  assert.deepEqual([e.left.start, e.left.end], [0, 15]);
  assert.deepEqual([e.right.start, e.right.end], [18, 20]);
  if (e.left.type !== 'call') assert.fail('call');
  assert.equal(e.left.calleeEnd, 4);
  assert.deepEqual([e.left.args[0].start, e.left.args[0].end], [5, 14]);
  const q = parse(' ( a + b ) * 2');
  assert.deepEqual([q.start, q.end], [1, 14]);
  if (q.type !== 'binary') assert.fail('binary');
  assert.deepEqual([q.left.start, q.left.end], [1, 10]);
  const s = parse('x[1:3, ::2]');
  if (s.type !== 'index') assert.fail('index');
  assert.deepEqual(
    s.parts.map((x) => [x.start, x.end]),
    [
      [2, 5],
      [7, 10],
    ],
  );
});

test('namesIn lists every name, not function names', () => {
  assert.deepEqual(
    namesIn(parse('norm(h1.W.grad) > lr * x[i:j, k] && phase == "b"')).map((n) => n.path),
    ['h1.W.grad', 'lr', 'x', 'i', 'j', 'k', 'phase'],
  );
});

test('syntax errors name what was expected and where', () => {
  errorAt('norm(h1.W.grad', 14, 14, "expected ',' or ')' at 14, found the end of the expression");
  errorAt('(a + b', 6, 6, "expected ')' at 6, found the end of the expression");
  errorAt('(a + b]', 6, 7, "expected ')' at 6, found ']'");
  errorAt('', 0, 0, 'empty expression');
  errorAt('   ', 0, 0, 'empty expression');
  errorAt('1 +', 3, 3, 'expected a value at 3, found the end of the expression');
  errorAt('1 + * 2', 4, 5, "expected a value at 4, found '*'");
  errorAt(')', 0, 1, "expected a value at 0, found ')'");
  errorAt('a b', 2, 3, "expected an operator or the end of the expression at 2, found 'b'");
  errorAt('a 1', 2, 3, "expected an operator or the end of the expression at 2, found '1'");
  errorAt('x[]', 2, 3, "expected an index or a slice at 2, found ']'");
  errorAt('x[0,]', 4, 5, "expected an index or a slice at 4, found ']'");
  errorAt('x[0', 3, 3, "expected ']' or ',' at 3, found the end of the expression");
  errorAt('x[0:1:2:3]', 7, 8, "expected ']' or ',' at 7, found ':'");
  errorAt('norm()', 0, 6, 'norm(x, axis?) takes 1 or 2 arguments, not 0');
  errorAt('abs(1, 2)', 0, 9, 'abs(x) takes 1 argument, not 2');
  errorAt('norm(x,)', 7, 8, "expected a value at 7, found ')'");
  errorAt('nrom(x)', 0, 4, "unknown function 'nrom' at 0; did you mean 'norm'?");
  errorAt('constructor(x)', 0, 11, "unknown function 'constructor' at 0");
  errorAt('h1.W(0)', 0, 4, "'h1.W' is not a function at 0");
  errorAt('x[0](1)', 0, 5, 'this is not a function at 4');
  errorAt('1 < 2 < 3', 6, 7, 'comparisons cannot be chained at 6; combine them with && (e.g. 0 < x && x < 1)');
  errorAt('a == b != c', 7, 9, /comparisons cannot be chained at 7/);
  errorAt('a = 1', 2, 3, /unexpected character '=' at 2/);
});

test('nesting and length are bounded: errors, not stack overflows', () => {
  const deep = `${'('.repeat(4000)}1${')'.repeat(4000)}`;
  assert.throws(
    () => parse(deep),
    (e: unknown) => e instanceof ExprError && /nested too deeply/.test(e.message),
  );
  assert.throws(
    () => parse(`${'-'.repeat(5000)}1`),
    (e: unknown) => e instanceof ExprError && /nested too deeply/.test(e.message),
  );
  assert.throws(
    () => parse(`${'1+'.repeat(3000)}1`),
    (e: unknown) => e instanceof ExprError && /too complex/.test(e.message),
  );
  assert.throws(
    () => parse(`${'2^'.repeat(3000)}1`),
    (e: unknown) => e instanceof ExprError && /nested too deeply/.test(e.message),
  );
  assert.throws(
    () => parse(`x${'[0]'.repeat(1000)}`),
    (e: unknown) => e instanceof ExprError && /too complex/.test(e.message),
  );
  // Moderate depth is fine.
  assert.equal(p(`${'('.repeat(50)}1${')'.repeat(50)}`), '1');
  assert.doesNotThrow(() => parse(`${'1+'.repeat(MAX_DEPTH - 2)}1`));
});
