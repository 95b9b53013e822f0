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
  assert.equal(out.step, 5, "the rest is rank 0's progress");
  assert.deepEqual(out.layers, r0.layers);
});

test('a stop before any progress: the step and loss it knows, no modules, no loss points', () => {
  const p = progressAtStop({ step: 0, loss: null, gradNormBefore: NaN, gradNormAfter: NaN });
  assert.deepEqual([p.step, p.layers, p.newLossPoints], [0, [], []]);
  assert.ok(Number.isNaN(p.loss) && Number.isNaN(p.gradNormBeforeClip));
  assert.equal(progressAtStop({ step: 4, loss: 0.25, gradNormBefore: 2, gradNormAfter: 1 }).loss, 0.25);
});
