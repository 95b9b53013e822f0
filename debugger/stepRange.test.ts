// The ranges of steps over which a condition is known false (stepRange.ts, StopRules.quietUntil) against the plain
// evaluation at every step: a range that claims one step too many is a breakpoint that silently does not fire.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile, evaluateCondition } from '../engine/expr/evaluate';
import { StepOnlyScope } from './stepConstant';
import { prng } from './searchTesting';
import { falseUntil } from './stepRange';
import { StopRules } from './stopRules';

/** A random condition over `step` and `epoch`, with some constants, arithmetic, logic and names it cannot follow. */
function randomCondition(rand: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const constant = () => pick(['0', '1', '2', '3', '7', '10', '40', '100', '0.5', '2.5', '1e9', '-1', '-3']);
  const leaf = () => pick(['step', 'step', 'epoch', constant(), constant(), 'true', 'false', 'loss', 'norm(x)']);
  if (depth > 3 || rand() < 0.25) return leaf();
  const r = rand();
  const sub = () => randomCondition(rand, depth + 1);
  // Comparisons of step or epoch with a constant: what conditions set in the editor mostly are.
  if (r < 0.15) return `${pick(['step', 'epoch'])} ${pick(['<', '<=', '>', '>=', '==', '!='])} ${constant()}`;
  if (r < 0.35) return `${sub()} ${pick(['<', '<=', '>', '>=', '==', '!='])} ${sub()}`;
  if (r < 0.6) return `(${sub()} ${pick(['+', '-', '*', '/', '^'])} ${sub()})`;
  if (r < 0.85) return `(${sub()} ${pick(['&&', '||'])} ${sub()})`;
  return `${pick(['-', '!'])}(${sub()})`;
}

/** The plain evaluation at 0-based `step` in 0-based `epoch`: true, false, or 'throws' (a name it does not know). */
function plain(source: string, step: number, epoch: number): boolean | 'throws' {
  const scope = new StepOnlyScope();
  scope.step = step;
  scope.epoch = epoch;
  try {
    return evaluateCondition(compile(source), scope);
  } catch {
    return 'throws';
  }
}

test('falseUntil: every step it claims is false when evaluated step by step (2,000 random conditions)', () => {
  const rand = prng(18);
  let ranged = 0,
    forever = 0;
  for (let k = 0; k < 2000; k++) {
    const source = randomCondition(rand);
    const perEpoch = 1 + Math.floor(rand() * 6); // steps per epoch: step s is in epoch ⌊s / perEpoch⌋
    const from = Math.floor(rand() * 60);
    if (plain(source, from, Math.floor(from / perEpoch)) !== false) continue;
    const until = falseUntil(compile(source).ast, from, Math.floor(from / perEpoch));
    assert.ok(until > from, `${source}: a range must hold its first step`);
    if (until > from + 1) ranged++;
    if (until === Infinity) forever++;
    // Every step it claims up to 300 past `from`, and far ones (a range to Infinity claims them all).
    const far = [1e3, 1e4, 1e6, 2 ** 31, 2 ** 40].map((d) => from + d);
    for (let s = from; s < Math.min(until, from + 300); s++)
      assert.equal(plain(source, s, Math.floor(s / perEpoch)), false, `${source} from ${from} until ${until}: at ${s}`);
    for (const s of far)
      if (s < until)
        assert.equal(plain(source, s, Math.floor(s / perEpoch)), false, `${source} until ${until}: at ${s}`);
  }
  // It decides something: many conditions get ranges beyond their first step, some for good.
  assert.ok(ranged > 100, `ranged ${ranged}`);
  assert.ok(forever > 50, `forever ${forever}`);
});

test('falseUntil: the bench condition is false for good; a comparison with a constant until that step', () => {
  assert.equal(falseUntil(compile('step < 0 && norm(x) > 0').ast, 0, 0), Infinity);
  // `step` is 1-based: step == 1000 holds at the 0-based step 999.
  const until = falseUntil(compile('step == 1000').ast, 0, 0);
  assert.ok(until <= 999 && until >= 500, `until ${until}`);
  assert.equal(falseUntil(compile('epoch >= 1 && 2 * step - 1 < 0').ast, 0, 0), Infinity);
  assert.equal(falseUntil(compile('loss > 1 && step < 0').ast, 0, 0), 1, 'a name it cannot follow first: one step');
  assert.ok(falseUntil(compile('epoch > 10').ast, 0, 0) <= 10, 'an epoch may end at every step');
});

test('StopRules.quietUntil: each step it says is quiet, a fresh StopRules says is quiet step by step', () => {
  const rand = prng(7);
  let ranged = 0;
  for (let k = 0; k < 300; k++) {
    const bps = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, id) => ({
      id,
      nodes: [Math.floor(rand() * 2)],
      condition: randomCondition(rand),
    }));
    const perEpoch = 1 + Math.floor(rand() * 6);
    const rules = new StopRules();
    rules.setNetwork([{ kind: 'dense' }, { kind: 'dense' }]);
    rules.setBreakpoints(bps);
    let step = Math.floor(rand() * 20);
    for (let round = 0; round < 5 && step < 400; round++) {
      const until = rules.quietUntil(step, Math.floor(step / perEpoch));
      if (until > step + 1) ranged++;
      for (let s = step; s < Math.min(until, step + 200); s++) {
        const fresh = new StopRules();
        fresh.setNetwork([{ kind: 'dense' }, { kind: 'dense' }]);
        fresh.setBreakpoints(bps);
        assert.equal(fresh.quietStep(s, Math.floor(s / perEpoch)), true, `${JSON.stringify(bps)} at ${s}`);
      }
      // On, as a run loop goes: to where it must ask again (or one step on where it is not quiet).
      step = Math.max(until, step + 1);
    }
  }
  assert.ok(ranged > 50, `ranged ${ranged}`);
});

test('falseUntil: each comparison of step or epoch with each small constant, from each early step, at its edges', () => {
  let ranged = 0;
  for (const op of ['<', '<=', '>', '>=', '==', '!='])
    for (let c = -2; c <= 40; c++)
      for (const source of [`step ${op} ${c}`, `${c} ${op} step`, `epoch ${op} ${c}`, `${c} ${op} epoch`])
        for (let from = 0; from <= 30; from++) {
          // Two steps an epoch.
          if (plain(source, from, from >> 1) !== false) continue;
          const until = falseUntil(compile(source).ast, from, from >> 1);
          if (until > from + 1) ranged++;
          for (let s = from; s < Math.min(until, from + 100); s++)
            assert.equal(plain(source, s, s >> 1), false, `${source} from ${from} until ${until}: at ${s}`);
        }
  assert.ok(ranged > 1000, `ranged ${ranged}`);
});
