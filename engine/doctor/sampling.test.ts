// The steps whose update the doctor measures: bursts of `unchangedSteps` steps every `updateSamplePeriod` steps
// (step % period < burst), also after the thresholds change mid-run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import { updateRatioRule } from './rules/updates';
import { allZeroWeights } from './rules/weights';
import { doctoredStep } from './run';
import { net } from './testing';

test('measured steps: step % period < burst, before and after the period and burst change mid-run', () => {
  const { spec } = parseNnet(net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 100\n  batch 8\n  seed 1'));
  assert.ok(spec);
  const t = new Trainer(spec),
    measured: number[] = [];
  // Every measured step hits (any ratio is above a bound of 0): the hits are the measured steps.
  const d = new Doctor(t, {
    rules: [updateRatioRule()],
    thresholds: { updateRatioHigh: 0, updateSamplePeriod: 10, unchangedSteps: 3 },
    onHit: (_, h) => measured.push(h.step),
  });
  for (const whole of [true, false])
    for (let i = 0; i < 60; i++) {
      if (t.step === 31) d.setThresholds({ updateSamplePeriod: 7, unchangedSteps: 2 });
      if (t.step === 92) d.setThresholds({ updateSamplePeriod: 4, unchangedSteps: 1 });
      doctoredStep(d, whole);
    }
  t.dispose();
  const want = Array.from({ length: 120 }, (_, s) => s).filter((s) =>
    s < 31 ? s % 10 < 3 : s < 92 ? s % 7 < 2 : s % 4 < 1,
  );
  assert.deepEqual(measured, want);
});

test('a deferred doctor takes every step bare, the measured ones too, and measures the same numbers at the same steps', () => {
  const { spec } = parseNnet(net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 100\n  batch 8\n  seed 1'));
  assert.ok(spec);
  // The same run twice: deferred in whole steps, and event by event (the events' own observation of each update).
  const run = (deferred: boolean) => {
    const t = new Trainer(spec),
      measured: [number, number][] = [],
      observed: number[] = [];
    const d = new Doctor(t, {
      rules: [updateRatioRule()],
      thresholds: { updateRatioHigh: 0, updateSamplePeriod: 10, unchangedSteps: 3 },
      onHit: (_, h) => measured.push([h.step, h.measured]),
      deferred,
    });
    const advanceStep = t.advanceStep.bind(t);
    t.advanceStep = (beforeUpdate) => {
      if (beforeUpdate) observed.push(t.step);
      return advanceStep(beforeUpdate);
    };
    for (let i = 0; i < 60; i++) {
      if (t.step === 31) d.setThresholds({ updateSamplePeriod: 7, unchangedSteps: 2 });
      doctoredStep(d, deferred);
    }
    d.findings(); // (deferred, the measured updates since the last batch are handed to the rule here)
    t.dispose();
    return { measured, observed };
  };
  const bare = run(true),
    events = run(false);
  const want = Array.from({ length: 60 }, (_, s) => s).filter((s) => (s < 31 ? s % 10 < 3 : s % 7 < 2));
  assert.deepEqual(
    bare.measured.map(([s]) => s),
    want,
  );
  // ‖ΔW‖/‖W‖ of each measured update, to the bit, as its events showed it.
  assert.deepEqual(bare.measured, events.measured);
  assert.deepEqual(bare.observed, []);
});

test('a deferred doctor whose rules measure no update observes the first step before its update while a clip hook waits', () => {
  const text = net(
    '  dense h1 4 tanh init=zeros\n  dense out 1 sigmoid init=constant(0.5)',
    '  epochs 5\n  batch 16\n  optimizer adam lr=0.05\n  seed 7',
  );
  const { spec } = parseNnet(text);
  assert.ok(spec);
  const t = new Trainer(spec);
  // all-zero reads W before the first update, at its clip event; nothing here is ever measured.
  const d = new Doctor(t, { rules: [allZeroWeights()], source: text, deferred: true });
  for (let i = 0; i < 5; i++) doctoredStep(d);
  t.dispose();
  const found = d.findings();
  assert.deepEqual(
    found.map((f) => [f.rule, f.layer, f.firstStep]),
    [['all-zero', 'h1', 0]],
  );
});

test('a deferred doctor without a series hands its measured updates over each time its log fills, and at the end', () => {
  const { spec } = parseNnet(net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 100\n  batch 8\n  seed 1'));
  assert.ok(spec);
  const t = new Trainer(spec),
    told: number[][] = [];
  // Every measured step hits; a log of 4 entries; a burst of 3 every 5 steps.
  const d = new Doctor(t, {
    rules: [updateRatioRule()],
    thresholds: { updateRatioHigh: 0, updateSamplePeriod: 5, unchangedSteps: 3 },
    onHit: (_, h) => told[told.length - 1].push(h.step),
    deferred: true,
    batchSteps: 4,
  });
  for (let i = 0; i < 12; i++) {
    told.push([]);
    doctoredStep(d, true);
  }
  told.push([]);
  const f = d.findings();
  t.dispose();
  // Measured: 0 1 2, 5 6 7, 10 11. The fourth entry (step 5) fills the log, the eighth (step 11) too; nothing is left.
  assert.deepEqual(told, [[], [], [], [], [], [0, 1, 2, 5], [], [], [], [], [], [6, 7, 10, 11], []]);
  assert.equal(f.find((x) => x.rule === 'update-ratio')?.count, 8);
});
