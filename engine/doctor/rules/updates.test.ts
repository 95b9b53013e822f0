// update-ratio and unchanged-weights: a learning rate far too large or too small, and a layer no gradient reaches.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trainer } from '../../runtime/trainer';
import { findingsOf, lineOf, net } from '../testing';
import { DEFAULT_THRESHOLDS } from '../thresholds';
import type { Hit } from '../types';
import { UpdateLog } from '../updateLog';
import { unchangedWeights } from './updates';

const withLr = (opt: string, epochs = 10) =>
  net(
    '  dense h1 8 tanh init=xavier\n  dense out 1 sigmoid',
    `  epochs ${epochs}\n  batch 16\n  optimizer ${opt}\n  seed 1`,
  );

test('update-ratio: Adam with lr=1 moves the weights by more than a tenth of their size each step', () => {
  const text = withLr('adam lr=1', 2);
  const f = findingsOf(text, 'update-ratio').find((x) => x.evidence.threshold === 0.1);
  assert.ok(f, 'fires (too large)');
  assert.equal(f.line + 1, lineOf(text, 'optimizer'));
  assert.ok(f.evidence.measured > 0.1);
});

test('update-ratio: SGD with lr=1e-7 barely moves them', () => {
  const f = findingsOf(withLr('sgd lr=0.0000001'), 'update-ratio').find((x) => x.evidence.threshold === 1e-4);
  assert.ok(f, 'fires (too small)');
  assert.ok(f.evidence.measured < 1e-4);
});

test('update-ratio: Adam with lr=0.01 stays within [1e-4, 1e-1]', () => {
  assert.deepEqual(findingsOf(withLr('adam lr=0.01'), 'update-ratio'), []);
});

const dying = (bias: string) =>
  net(
    `  dense h1 16 relu init=he bias_init=${bias}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );

test('unchanged-weights: W of a layer whose units are all dead never moves', () => {
  const text = dying('constant(-10)');
  const [f] = findingsOf(text, 'unchanged-weights').filter((x) => x.layer === 'h1');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.ok(f.evidence.measured >= 3);
});

test('unchanged-weights: a live layer moves', () => {
  assert.deepEqual(findingsOf(dying('zeros'), 'unchanged-weights'), []);
});

test('unchanged-weights: a batch of entries with no matrix unchanged ends every streak, as the entries one by one do', () => {
  // One matrix, entries in one burst (consecutive): 2 unchanged, 1 moved, then unchangedSteps − 1 unchanged. No
  // streak reaches unchangedSteps, handed over one entry at a time or in batches split around the moved entry (a
  // batch with nothing unchanged in it, which the rule passes over).
  const th = DEFAULT_THRESHOLDS,
    flags = [1, 1, 0, ...Array<number>(th.unchangedSteps - 1).fill(1)],
    log = new UpdateLog(flags.length, [0]);
  log.unchanged.set(flags);
  log.consecutive.fill(1);
  log.length = flags.length;
  const hitsOf = (batches: readonly (readonly [number, number])[]) => {
    const rule = unchangedWeights(),
      out: number[] = [];
    const ctx = {
      trainer: { model: { nodes: [{ name: 'h1' }] } } as unknown as Trainer,
      thresholds: th,
      report: (h: Hit) => out.push(h.measured),
    };
    for (const [from, to] of batches) rule.afterUpdates!(ctx, log, from, to);
    return out;
  };
  const one = hitsOf(flags.map((_, e) => [e, e + 1] as const));
  assert.deepEqual(one, []);
  assert.deepEqual(
    hitsOf([
      [0, 2],
      [2, 3],
      [3, flags.length],
    ]),
    one,
  );
  // A streak long enough hits: the same entries without the moved one between them.
  log.unchanged[2] = 1;
  const streaks = flags.map((_, e) => e + 1);
  assert.deepEqual(
    hitsOf([
      [0, 2],
      [2, 3],
      [3, flags.length],
    ]),
    streaks.filter((n) => n >= th.unchangedSteps),
  );
});
