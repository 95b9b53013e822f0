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
