// Fuzz-ish robustness: random text and random token soups only ever give a Value or an ExprError, quickly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completions } from './completions';
import { checkNames, evaluate, evaluateCondition } from './evaluate';
import { formatError, formatValue } from './format';
import { interpolate } from './interpolate';
import { MAX_SOURCE_LENGTH } from './lexer';
import { fakeScope, t32 } from './testing';
import { Prng } from '../nn/prng';
import { ExprError, isValue } from './values';

const scope = fakeScope({
  col: { shape: [5000, 1], data: new Float32Array(5000) },
  row: { shape: [5000], data: new Float32Array(5000) },
});

/** The engine's seeded PRNG, so failures reproduce. */
function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

const ALPHABET = 'abhxyz01239.e-+*/^<>=!&|()[]{},:" \\\t_WnormeaL😀∇';
const TOKENS = [
  'h1.W',
  'h1.b',
  'h1.W.grad',
  'h1.a',
  'h1.z',
  'out.delta',
  'x',
  'y',
  'yhat',
  'loss',
  'lr',
  'step',
  'phase',
  'big',
  'f64',
  'nope',
  'col',
  'row',
  '0',
  '1',
  '-1',
  '2',
  '1e-3',
  '0.5',
  '1e308',
  '"backward"',
  '"',
  'true',
  'false',
  '+',
  '-',
  '*',
  '/',
  '^',
  '<',
  '<=',
  '>',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '!',
  '(',
  ')',
  '[',
  ']',
  ',',
  ':',
  '.',
  'norm(',
  'mean(',
  'std(',
  'min(',
  'max(',
  'abs(',
  'sum(',
  'shape(',
  'frac(',
  'any(',
  'all(',
  'maximum(',
  'log(',
  'size(',
];

function check(source: string): void {
  const started = performance.now();
  for (const run of [() => evaluate(source, scope), () => evaluateCondition(source, scope)]) {
    try {
      const v = run();
      assert.ok(isValue(v), `not a value for ${JSON.stringify(source)}`);
      formatValue(v);
    } catch (e) {
      if (!(e instanceof ExprError)) assert.fail(`${JSON.stringify(source)} threw ${String(e)}`);
      assert.ok(
        e.start >= 0 && e.start <= e.end && e.end <= Math.max(source.length, e.start),
        `bad span ${e.start}-${e.end} for ${JSON.stringify(source)}`,
      );
      assert.equal(typeof formatError(source, e), 'string');
    }
  }
  assert.equal(typeof interpolate(`a {${source}} b`, scope), 'string');
  assert.ok(Array.isArray(completions(source, Math.floor(source.length / 2), scope)));
  const c = checkNames(source, scope.names());
  assert.ok(c === undefined || c instanceof ExprError);
  const ms = performance.now() - started;
  assert.ok(ms < 500, `${ms.toFixed(0)} ms for ${JSON.stringify(source.slice(0, 80))}`);
}

test('random characters', () => {
  const r = prng(1);
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(r() * 40);
    let s = '';
    for (let k = 0; k < n; k++) s += [...ALPHABET][Math.floor(r() * [...ALPHABET].length)];
    check(s);
  }
});

test('random token soups (mostly near-valid expressions)', () => {
  const r = prng(2);
  for (let i = 0; i < 5000; i++) {
    const n = 1 + Math.floor(r() * 14);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(TOKENS[Math.floor(r() * TOKENS.length)]);
    check(parts.join(r() < 0.5 ? ' ' : ''));
  }
});

test('pathological inputs: deep nesting, long chains, maximum length, huge results', () => {
  const started = performance.now();
  const cases = [
    '('.repeat(3000),
    `${'('.repeat(2000)}1${')'.repeat(2000)}`,
    '-'.repeat(9999) + '1',
    '!'.repeat(9999) + '1',
    `${'1+'.repeat(4999)}1`,
    `${'2^'.repeat(4999)}1`,
    `h1.W${'[0]'.repeat(2000)}`,
    `${'norm('.repeat(1500)}x${')'.repeat(1500)}`,
    `${'h1.W['.repeat(1500)}0${']'.repeat(1500)}`,
    `${'a && '.repeat(1999)}a`,
    'x'.repeat(MAX_SOURCE_LENGTH),
    'x'.repeat(MAX_SOURCE_LENGTH + 1),
    `"${'a'.repeat(MAX_SOURCE_LENGTH - 2)}"`,
    '1'.repeat(400),
    'col * row',
    'sum(col * row)',
  ];
  for (const s of cases) check(s);
  assert.throws(
    () => evaluate('col * row', scope),
    (e: unknown) => e instanceof ExprError && /25000000 entries \(the limit is 16777216\)/.test(e.message),
  );
  assert.ok(performance.now() - started < 5000);
});

test('a NaN-filled tensor is just data', () => {
  const s = fakeScope({ bad: t32([2, 2], [NaN, NaN, 1, Infinity]) });
  assert.equal(formatValue(evaluate('bad', s)), '[[NaN, NaN], [1, Inf]]');
  assert.equal(evaluateCondition('any(isnan(bad))', s), true);
  assert.equal(evaluateCondition('norm(bad) > 10', s), false);
});

/** A random arithmetic tree printed with as few parentheses as the grammar allows, and its value computed in JS. */
function arithmetic(r: () => number, depth: number): { text: string; prec: number; value: number } {
  if (depth === 0 || r() < 0.25) {
    const v = r() < 0.5 ? Math.floor(r() * 10) : Math.round(r() * 1000) / 100;
    return { text: String(v), prec: 8, value: v };
  }
  const k = r();
  if (k < 0.15) {
    const a = arithmetic(r, depth - 1);
    return { text: `-${a.prec < 6 ? `(${a.text})` : a.text}`, prec: 6, value: -a.value };
  }
  const a = arithmetic(r, depth - 1),
    b = arithmetic(r, depth - 1);
  if (k < 0.3) {
    const left = a.prec <= 7 ? `(${a.text})` : a.text,
      right = b.prec < 6 ? `(${b.text})` : b.text;
    return { text: `${left}^${right}`, prec: 7, value: Math.pow(a.value, b.value) };
  }
  const [op, prec, f] = (
    [
      ['+', 4, (x: number, y: number) => x + y],
      ['-', 4, (x: number, y: number) => x - y],
      ['*', 5, (x: number, y: number) => x * y],
      ['/', 5, (x: number, y: number) => x / y],
    ] as const
  )[Math.floor(r() * 4)];
  const left = a.prec < prec ? `(${a.text})` : a.text,
    right = b.prec <= prec ? `(${b.text})` : b.text;
  return { text: `${left} ${op} ${right}`, prec, value: f(a.value, b.value) };
}

test('differential: random arithmetic with minimal parentheses evaluates exactly as JavaScript does', () => {
  const r = prng(3);
  for (let i = 0; i < 3000; i++) {
    const { text, value } = arithmetic(r, 6);
    const got = evaluate(text, scope);
    assert.ok(
      Object.is(got, value) || (Number.isNaN(got) && Number.isNaN(value)) || got === value,
      `${text}: ${String(got)} ≠ ${value}`,
    );
  }
});
