// The loss rules' passes over many recorded rows at once (four rows an iteration) against the same rows handed one at
// a time: the same hits with the same numbers, bit for bit, on made-up loss curves whose hits hang on one row.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trainer } from '../../runtime/trainer';
import { LOSS, STEP, type StepSeries } from '../series';
import { DEFAULT_THRESHOLDS } from '../thresholds';
import type { Rule, RuleContext } from '../types';
import { lossNotDecreasing, lossSpike } from './loss';

const STRIDE = 7;

/** Every hit of `rule` over `losses` (one row each), handed to its series hook `block` rows at a time. */
function hits(rule: Rule, losses: readonly number[], block: number): string[] {
  const rows = new Float64Array(losses.length * STRIDE);
  losses.forEach((l, k) => {
    rows[k * STRIDE + STEP] = k;
    rows[k * STRIDE + LOSS] = l;
  });
  const s = {
    rows,
    stride: STRIDE,
    meanLoss: LOSS,
    at: (k: number, field: number) => rows[k * STRIDE + field],
  } as unknown as StepSeries;
  const out: string[] = [];
  const ctx: RuleContext = {
    trainer: { spec: { train: {} } } as unknown as Trainer,
    thresholds: DEFAULT_THRESHOLDS,
    report: (h) => out.push(`${h.step}: ${h.measured}`),
  };
  for (let from = 0; from < losses.length; from += block)
    rule.updateSeries!(ctx, s, from, Math.min(losses.length, from + block));
  return out;
}

/** A little generator of numbers in [0, 1), the same at every run. */
function random(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

test('loss-not-decreasing: windows summed over blocks of rows are the windows summed row by row, to the bit', () => {
  // The first window at 1, the others hovering around the rule's bound (1 % below it): some hit, some do not, and
  // each window's mean (the hit's number) hangs on every one of its rows.
  const next = random(7),
    w = DEFAULT_THRESHOLDS.window;
  const losses = Array.from({ length: 1000 }, (_, k) => (k < w ? 1 : 0.99 + (next() - 0.5) * 0.004));
  const want = hits(lossNotDecreasing(), losses, 1);
  assert.ok(want.length > 20 && want.length < 90, `${want.length} of 99 windows hit`);
  for (const block of [2, 3, 4, 5, 7, 8, 13, 64, 256, 1000])
    assert.deepEqual(hits(lossNotDecreasing(), losses, block), want, `blocks of ${block}`);
});

test('loss-spike: a block passed over as below where the run started is not one whose only hit is at any of its rows', () => {
  // The run starts at 1 and falls to 0.1; the only window above the start ends at step p (nine losses of 0.3, then
  // 7.35 at p: a mean of 1.005; the windows ending one step before and after it 0.28 and 0.985), so p is the one hit.
  // A block over p must find it, whichever row of an iteration of four p is.
  const w = DEFAULT_THRESHOLDS.window;
  let compared = 0;
  for (let p = 100; p < 108; p++) {
    const losses = Array.from({ length: 200 }, (_, k) => (k < w ? 1 : k === p ? 7.35 : k > p - w && k < p ? 0.3 : 0.1));
    const want = hits(lossSpike(), losses, 1);
    assert.equal(want.length, 1, `spike at ${p}: ${want.join(', ')}`);
    for (const block of [30, 64, 97])
      assert.deepEqual(hits(lossSpike(), losses, block), want, `${p}, blocks of ${block}`);
    compared++;
  }
  assert.equal(compared, 8);
});

test('loss-spike: a block with a non-finite loss at any of its rows is not passed over as below where the run started', () => {
  // A run that falls from 1 to 0.1, but for one loss at p and a spike 2w steps later (at q, as in the test above):
  // an infinite loss is a spike itself (its windows' mean is infinite); after a NaN, the steps one by one find the
  // spike at q once the NaN has left their windows. A block over p and q that was passed over would lose them.
  const w = DEFAULT_THRESHOLDS.window;
  for (const bad of [Infinity, -Infinity, NaN])
    for (let p = 100; p < 108; p++) {
      const q = p + 2 * w,
        losses = Array.from({ length: 200 }, (_, k) =>
          k < w ? 1 : k === p ? bad : k === q ? 7.35 : k > q - w && k < q ? 0.3 : 0.1,
        );
      const want = hits(lossSpike(), losses, 1);
      assert.ok(
        want.some((h) => h.startsWith(`${q}:`)),
        `${bad} at ${p}: the spike at ${q} is found (${want})`,
      );
      for (const block of [48, 64, 97])
        assert.deepEqual(hits(lossSpike(), losses, block), want, `${bad} at ${p}, blocks of ${block}`);
    }
});
