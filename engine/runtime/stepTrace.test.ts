// The per-step trace: every step of a short stretch, each spike of a long one, nothing twice, in bounded memory.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STEP_TRACE_CAPACITY, StepTrace } from './stepTrace';

/** Adds a step as the trainer does. */
function add(t: StepTrace, step: number, loss: number, before: number, after: number): void {
  t.incoming.set([loss, before, after]);
  t.add(step);
}

/** A trace of steps 1..n with loss 1/step and norms 10 + step (after clipping: half). */
function traceOf(n: number, spikeAt = -1): StepTrace {
  const t = new StepTrace();
  for (let s = 1; s <= n; s++) {
    const norm = s === spikeAt ? 1e6 : 10 + (s % 7);
    add(t, s, s === spikeAt ? 99 : 1 / s, norm, norm / 2);
  }
  return t;
}

test('a short stretch comes out whole, in order, and only once', () => {
  const t = traceOf(50);
  const { loss, norm } = t.drain(0, 128);
  assert.deepEqual(
    loss.map((p) => p.step),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.equal(loss[9].loss, 1 / 10);
  assert.deepEqual(norm[9], { step: 10, before: 13, after: 6.5 });
  assert.deepEqual(t.drain(0, 128), { loss: [], norm: [] });
});

test('steps already sent are left out (a replay after Step Back records them again)', () => {
  const t = traceOf(20);
  const { loss, norm } = t.drain(15, 128);
  assert.deepEqual(
    loss.map((p) => p.step),
    [16, 17, 18, 19, 20],
  );
  assert.deepEqual(
    norm.map((p) => p.step),
    [16, 17, 18, 19, 20],
  );
});

test('a long stretch is thinned to the bound, keeps its spike and ends at the newest step', () => {
  const n = 50 * STEP_TRACE_CAPACITY;
  for (const spikeAt of [3, 12_345, n - 1]) {
    const { loss, norm } = traceOf(n, spikeAt).drain(0, 64);
    for (const points of [loss, norm]) {
      assert.ok(points.length <= 64 && points.length > 16, `${points.length} points`);
      assert.equal(points[points.length - 1].step, n);
      const steps = points.map((p) => p.step);
      assert.deepEqual(
        steps,
        [...steps].sort((a, b) => a - b),
      );
      assert.ok(steps.includes(spikeAt), `spike at ${spikeAt} kept`);
    }
    assert.equal(loss.find((p) => p.step === spikeAt)!.loss, 99);
    assert.deepEqual(
      norm.find((p) => p.step === spikeAt),
      { step: spikeAt, before: 1e6, after: 5e5 },
    );
  }
});

test('a thinned stretch also keeps its lowest loss, and a NaN ranks above everything', () => {
  const t = new StepTrace();
  const n = 3 * STEP_TRACE_CAPACITY;
  for (let s = 1; s <= n; s++) add(t, s, s === 777 ? -5 : s === 4000 ? NaN : 1, 1, 1);
  const { loss } = t.drain(0, 32);
  assert.equal(loss.find((p) => p.step === 777)?.loss, -5);
  assert.ok(Number.isNaN(loss.find((p) => p.step === 4000)?.loss));
});

test('clear forgets the steps recorded (another timeline follows)', () => {
  const t = traceOf(10);
  t.clear();
  add(t, 4, 0.5, 2, 2);
  assert.deepEqual(t.drain(0, 128), { loss: [{ step: 4, loss: 0.5 }], norm: [{ step: 4, before: 2, after: 2 }] });
});
