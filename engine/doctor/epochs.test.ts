// The doctor's per-epoch work: a rule with nothing more to look at at an epoch's end is no longer asked (a tiny
// network ends an epoch every few steps), and the hits offered at epochs' ends are the same.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import { unscaledInputs } from './rules/inputs';
import { overfitting } from './rules/loss';
import { doctoredStep } from './run';
import { net } from './testing';
import type { Rule } from './types';

/** Counts a rule's epoch hook and pending calls. */
function counted(rule: Rule): { rule: Rule; epochs: number; pending: number } {
  const c = { rule, epochs: 0, pending: 0 };
  c.rule = {
    ...rule,
    afterEpoch: rule.afterEpoch && ((ctx) => (c.epochs++, rule.afterEpoch!(ctx))),
    pending: rule.pending && (() => (c.pending++, rule.pending!())),
  };
  return c;
}

/** 60 steps of moons (12 epochs of 5 steps), with or without a validation split; the hits offered at epochs' ends. */
function run(validation: boolean) {
  const text = net(
    '  dense h1 64 relu init=he\n  dense h2 64 relu init=he\n  dense out 1 sigmoid',
    `  epochs 200\n  batch 12\n  optimizer adam lr=0.01\n${validation ? '  validation 0.25\n' : ''}  seed 3`,
    { data: 'generate moons n=80 noise=0.3 seed=6' },
  );
  const { spec } = parseNnet(text);
  assert.ok(spec);
  const t = new Trainer(spec),
    over = counted(overfitting()),
    inputs = counted(unscaledInputs()),
    offered: string[] = [];
  const d = new Doctor(t, {
    rules: [over.rule, inputs.rule],
    onHit: (rule, h) => offered.push(`${rule}@${h.step}`),
    deferred: true,
  });
  for (let i = 0; i < 600; i++) doctoredStep(d);
  const epochs = t.epochs.length;
  t.dispose();
  return { over, inputs, offered, epochs, findings: d.findings().map((f) => [f.rule, f.firstStep, f.count]) };
}

test('without validation rows overfitting is asked at the first epoch end only; unscaled-inputs until it has offered its hit', () => {
  const r = run(false);
  assert.ok(r.epochs > 10, `${r.epochs} epochs`);
  assert.equal(r.over.epochs, 1);
  assert.equal(r.over.pending, 1);
  // Measured after the first update: its hit (if any) offered at the first epoch's end, then nothing more asked.
  const unscaled = r.offered.filter((o) => o === 'unscaled-inputs@0').length;
  assert.equal(r.inputs.pending, 1 + unscaled);
  assert.equal(r.offered.length, unscaled);
});

test('with validation rows overfitting is asked at every epoch end, and offers its hits there', () => {
  const r = run(true);
  assert.equal(r.over.epochs, r.epochs);
  assert.equal(r.over.pending, r.epochs);
  assert.ok(r.offered.filter((o) => o.startsWith('overfitting@')).length > 0, r.offered.join(' '));
});
