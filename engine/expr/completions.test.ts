// Debug Console completions: top-level names and functions, dotted paths segment by segment, replacement ranges.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completionItems, completions } from './completions';
import { FUNCTION_NAMES } from './functions';
import { fakeScope } from './testing';

const scope = fakeScope();

test('after `h1.` offer what follows: single segments first, then deeper paths', () => {
  assert.deepEqual(completions('h1.', 3, scope), ['a', 'b', 'delta', 'W', 'z', 'b.grad', 'W.grad', 'W.m']);
  assert.deepEqual(completions('norm(h1.W.', 10, scope), ['grad', 'm']);
  assert.deepEqual(completions('norm(h1.W.g', 11, scope), ['grad']);
  assert.deepEqual(completions('h1.W', 4, scope).slice(0, 2), ['W', 'W.grad']);
  assert.deepEqual(completions('out.d', 5, scope), ['delta']);
  assert.deepEqual(completions('nothing.', 8, scope), []);
});

test('items carry the range they replace: the segment being typed', () => {
  const items = completionItems('mean(h1.W.gr) + 1', 12, scope);
  assert.deepEqual(items, [{ label: 'grad', start: 10, length: 2, type: 'property' }]);
  const top = completionItems('1 + lo', 6, scope);
  assert.deepEqual(
    top.map((i) => [i.label, i.start, i.length, i.type]),
    [
      ['loss', 4, 2, 'variable'],
      ['log', 4, 2, 'function'],
    ],
  );
});

test('without a dot: top-level names, then functions (with signatures), then keywords', () => {
  const all = completions('', 0, scope);
  assert.deepEqual(all.slice(0, 6), ['big', 'epoch', 'f64', 'grad_norm', 'grad_norm_clipped', 'h1']);
  for (const f of FUNCTION_NAMES) assert.ok(all.includes(f), f);
  assert.ok(!all.includes('h1.W'), 'only first segments at the top level');
  assert.deepEqual(completions('no', 2, scope), ['norm']);
  assert.deepEqual(completions('frac(h', 6, scope), ['h1']);
  assert.deepEqual(completions('t', 1, scope), ['true']);
  const norm = completionItems('nor', 3, scope)[0];
  assert.equal(norm.type, 'function');
  assert.match(norm.detail ?? '', /^norm\(x, axis\?\) — L2/);
  assert.deepEqual(completions('MEA', 3, scope), ['mean'], 'case-insensitive prefix');
});

test('completion uses the text before the offset only', () => {
  assert.deepEqual(completions('h1.W + out.', 3, scope), ['a', 'b', 'delta', 'W', 'z', 'b.grad', 'W.grad', 'W.m']);
  assert.deepEqual(completions('h1.W', 99, scope).slice(0, 1), ['W']);
});

test('nothing inside strings or after numbers; a failing scope only loses names', () => {
  assert.deepEqual(completions('phase == "ba', 12, scope), []);
  assert.deepEqual(completions('1.', 2, scope), []);
  assert.deepEqual(completions('x[0].', 5, scope), []);
  const broken = {
    lookup: () => undefined,
    names: () => {
      throw new Error('gone');
    },
  };
  assert.deepEqual(completions('no', 2, broken), ['norm']);
});
