// loss-not-decreasing, loss-spike and overfitting: built runs for each, and runs built not to trigger them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../../language/parser';
import { Trainer } from '../../runtime/trainer';
import { findingsOf, lineOf, net } from '../testing';
import { DEFAULT_THRESHOLDS, type DoctorThresholds } from '../thresholds';
import type { Rule, RuleContext } from '../types';
import { lossSpike } from './loss';

const xor = (opt: string) =>
  net('  dense h1 8 tanh init=xavier\n  dense out 1 sigmoid', `  epochs 40\n  batch 16\n  optimizer ${opt}\n  seed 1`);

test('loss-not-decreasing: a learning rate of 1e-7 leaves the loss where it started, on the loss line', () => {
  const text = xor('sgd lr=0.0000001');
  const [f] = findingsOf(text, 'loss-not-decreasing');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'loss bce'));
});

test('loss-not-decreasing: Adam with lr=0.05 learns', () => {
  assert.deepEqual(findingsOf(xor('adam lr=0.05'), 'loss-not-decreasing'), []);
});

// y = x on five points: SGD on the mean squared error is stable below lr = 0.5 (curvature 2·E[x²] = 4).
const line = (lr: number) =>
  net('  dense out 1 identity init=zeros', `  epochs 60\n  batch 5\n  optimizer sgd lr=${lr}\n  shuffle off`, {
    input: 1,
    loss: 'mse',
    data: '\n  -2 -> -2\n  -1 -> -1\n  0 -> 0\n  1 -> 1\n  2 -> 2',
  });

test('loss-spike: SGD past its stability limit makes the loss grow many times over from window to window', () => {
  const text = line(0.6);
  const [f] = findingsOf(text, 'loss-spike');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'optimizer'));
  assert.ok(f.evidence.measured > 3);
});

test('loss-spike: below the limit the loss only falls', () => {
  assert.deepEqual(findingsOf(line(0.1), 'loss-spike'), []);
});

const moons = (layers: string, epochs: number) =>
  net(layers, `  epochs ${epochs}\n  batch 20\n  optimizer adam lr=0.01\n  validation 0.25\n  seed 3`, {
    data: 'generate moons n=80 noise=0.3 seed=6',
  });

test('overfitting: 2×64 ReLU units on 60 noisy samples, on the data line', () => {
  const text = moons('  dense h1 64 relu init=he\n  dense h2 64 relu init=he\n  dense out 1 sigmoid', 200);
  const [f] = findingsOf(text, 'overfitting');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'data generate'));
  assert.ok(f.evidence.measured > 0.1);
});

test('overfitting: a linear model cannot overfit these samples', () => {
  assert.deepEqual(findingsOf(moons('  dense out 1 sigmoid', 100), 'overfitting'), []);
});

/** loss-spike as it was first written: both means of every step summed afresh (the reference for the running sum). */
function exactLossSpike(): Rule {
  let ring: Float64Array | null = null,
    seen = 0,
    first = NaN;
  const mean = (from: number, n: number) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += ring![(from + k) % ring!.length];
    return s / n;
  };
  return {
    id: 'loss-spike',
    afterUpdate({ trainer: t, thresholds: th, report }) {
      const w = th.window;
      ring ??= new Float64Array(2 * w);
      ring[seen++ % (2 * w)] = t.previousLoss;
      if (seen === w) first = mean(0, w);
      if (seen < 2 * w) return;
      const recent = mean(seen - w, w);
      if (!(recent > first)) return;
      const before = mean(seen - 2 * w, w);
      if (recent > th.lossSpikeFactor * before)
        report({
          anchor: { kind: 'optimizer' },
          step: t.step - 1,
          measured: recent / before,
          threshold: th.lossSpikeFactor,
          excess: 1,
          message: () => '',
        });
    },
  };
}

/** Every hit of `rule` over a run of `text`, as "step: measured". */
function spikeHits(rule: Rule, text: string, th: DoctorThresholds): string[] {
  const { spec } = parseNnet(text);
  assert.ok(spec);
  const t = new Trainer(spec),
    out: string[] = [];
  const ctx: RuleContext = { trainer: t, thresholds: th, report: (h) => out.push(`${h.step}: ${h.measured}`) };
  for (let ev = t.advance(); ev; ev = t.advance()) if (ev.phase === 'update') rule.afterUpdate!(ctx, null);
  return out;
}

test('loss-spike: the running sum that skips the exact means finds every hit of summing both means every step', () => {
  const text = (lr: number, batch: number) =>
    net(
      '  dense h1 8 tanh init=xavier\n  dense out 1 sigmoid',
      `  epochs 60\n  batch ${batch}\n  optimizer sgd lr=${lr}\n  seed 4`,
    );
  let compared = 0;
  for (const src of [line(0.6), line(0.45), text(2, 1), text(0.5, 3), text(8, 2)])
    for (const factor of [1, 1.02, 1.5, 3])
      for (const window of [2, 10]) {
        const th = { ...DEFAULT_THRESHOLDS, lossSpikeFactor: factor, window };
        const want = spikeHits(exactLossSpike(), src, th);
        assert.deepEqual(spikeHits(lossSpike(), src, th), want, `factor ${factor}, window ${window}`);
        compared += want.length;
      }
  assert.ok(compared > 200, `${compared} hits compared`);
});
