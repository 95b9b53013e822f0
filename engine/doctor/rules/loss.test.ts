// loss-not-decreasing, loss-spike and overfitting: built runs for each, and runs built not to trigger them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../../language/parser';
import { Trainer } from '../../runtime/trainer';
import { LOSS, PREVIOUS_LOSS, STEP, StepSeries } from '../series';
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
  for (let ev = t.advance(); ev; ev = t.advance()) if (ev.phase === 'update') rule.afterUpdate!(ctx);
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

/** Every hit of loss-spike fed through its series hook in blocks of `block` recorded steps, as "step: measured". */
function spikeHitsInBlocks(text: string, th: DoctorThresholds, block: number): string[] {
  const { spec } = parseNnet(text);
  assert.ok(spec);
  const t = new Trainer(spec),
    s = new StepSeries(t, block),
    rule = lossSpike(),
    out: string[] = [];
  const ctx: RuleContext = { trainer: t, thresholds: th, report: (h) => out.push(`${h.step}: ${h.measured}`) };
  const look = () => {
    rule.updateSeries!(ctx, s, 0, s.length);
    s.clipSeen = s.updateSeen = s.length;
    s.compact();
  };
  while (t.advanceStep()) {
    s.recordStep(t, t.step - 1);
    if (s.length === block) look();
  }
  look();
  t.dispose();
  return out;
}

test('loss-spike: blocks of recorded steps, whose steps below where the run started are passed over, find every hit', () => {
  const text = (lr: number, batch: number) =>
    net(
      '  dense h1 8 tanh init=xavier\n  dense out 1 sigmoid',
      `  epochs 60\n  batch ${batch}\n  optimizer sgd lr=${lr}\n  seed 4`,
    );
  let compared = 0;
  for (const src of [line(0.6), line(0.45), line(0.1), text(2, 1), text(0.5, 3), text(8, 2)])
    for (const factor of [1, 1.5, 3])
      for (const window of [2, 10]) {
        const th = { ...DEFAULT_THRESHOLDS, lossSpikeFactor: factor, window };
        const want = spikeHits(exactLossSpike(), src, th);
        for (const block of [3, 21, 64, 256])
          assert.deepEqual(
            spikeHitsInBlocks(src, th, block),
            want,
            `factor ${factor}, window ${window}, block ${block}`,
          );
        compared += want.length;
      }
  assert.ok(compared > 200, `${compared} hits compared`);
});

test('loss-spike: blocks passed over leave the ring as the steps one by one do (spikes right after a quiet block)', () => {
  // A loss curve made up: quiet stretches well below the start, each ended by a burst above it within a window or two
  // (where the ring's last losses decide the means), at every offset from a block's end.
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const losses: number[] = [1, 1.2, 0.9, 1.1, 1, 0.8, 1.3, 1, 0.95, 1.05];
  while (losses.length < 6000) {
    const quiet = 30 + Math.floor(rand() * 400),
      burst = 1 + Math.floor(rand() * 25);
    for (let k = 0; k < quiet; k++) losses.push(0.05 + 0.4 * rand());
    for (let k = 0; k < burst; k++) losses.push(rand() < 0.3 ? 0.3 * rand() : 1 + 6 * rand());
  }
  const hits = (th: DoctorThresholds, block: number): string[] => {
    const out: string[] = [];
    const stub = { spec: { train: { clip: null } }, model: { nodes: [] }, previousLoss: 0, step: 0 };
    const ctx: RuleContext = {
      trainer: stub as unknown as Trainer,
      thresholds: th,
      report: (h) => out.push(`${h.step}: ${h.measured}`),
    };
    if (block === 0) {
      // The reference, fed one step at a time.
      const exact = exactLossSpike();
      losses.forEach((loss, k) => {
        stub.previousLoss = loss;
        stub.step = k + 1;
        exact.afterUpdate!(ctx);
      });
      return out;
    }
    const rule = lossSpike(),
      s = new StepSeries(stub as unknown as Trainer, block);
    const rows = s.rows;
    const look = () => {
      rule.updateSeries!(ctx, s, 0, s.length);
      s.clipSeen = s.updateSeen = s.length;
      s.compact();
    };
    losses.forEach((loss, k) => {
      const o = s.length++ * s.stride;
      rows[o + STEP] = k;
      rows[o + PREVIOUS_LOSS] = rows[o + LOSS] = loss;
      if (s.length === block) look();
    });
    look();
    return out;
  };
  let compared = 0;
  for (const factor of [1, 1.5, 3])
    for (const window of [2, 10]) {
      const th = { ...DEFAULT_THRESHOLDS, lossSpikeFactor: factor, window };
      const want = hits(th, 0);
      for (const block of [3, 21, 64, 256]) assert.deepEqual(hits(th, block), want, `${factor} ${window} ${block}`);
      compared += want.length;
    }
  assert.ok(compared > 500, `${compared} hits compared`);
});
