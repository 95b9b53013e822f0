// The fresh-process benches' bookkeeping (content, not speed): the order of the rounds, who picks the step count,
// the length of the runs, the steady time per step and the per-round ratios; and a short bare side.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../engine/doctor/thresholds';
import {
  earlyPerStep,
  measureSide,
  OVERHEAD_SIDES,
  ratioStats,
  roundOrder,
  runRounds,
  runSteps,
  samplesPerCpuSecond,
  steadyPerStep,
} from './freshSides';
import { BATCHES } from './networks';
import { RUN_MODES, type RunTiming } from './nnet';

const run = (seconds: number, steps = 1000): RunTiming => ({ seconds, steps, capped: false });

test('two sides alternate A B, B A, …; more are rotated, so none is always first or last', () => {
  assert.deepEqual(roundOrder(['bare', 'doctor'], 4), [
    ['bare', 'doctor'],
    ['doctor', 'bare'],
    ['bare', 'doctor'],
    ['doctor', 'bare'],
  ]);
  const rounds = roundOrder(OVERHEAD_SIDES, 3);
  assert.equal(rounds[0][0], 'bare');
  for (const r of rounds) assert.deepEqual([...r].sort(), [...OVERHEAD_SIDES].sort());
  assert.deepEqual(
    rounds.map((r) => r[0]),
    OVERHEAD_SIDES.slice(0, 3),
  );
  assert.deepEqual(
    rounds.map((r) => r.at(-1)),
    [OVERHEAD_SIDES.at(-1), 'bare', OVERHEAD_SIDES[1]],
  );
  assert.deepEqual(OVERHEAD_SIDES, ['bare', ...Object.keys(RUN_MODES)]);
});

test('the first process picks the step count and every later one is given it; a failed side is left out', () => {
  const calls: [string, number | undefined][] = [];
  const r = runRounds(['a', 'b', 'c'] as const, 3, (side, steps) => {
    calls.push([side, steps]);
    if (side === 'c' && calls.length > 3) return { reason: 'it stops' };
    return run(1, steps ?? 480);
  });
  assert.ok(!('reason' in r));
  assert.equal(r.steps, 480);
  assert.deepEqual(calls, [
    ['a', undefined],
    ['b', 480],
    ['c', 480],
    ['b', 480],
    ['c', 480], // fails: c is not run again, and its first round's run is dropped too
    ['a', 480],
    ['a', 480],
    ['b', 480],
  ]);
  assert.deepEqual(r.failed, { c: 'it stops' });
  assert.deepEqual(
    r.rounds.map((x) => Object.keys(x).sort()),
    [
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ],
  );
  // What the others are judged against cannot be measured: the whole is not.
  assert.deepEqual(
    runRounds(['a', 'b'], 3, () => ({ reason: 'n/a here' })),
    { reason: 'n/a here' },
  );
});

test('a run is whole epochs and whole sampling periods, at least the steps asked', () => {
  const period = DEFAULT_THRESHOLDS.updateSamplePeriod;
  for (const target of [0, 1, 16, 39, 40, 41, 1e6 + 3]) {
    const k = runSteps(target);
    assert.ok(k >= target && k > 0, `${target} → ${k}`);
    assert.equal(k % BATCHES, 0);
    assert.equal(k % period, 0);
    assert.ok(k - target < period * BATCHES, `${target} → ${k}`);
  }
});

test('the steady rate runs from the first progress mark at a quarter of the run to the last one', () => {
  // 1000 steps in 1.5 s, of which 0.3 s at the start and 0.2 s at the end: 1 ms a step between the marks.
  const marks = [0.35, 50, 0.5, 200, 0.55, 250, 1.1, 800, 1.3, 1000];
  assert.ok(Math.abs(steadyPerStep({ seconds: 1.5, steps: 1000, capped: false, marks }) - 1e-3) < 1e-12);
  // Marks spanning less than a quarter of the run, or none: the whole run's mean.
  assert.equal(steadyPerStep({ seconds: 1.5, steps: 1000, capped: false, marks: [1.2, 900, 1.3, 1000] }), 1.5e-3);
  assert.equal(steadyPerStep(run(1.5)), 1.5e-3);
  // Before it: from the start to that mark (0.55 s for 250 steps), its start included; NaN without such a mark.
  assert.equal(earlyPerStep({ seconds: 1.5, steps: 1000, capped: false, marks }), 2.2e-3);
  assert.ok(Number.isNaN(earlyPerStep(run(1.5))));
});

test('the ratio of two sides is taken round by round, median and middle half, over the rounds that have both', () => {
  // Per round a ÷ b: +10 %, +30 %, +20 % (b at half the steps in half the time: the same rate), then a round without b.
  const rounds = [
    { a: run(1.1), b: run(1) },
    { a: run(1.3), b: run(1) },
    { a: run(1.2), b: run(0.5, 500) },
    { a: run(9) },
  ];
  const s = ratioStats(rounds, 'a', 'b');
  assert.deepEqual(
    s.perRound.map((x) => Math.round(x * 1e9) / 1e9),
    [10, 30, 20],
  );
  assert.ok(Math.abs(s.median - 20) < 1e-9 && Math.abs(s.spread[0] - 10) < 1e-9 && Math.abs(s.spread[1] - 30) < 1e-9);
  // Round by round, not the ratio of the medians: here each side's median time is 1.5 s against 1 s (+50 %), while
  // two rounds of three saw the sides equal.
  const paired = ratioStats(
    [
      { a: run(1), b: run(1) },
      { a: run(2), b: run(2) },
      { a: run(1.5), b: run(1) },
    ],
    'a',
    'b',
  );
  assert.ok(Math.abs(paired.median) < 1e-9, String(paired.median));
  assert.ok(Number.isNaN(ratioStats([{ a: run(1) }], 'a', 'b').median));
  assert.equal(samplesPerCpuSecond(4, [run(1), run(0.5, 500)]), (4 * 1500) / 1.5);
});

test('the bare side trains the steps it is given, in whole steps, as a run-loop side does', async () => {
  const b = await measureSide('N1', 'bare', 0.01, 0, 40),
    t = await measureSide('N1', 'train', 0.01, 0, 40);
  for (const s of [b, t]) {
    assert.equal(s.steps, 40);
    assert.equal(s.capped, false);
    assert.ok(s.seconds >= 0 && Array.isArray(s.marks));
  }
});
