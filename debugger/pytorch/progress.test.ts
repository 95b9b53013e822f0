// A probe's progress as the view's Progress, and the per-rank gradient norms of a distributed run attached to it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressAtStop, progressOf, withRanks } from './progress';

const probeProgress = (step: number, norm: number) =>
  ({
    kind: 'progress',
    step,
    stepsPerSecond: 10,
    losses: [[step, 0.5]],
    modules: [{ path: 'fc1', meanAbsGrad: 0.1, maxAbsGrad: 0.4, gradNorm: norm }],
    gradNormBefore: norm,
    gradNormAfter: norm,
    clipNorm: null,
  }) as const;

test('one rank: progress as it is, no per-rank norms', () => {
  const p = progressOf(probeProgress(3, 2), NaN);
  assert.equal(withRanks(p, new Map([[0, p]])), p);
  assert.equal(p.ranks, undefined);
});

test('many ranks: each rank latest norm before clipping, in rank order, NaN kept', () => {
  const r0 = progressOf(probeProgress(5, 1.5), NaN);
  const r1 = progressOf(probeProgress(4, NaN), NaN);
  const r2 = progressOf(probeProgress(5, 30), NaN);
  const latest = new Map([
    [2, r2],
    [0, r0],
    [1, r1],
  ]);
  const out = withRanks(r0, latest);
  assert.deepEqual(out.ranks, [
    { rank: 0, gradNorm: 1.5 },
    { rank: 1, gradNorm: NaN },
    { rank: 2, gradNorm: 30 },
  ]);
  assert.equal(out.step, 6, "the rest is rank 0's progress (its step 5 counted from 1)");
  assert.deepEqual(out.layers, r0.layers);
});

const stop = (over: Partial<Parameters<typeof progressAtStop>[0]>): Parameters<typeof progressAtStop>[0] => ({
  phase: 'forward',
  step: 0,
  loss: null,
  gradNormBefore: NaN,
  gradNormAfter: NaN,
  modules: null,
  ...over,
});

test('steps count from 1 in the view, as in the Call Stack and the loss curve', () => {
  const p = progressOf(probeProgress(0, 2), NaN);
  assert.equal(p.step, 1, "the probe's step 0 is the first step");
  assert.deepEqual(p.newLossPoints, [{ epoch: 1, loss: 0.5 }]);
});

test('a forward stop before any progress: the step and loss it knows, no modules, no loss points', () => {
  const p = progressAtStop(stop({}), undefined);
  assert.deepEqual([p.step, p.layers, p.newLossPoints], [1, [], []]);
  assert.ok(Number.isNaN(p.loss) && Number.isNaN(p.gradNormBeforeClip));
  assert.equal(progressAtStop(stop({ step: 4, loss: 0.25, gradNormBefore: 2 }), undefined).loss, 0.25);
});

test("a forward stop after progress: the rank's latest progress", () => {
  const latest = progressOf(probeProgress(3, 2), NaN);
  assert.equal(progressAtStop(stop({ step: 5 }), latest), latest);
});

test("a backward stop: this step's modules so far, the stop's step, no norm from an earlier step", () => {
  const latest = progressOf(probeProgress(3, 2), NaN);
  const fc2 = { path: 'fc2', meanAbsGrad: 0.01, maxAbsGrad: 0.2, gradNorm: 0.5 };
  const fc3 = { path: 'fc3', meanAbsGrad: 0.02, maxAbsGrad: 0.3, gradNorm: 0.7 };
  const p = progressAtStop(
    stop({ phase: 'backward', step: 4, loss: 0.3, gradNormBefore: 2, gradNormAfter: 2, modules: [fc3, fc2] }),
    latest,
  );
  assert.equal(p.step, 5);
  assert.deepEqual(
    p.layers.map((l) => [l.name, l.meanAbsGrad, l.maxAbsGrad]),
    [
      ['fc3', 0.02, 0.3],
      ['fc2', 0.01, 0.2],
    ],
  );
  assert.ok(Number.isNaN(p.gradNormBeforeClip), "step 4's norm is not step 5's");
  assert.deepEqual(p.newLossPoints, [], 'the loss curve is not drawn twice');
  assert.equal(p.loss, 0.3);
  const atStepEnd = progressAtStop(stop({ phase: 'stepEnd', step: 4, gradNormBefore: 3, modules: [fc2] }), latest);
  assert.equal(atStepEnd.gradNormBeforeClip, 3, "at the step's end its norm is known");
});
