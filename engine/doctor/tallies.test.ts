// Tallies: hits of rules, lines and variants interleaved fold into the tally of their own rule, line and variant
// (the last tally found is remembered for the next hit: a hit of another key must not land in it).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { Tallies } from './tallies';
import { DEFAULT_THRESHOLDS } from './thresholds';
import { net } from './testing';
import type { Hit, Rule } from './types';

test('interleaved hits of two rules, two layers and two variants each fold into their own tally', () => {
  const text = net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 1\n  batch 8\n  optimizer sgd lr=0.1');
  const { spec } = parseNnet(text);
  const t = new Trainer(spec!);
  const tallies = new Tallies(t, text);
  const a: Rule = { id: 'update-ratio' },
    b: Rule = { id: 'unchanged-weights' };
  const hit = (node: number, step: number, variant?: string, excess = 1): Hit => ({
    anchor: { kind: 'layer', node },
    step,
    measured: excess,
    threshold: 1,
    excess,
    variant,
    message: () => `node ${node} ${variant ?? ''} at ${step}`,
  });
  // Each key hits on steps of its own, interleaved with the others, repeated keys next to each other too.
  const keys: [Rule, number, string | undefined][] = [
    [a, 0, 'high'],
    [a, 0, 'low'],
    [a, 1, 'high'],
    [b, 0, undefined],
    [b, 1, undefined],
  ];
  const expected = new Map<string, number[]>();
  for (let step = 0; step < 30; step++)
    keys.forEach(([rule, node, variant], k) => {
      if ((step + k) % (k + 2) === 0) return; // not every key every step
      for (let again = 0; again < 1 + (step % 2); again++) tallies.record(rule, hit(node, step, variant, step + k));
      const id = `${rule.id} ${t.model.nodes[node].name} ${variant}`;
      expected.set(id, [...(expected.get(id) ?? []), step]);
    });
  const found = tallies.findings(DEFAULT_THRESHOLDS, () => 1);
  assert.equal(found.length, keys.length);
  for (const f of found) {
    const variant = /high|low/.exec(f.message)?.[0];
    const steps = expected.get(`${f.rule} ${f.layer} ${variant}`)!;
    assert.ok(steps, `${f.rule} ${f.layer} ${variant}`);
    assert.deepEqual(
      [f.firstStep, f.lastStep, f.count, f.evidence.steps],
      [steps[0], steps.at(-1), steps.length, steps.slice(0, 5)],
    );
  }
});

test('hits folded without being built (repeat) leave the same findings as every hit recorded', () => {
  const text = net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 1\n  batch 8\n  optimizer sgd lr=0.1');
  const { spec } = parseNnet(text);
  const t = new Trainer(spec!);
  const all = new Tallies(t, text),
    folded = new Tallies(t, text);
  const a: Rule = { id: 'update-ratio' },
    b: Rule = { id: 'unchanged-weights' };
  let repeats = 0;
  for (let step = 0; step < 60; step++)
    for (const [j, rule, node, variant] of [
      [0, a, 0, 'high'],
      [1, a, 0, step % 7 < 3 ? 'high' : 'low'],
      [2, b, step % 5 < 2 ? 0 : 1, undefined],
    ] as const) {
      if ((step * 7 + node + j) % 4 === 0) continue;
      const anchor = { kind: 'layer' as const, node };
      // The excess goes up and down, also between hits of one key in a row; some hits come twice in a step.
      for (let again = 0; again < 1 + (step % 4 === 1 ? 1 : 0); again++) {
        const excess = 1 + step / 8 + ((step * 13 + node + 5 * j + 3 * again) % 9);
        const h: Hit = { anchor, step, measured: excess, threshold: 1, excess, variant, message: () => `${excess}` };
        all.record(rule, h);
        if (folded.repeat(rule, anchor, variant, step, excess)) repeats++;
        else folded.record(rule, h);
      }
    }
  assert.ok(repeats > 20, `${repeats} folded`);
  assert.deepEqual(
    folded.findings(DEFAULT_THRESHOLDS, () => 1),
    all.findings(DEFAULT_THRESHOLDS, () => 1),
  );
});

test("a rule's repeated hit is folded where another rule's hits came between, into that rule's last tally only", () => {
  const text = net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 1\n  batch 8\n  optimizer sgd lr=0.1');
  const { spec } = parseNnet(text);
  const t = new Trainer(spec!);
  const all = new Tallies(t, text),
    folded = new Tallies(t, text);
  const a: Rule = { id: 'update-ratio' },
    b: Rule = { id: 'loss-not-decreasing' };
  const first = { kind: 'layer' as const, node: 0 },
    loss = { kind: 'loss' as const };
  const hit = (anchor: Hit['anchor'], step: number, variant: string | undefined, excess: number): Hit => ({
    anchor,
    step,
    measured: excess,
    threshold: 1,
    excess,
    variant,
    message: () => `${step} ${variant} ${excess}`,
  });
  // a hits 'high' then 'low' (its last tally), b hits between a's hits from then on.
  const hits: [Rule, Hit][] = [
    [a, hit(first, 0, 'high', 5)],
    [a, hit(first, 1, 'low', 5)],
    [b, hit(loss, 1, undefined, 5)],
  ];
  for (const [r, h] of hits) {
    all.record(r, h);
    folded.record(r, h);
  }
  const repeat = (r: Rule, h: Hit) => {
    all.record(r, h);
    const done = folded.repeat(r, h.anchor, h.variant, h.step, h.excess);
    if (!done) folded.record(r, h);
    return done;
  };
  assert.equal(repeat(a, hit(first, 2, 'low', 4)), true, "a's last tally, after b's hit");
  assert.equal(repeat(b, hit(loss, 2, undefined, 4)), true, "b's, after a's");
  assert.equal(repeat(a, hit(first, 3, 'low', 3)), true);
  assert.equal(repeat(a, hit(first, 3, 'high', 3)), false, "not a's last tally: recorded");
  assert.equal(repeat(b, hit(loss, 3, undefined, 6)), false, 'worse than its worst: recorded');
  assert.equal(repeat(a, hit(first, 4, 'high', 2)), true, "a's last tally is 'high' now");
  assert.deepEqual(
    folded.findings(DEFAULT_THRESHOLDS, () => 1),
    all.findings(DEFAULT_THRESHOLDS, () => 1),
  );
});
