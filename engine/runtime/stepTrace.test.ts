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

test('a short stretch comes out whole, in order, counted, and only once', () => {
  const t = traceOf(50);
  const { loss, norm, counted } = t.drain(128);
  assert.deepEqual(
    loss.map((p) => p.step),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.equal(loss[9].loss, 1 / 10);
  assert.deepEqual(norm[9], { step: 10, before: 13, after: 6.5 });
  assert.deepEqual(counted, { steps: 50, clipped: 50 }); // (every step's norm after is half its norm before)
  assert.deepEqual(t.drain(128), { loss: [], norm: [], counted: { steps: 0, clipped: 0 } });
});

test('steps replayed after going back are neither drained nor counted again; those past the newest drained are', () => {
  const t = traceOf(20);
  t.drain(128);
  t.rewindTo(14); // back to a state of step 14, then replayed and on
  for (let s = 15; s <= 24; s++) add(t, s, 1, 2, s % 2 ? 1 : 2);
  const { loss, norm, counted } = t.drain(128);
  assert.deepEqual(
    loss.map((p) => p.step),
    [21, 22, 23, 24],
  );
  assert.deepEqual(
    norm.map((p) => p.step),
    [21, 22, 23, 24],
  );
  assert.deepEqual(counted, { steps: 4, clipped: 2 });
});

test('a long stretch counts every step and every clipped one, however thinned its points', () => {
  const t = new StepTrace();
  const n = 10 * STEP_TRACE_CAPACITY;
  for (let s = 1; s <= n; s++) add(t, s, 1, 3, s % 7 === 0 ? 1 : 3);
  const { norm, counted } = t.drain(64);
  assert.ok(norm.length <= 64);
  assert.deepEqual(counted, { steps: n, clipped: Math.floor(n / 7) });
});

test('a long stretch is thinned to the bound, keeps its spike and ends at the newest step', () => {
  const n = 50 * STEP_TRACE_CAPACITY;
  for (const spikeAt of [3, 12_345, n - 1]) {
    const { loss, norm } = traceOf(n, spikeAt).drain(64);
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
  const { loss } = t.drain(32);
  assert.equal(loss.find((p) => p.step === 777)?.loss, -5);
  assert.ok(Number.isNaN(loss.find((p) => p.step === 4000)?.loss));
});

test('going back keeps the steps up to the state gone back to, not yet drained, and drops those after', () => {
  const t = traceOf(10);
  t.rewindTo(6); // (the doctor takes step 7 again event by event, or a NaN's origin is searched from step 6)
  add(t, 7, 0.5, 2, 2);
  const { loss, norm, counted } = t.drain(128);
  assert.deepEqual(
    loss.map((p) => p.step),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual(norm.at(-1), { step: 7, before: 2, after: 2 });
  assert.equal(loss.at(-1)?.loss, 0.5, "step 7 as computed again, not the dropped one's values");
  assert.deepEqual(counted, { steps: 10, clipped: 10 }, 'steps 1–10 counted once each');
});

test('going back into a thinned stretch keeps it in order, and the steps after it arrive again', () => {
  const t = new StepTrace();
  const n = 5 * STEP_TRACE_CAPACITY,
    back = 3 * STEP_TRACE_CAPACITY + 7;
  for (let s = 1; s <= n; s++) add(t, s, 1 / s, 1, 1);
  t.rewindTo(back);
  for (let s = back + 1; s <= back + 100; s++) add(t, s, 5, 1, 1); // another timeline (a value was set)
  const { loss, counted } = t.drain(64);
  const steps = loss.map((p) => p.step);
  assert.deepEqual(
    steps,
    [...steps].sort((a, b) => a - b),
  );
  assert.ok(new Set(steps).size === steps.length && steps.at(-1) === back + 100, `${steps.slice(-3)}`);
  assert.ok(loss.some((p) => p.step > back && p.loss === 5) && loss.some((p) => p.step <= back));
  assert.equal(counted.steps, n);
});
