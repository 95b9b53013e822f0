// Learning-rate schedules at chosen steps: warm-up start and end, step boundaries, exponential decay, cosine ends and midpoint.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONSTANT_LR, learningRateAt, type LrSchedule } from './schedules';

const near = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual}, expected ${expected}`,
  );

test('constant: the base rate at every step', () => {
  for (const step of [0, 1, 99, 1000]) assert.equal(learningRateAt(CONSTANT_LR, 0.1, step, 100), 0.1);
});

test('linear warm-up: lr·(step+1)/warmup, reaching the base rate on the last warm-up step', () => {
  const s: LrSchedule = { schedule: { kind: 'constant' }, warmupSteps: 4 };
  near(learningRateAt(s, 0.1, 0, 100), 0.025, 'step 0 = base/4');
  near(learningRateAt(s, 0.1, 1, 100), 0.05, 'step 1');
  near(learningRateAt(s, 0.1, 2, 100), 0.075, 'step 2');
  near(learningRateAt(s, 0.1, 3, 100), 0.1, 'step 3 = warmup − 1 = base');
  near(learningRateAt(s, 0.1, 4, 100), 0.1, 'after warm-up');
});

test('step: ×gamma every `every` steps, counted from the end of warm-up', () => {
  const s: LrSchedule = { schedule: { kind: 'step', every: 10, gamma: 0.5 }, warmupSteps: 0 };
  near(learningRateAt(s, 0.1, 0, 100), 0.1, 'step 0');
  near(learningRateAt(s, 0.1, 9, 100), 0.1, 'step 9, last of the first block');
  near(learningRateAt(s, 0.1, 10, 100), 0.05, 'step 10, first decay');
  near(learningRateAt(s, 0.1, 19, 100), 0.05, 'step 19');
  near(learningRateAt(s, 0.1, 20, 100), 0.025, 'step 20');
  const w: LrSchedule = { schedule: { kind: 'step', every: 10, gamma: 0.5 }, warmupSteps: 5 };
  near(learningRateAt(w, 0.1, 14, 100), 0.1, 'k = 9 after 5 warm-up steps');
  near(learningRateAt(w, 0.1, 15, 100), 0.05, 'k = 10');
});

test('exponential: ×gamma every step', () => {
  const s: LrSchedule = { schedule: { kind: 'exponential', gamma: 0.9 }, warmupSteps: 0 };
  near(learningRateAt(s, 0.1, 0, 100), 0.1, 'step 0');
  near(learningRateAt(s, 0.1, 3, 100), 0.1 * 0.729, 'step 3 = base·0.9³');
});

test('cosine: base at the start, (base + min)/2 halfway, min at the end and after', () => {
  const s: LrSchedule = { schedule: { kind: 'cosine', minLr: 0.01 }, warmupSteps: 0 };
  near(learningRateAt(s, 0.1, 0, 100), 0.1, 'step 0');
  near(learningRateAt(s, 0.1, 25, 100), 0.01 + (0.09 * (1 + Math.SQRT1_2)) / 2, 'quarter: cos(π/4)');
  near(learningRateAt(s, 0.1, 50, 100), 0.055, 'midpoint = (0.1 + 0.01)/2');
  near(learningRateAt(s, 0.1, 100, 100), 0.01, 'end');
  near(learningRateAt(s, 0.1, 150, 100), 0.01, 'held at min after the end');
});

test('cosine after warm-up anneals over the remaining totalSteps − warmupSteps', () => {
  const s: LrSchedule = { schedule: { kind: 'cosine', minLr: 0 }, warmupSteps: 10 };
  near(learningRateAt(s, 0.2, 0, 110), 0.02, 'warm-up start = base/10');
  near(learningRateAt(s, 0.2, 9, 110), 0.2, 'warm-up end');
  near(learningRateAt(s, 0.2, 10, 110), 0.2, 'cosine start');
  near(learningRateAt(s, 0.2, 60, 110), 0.1, 'cosine midpoint, 50 of 100 steps');
  near(learningRateAt(s, 0.2, 110, 110), 0, 'cosine end');
  // Warm-up as long as the run: nothing left to anneal, min from then on (no 0/0).
  const all: LrSchedule = { schedule: { kind: 'cosine', minLr: 0.001 }, warmupSteps: 10 };
  near(learningRateAt(all, 0.2, 10, 10), 0.001, 'T = 0');
});

test('bad schedules throw RangeError', () => {
  assert.throws(() => learningRateAt(CONSTANT_LR, 0.1, -1, 10), RangeError);
  assert.throws(() => learningRateAt(CONSTANT_LR, 0.1, 1.5, 10), RangeError);
  assert.throws(() => learningRateAt({ schedule: { kind: 'constant' }, warmupSteps: -2 }, 0.1, 0, 10), RangeError);
  assert.throws(
    () => learningRateAt({ schedule: { kind: 'step', every: 0, gamma: 0.5 }, warmupSteps: 0 }, 0.1, 3, 10),
    RangeError,
  );
});
