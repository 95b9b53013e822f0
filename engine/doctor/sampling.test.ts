// The steps whose update the doctor measures: the first of each `updateSamplePeriod` steps, and the steps after it
// (`unchangedSteps` in all) while a weight matrix stays unchanged; also after the thresholds change mid-run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import { updateRatioRule } from './rules/updates';
import { allZeroWeights } from './rules/weights';
import { doctoredStep } from './run';
import { net } from './testing';
import type { DoctorThresholds } from './thresholds';
import type { Rule } from './types';

/** A rule that tells `measured` every measured step, as the log hands its entries over. */
function measuredSteps(measured: (step: number) => void): Rule {
  return {
    id: 'unchanged-weights',
    needsUpdates: true,
    afterUpdates(_, log, from, to) {
      for (let e = from; e < to; e++) measured(log.steps[e]);
    },
  };
}

/**
 * A doctor on a small learning network with the recording rule and update-ratio, whose bound of 0 every measured
 * step's ratio is above: the steps measured, and those update-ratio read (its hits).
 */
function watched(thresholds: Partial<DoctorThresholds>) {
  const { spec } = parseNnet(net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 100\n  batch 8\n  seed 1'));
  assert.ok(spec);
  const t = new Trainer(spec),
    measured: number[] = [],
    ratioHits: number[] = [];
  const d = new Doctor(t, {
    rules: [measuredSteps((s) => measured.push(s)), updateRatioRule()],
    thresholds: { updateRatioHigh: 0, ...thresholds },
    onHit: (rule, h) => {
      if (rule === 'update-ratio') ratioHits.push(h.step);
    },
  });
  return { t, d, measured, ratioHits };
}

test('measured: the first step of each period, the burst after it while a matrix stays unchanged, as thresholds change', () => {
  // An absolute tolerance of 1 holds every small update unchanged: bursts go on to their third step.
  const { t, d, measured, ratioHits } = watched({ updateSamplePeriod: 10, unchangedSteps: 3, unchangedAtol: 1 });
  for (const whole of [true, false])
    for (let i = 0; i < 60; i++) {
      // Mid-burst (step 20 measured unchanged): 21 is measured, and nothing is unchanged there, so 22 is not.
      if (t.step === 21) d.setThresholds({ unchangedAtol: 0, unchangedRtol: 0 });
      if (t.step === 92) d.setThresholds({ updateSamplePeriod: 4, unchangedSteps: 1 });
      doctoredStep(d, whole);
    }
  d.findings();
  t.dispose();
  const starts = Array.from({ length: 120 }, (_, s) => s).filter((s) => (s < 92 ? s % 10 === 0 : s % 4 === 0));
  assert.deepEqual(measured, [0, 1, 2, 10, 11, 12, 20, 21, ...starts.slice(3)]);
  // update-ratio reads the first measured step of each period only.
  assert.deepEqual(ratioHits, starts);
});

test('where bursts touch (a period no longer than a burst) every step is measured, and each is a period of update-ratio', () => {
  const { t, d, measured, ratioHits } = watched({ updateSamplePeriod: 2, unchangedSteps: 3, persistence: 0 });
  for (let i = 0; i < 12; i++) doctoredStep(d);
  const f = d.findings();
  t.dispose();
  const all = Array.from({ length: 12 }, (_, s) => s);
  assert.deepEqual(measured, all);
  assert.deepEqual(
    ratioHits,
    all.filter((s) => s % 2 === 0),
  );
  assert.equal(f.find((x) => x.rule === 'update-ratio')?.count, 6);
});

test('a deferred doctor takes every step bare, the measured ones too, and measures the same numbers at the same steps', () => {
  const { spec } = parseNnet(net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 100\n  batch 8\n  seed 1'));
  assert.ok(spec);
  // The same run twice: deferred in whole steps, and event by event (the events' own observation of each update).
  const run = (deferred: boolean) => {
    const t = new Trainer(spec),
      measured: [number, number][] = [],
      logged: number[] = [],
      observed: number[] = [];
    // Whole bursts (every small update unchanged at a tolerance of 1); update-ratio hits at the first of each.
    const d = new Doctor(t, {
      rules: [measuredSteps((s) => logged.push(s)), updateRatioRule()],
      thresholds: { updateRatioHigh: 0, updateSamplePeriod: 10, unchangedSteps: 3, unchangedAtol: 1 },
      onHit: (rule, h) => {
        if (rule === 'update-ratio') measured.push([h.step, h.measured]);
      },
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
    return { measured, logged, observed };
  };
  const bare = run(true),
    events = run(false);
  const steps = Array.from({ length: 60 }, (_, s) => s);
  assert.deepEqual(
    bare.logged,
    steps.filter((s) => (s < 31 ? s % 10 < 3 : s % 7 < 2)),
  );
  assert.deepEqual(bare.logged, events.logged);
  assert.deepEqual(
    bare.measured.map(([s]) => s),
    steps.filter((s) => (s < 31 ? s % 10 === 0 : s % 7 === 0)),
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
  // A log of 4 entries; a whole burst of 3 every 5 steps (every small update unchanged at a tolerance of 1), each
  // entry told to the recording rule as the log hands it over; update-ratio hits at the first step of each burst.
  const d = new Doctor(t, {
    rules: [measuredSteps((s) => told[told.length - 1].push(s)), updateRatioRule()],
    thresholds: { updateRatioHigh: 0, updateSamplePeriod: 5, unchangedSteps: 3, unchangedAtol: 1 },
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
  assert.equal(f.find((x) => x.rule === 'update-ratio')?.count, 3);
});
