// Lexer: token kinds, texts and offsets; numbers, strings, dotted names, operators; errors with exact spans.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SOURCE_LENGTH, tokenize } from './lexer';
import { ExprError } from './values';

const kinds = (s: string) => tokenize(s).map((t) => `${t.kind}:${t.text}@${t.start}-${t.end}`);

function throwsAt(source: string, start: number, end: number, message: RegExp): void {
  assert.throws(
    () => tokenize(source),
    (e: unknown) => {
      assert.ok(e instanceof ExprError, `not an ExprError: ${String(e)}`);
      assert.match(e.message, message);
      assert.deepEqual([e.start, e.end], [start, end], e.message);
      return true;
    },
  );
}

test('names with dots, operators and offsets', () => {
  assert.deepEqual(kinds('norm(h1.W.grad) >= 1e-3'), [
    'name:norm@0-4',
    'op:(@4-5',
    'name:h1.W.grad@5-14',
    'op:)@14-15',
    'op:>=@16-18',
    'number:1e-3@19-23',
    'eof:@23-23',
  ]);
  assert.deepEqual(kinds('a&&b||!c'), [
    'name:a@0-1',
    'op:&&@1-3',
    'name:b@3-4',
    'op:||@4-6',
    'op:!@6-7',
    'name:c@7-8',
    'eof:@8-8',
  ]);
  assert.deepEqual(
    tokenize('<= < == != > >= + - * / ^ [ ] , :')
      .filter((t) => t.kind === 'op')
      .map((t) => t.text),
    ['<=', '<', '==', '!=', '>', '>=', '+', '-', '*', '/', '^', '[', ']', ',', ':'],
  );
  assert.deepEqual(kinds('  _x1.y_2\t'), ['name:_x1.y_2@2-9', 'eof:@10-10']);
});

test('numbers: integers, decimals, leading dot, exponents', () => {
  const values = (s: string) =>
    tokenize(s)
      .filter((t) => t.kind === 'number')
      .map((t) => t.value);
  assert.deepEqual(values('0 42 3.25 .5 1. 1e-3 2E+2 6.02e23'), [0, 42, 3.25, 0.5, 1, 1e-3, 200, 6.02e23]);
  // `1:3` is number, colon, number (not a decimal).
  assert.deepEqual(kinds('1:3'), ['number:1@0-1', 'op::@1-2', 'number:3@2-3', 'eof:@3-3']);
});

test('strings: double quotes, escapes, decoded text, span includes the quotes', () => {
  assert.deepEqual(kinds('phase == "backward"'), ['name:phase@0-5', 'op:==@6-8', 'string:backward@9-19', 'eof:@19-19']);
  const [s] = tokenize('"a\\"b\\\\c\\n"');
  assert.equal(s.text, 'a"b\\c\n');
  assert.deepEqual([s.start, s.end], [0, 11]);
  assert.equal(tokenize('""')[0].text, '');
});

test('errors say what is wrong and where', () => {
  throwsAt('phase = "x"', 6, 7, /unexpected character '=' at 6 \(use '==' to compare\)/);
  throwsAt('a & b', 2, 3, /use '&&'/);
  throwsAt('a | b', 2, 3, /use '\|\|'/);
  throwsAt("phase == 'x'", 9, 10, /strings use double quotes/);
  throwsAt('x # y', 2, 3, /unexpected character '#' at 2/);
  throwsAt('a + 😀', 4, 6, /unexpected character '😀' at 4/);
  throwsAt('"open', 0, 5, /unterminated string starting at 0/);
  throwsAt('"bad \\q"', 5, 7, /unknown escape '\\q' in string at 5/);
  throwsAt('1e', 0, 2, /malformed number '1e' at 0/);
  throwsAt('2x + 1', 0, 2, /malformed number '2x' at 0/);
  throwsAt('1..2', 0, 4, /malformed number '1..2' at 0/);
  throwsAt('h1.', 2, 3, /expected a name after '.' at 3/);
  throwsAt('h1..W', 2, 3, /expected a name after '.' at 3/);
  throwsAt('h1.0x', 3, 5, /malformed name segment '0x' at 3/);
  throwsAt('layers.0.', 8, 9, /expected a name after '.' at 9/);
});

test("a dotted name may have numeric segments (PyTorch's module paths)", () => {
  assert.deepEqual(kinds('norm(encoder.layers.0.fc1.weight.grad) > 0.5'), [
    'name:norm@0-4',
    'op:(@4-5',
    'name:encoder.layers.0.fc1.weight.grad@5-37',
    'op:)@37-38',
    'op:>@39-40',
    'number:0.5@41-44',
    'eof:@44-44',
  ]);
  assert.deepEqual(kinds('seq.12'), ['name:seq.12@0-6', 'eof:@6-6']);
  // A number with a fraction is still a number, not a name.
  assert.deepEqual(kinds('.5 + 1.25'), ['number:.5@0-2', 'op:+@3-4', 'number:1.25@5-9', 'eof:@9-9']);
});

test('input longer than the limit is refused before any work', () => {
  const long = 'x+'.repeat(MAX_SOURCE_LENGTH);
  throwsAt(long, MAX_SOURCE_LENGTH, long.length, /too long \(20000 characters; the limit is 10000\)/);
  assert.equal(tokenize('1'.repeat(MAX_SOURCE_LENGTH)).length, 2);
});
