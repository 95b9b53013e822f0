// Progress messages: the update ratios of messages sent while training are measured within their share of the time.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { Trainer } from '../engine/runtime/trainer';
import type { WorkerToHost } from './protocol';
import { ProgressMeter, UPDATE_RATIO_SHARE } from './runProgress';
import { drivenRun } from './testing';

const xorSource = fs.readFileSync(path.join(__dirname, '..', 'examples', 'xor.nnet'), 'utf8');

function trainer(steps: number): Trainer {
  const t = new Trainer(parseNnet(xorSource).spec!);
  for (let i = 0; i < steps; i++) t.advanceStep();
  return t;
}

const ratios = (p: { layers: readonly { updateRatio?: number }[] }) => p.layers.map((l) => l.updateRatio);

/** A clock that moves `tick` ms at every reading: measuring the ratios then takes `tick` ms. */
function clock(tick: number) {
  const c = { time: 0, now: () => (c.time += tick) };
  return c;
}

test('a message sent while training repeats the ratios measured last until their share of the time has passed', () => {
  const t = trainer(5),
    c = clock(10),
    meter = new ProgressMeter(c.now);
  meter.restart(t);
  const first = ratios(meter.progress(t, true));
  assert.ok(first.every((r) => r !== undefined && r > 0));
  for (let i = 0; i < 50; i++) t.advanceStep();
  assert.deepEqual(ratios(meter.progress(t, true)), first); // 10 ms of measuring: not again within 10 / share ms
  const exact = ratios(meter.progress(t)); // a stop measures them at its step
  assert.notDeepEqual(exact, first);
  t.advanceStep();
  assert.deepEqual(ratios(meter.progress(t, true)), exact);
  c.time += 10 / UPDATE_RATIO_SHARE;
  const later = ratios(meter.progress(t, true));
  assert.notDeepEqual(later, exact);
  assert.deepEqual(later, ratios(new ProgressMeter().progress(t)));
});

test('stops at the step of the ratios measured last repeat them; another step, or an edit, measures them again', () => {
  const t = trainer(5),
    meter = new ProgressMeter(clock(0).now);
  let passes = 0;
  const stepSquares = t.optimizer.stepSquares.bind(t.optimizer);
  t.optimizer.stepSquares = (offset, length) => (passes++, stepSquares(offset, length));
  const at5 = ratios(meter.progress(t));
  assert.equal(passes, 2); // one per weight matrix
  assert.deepEqual(ratios(meter.progress(t)), at5);
  assert.equal(passes, 2);
  t.advanceStep();
  const at6 = ratios(meter.progress(t));
  assert.equal(passes, 4);
  assert.notDeepEqual(at6, at5);
  t.model.params[0] += 1; // Set Value on a weight
  meter.forgetRatios();
  const edited = ratios(meter.progress(t));
  assert.equal(passes, 6);
  assert.notDeepEqual(edited, at6);
});

test('the ratios of every message are measured when measuring them is cheap, and after a resume', () => {
  const t = trainer(5),
    c = clock(0),
    meter = new ProgressMeter(c.now);
  meter.restart(t);
  meter.progress(t, true);
  t.advanceStep();
  assert.deepEqual(ratios(meter.progress(t, true)), ratios(meter.progress(t)));
  const slow = clock(10),
    m2 = new ProgressMeter(slow.now);
  m2.progress(t, true);
  t.advanceStep();
  m2.restart(t); // a resume (after a rewind, ratios measured before it may be of a step that is gone)
  assert.deepEqual(ratios(m2.progress(t, true)), ratios(m2.progress(t)));
});

test('a message before the first update carries no ratio', () => {
  const t = trainer(0),
    meter = new ProgressMeter(clock(10).now);
  assert.deepEqual(ratios(meter.progress(t, true)), [undefined, undefined]);
  assert.deepEqual(Object.keys(meter.progress(t).layers[0]), ['name', 'meanAbsGrad', 'maxAbsGrad']);
  t.advanceStep();
  assert.deepEqual(Object.keys(meter.progress(t).layers[0]), ['name', 'meanAbsGrad', 'maxAbsGrad', 'updateRatio']);
});

test('a stop after Set Value on a weight shows the update ratios of the edited weights, and one before it the others', async () => {
  const { send } = drivenRun();
  const source = xorSource.replace('epochs 2000', 'epochs 20');
  const ratioOf = (m: WorkerToHost) => (m.kind === 'stopped' ? m.progress.layers.map((l) => l.updateRatio) : []);
  await send({
    kind: 'start',
    fileName: 'xor.nnet',
    source,
    debug: true,
    stopOnEntry: false,
    breakpoints: [{ id: 1, nodes: [1], condition: 'step == 3', phases: ['forward'] }],
    exceptionFilters: [],
    historyBytes: 1 << 20,
  });
  let sub0 = await send({ kind: 'step', step: 'into' });
  // To the first sub-step of an event that has more than one.
  while (sub0.kind === 'stopped' && (sub0.subStep?.count ?? 0) < 2) sub0 = await send({ kind: 'step', step: 'into' });
  const set = await send({ kind: 'setValue', id: 1, path: 'out.W[0][0]', value: '3.5' });
  assert.ok(set.kind === 'reply' && set.ok, JSON.stringify(set));
  const sub1 = await send({ kind: 'step', step: 'into' }); // its second sub-step: a stop at the same step, no resume
  assert.ok(sub0.kind === 'stopped' && sub1.kind === 'stopped' && sub1.subStep?.index === 1, JSON.stringify(sub1));
  assert.equal(sub1.progress.step, sub0.progress.step);
  assert.equal(ratioOf(sub1)[0], ratioOf(sub0)[0]); // h1's weights are as they were
  assert.notEqual(ratioOf(sub1)[1], ratioOf(sub0)[1]);
  // Back past the edit within the same step (a replay that stops before the edit's event): the weights before it.
  await send({ kind: 'step', step: 'back' }); // the first sub-step again
  const before = await send({ kind: 'step', step: 'back' });
  assert.ok(before.kind === 'stopped' && before.progress.step === sub0.progress.step, JSON.stringify(before));
  assert.deepEqual(ratioOf(before), ratioOf(sub0));
});

test('each message carries every step since the previous one: its mean loss and its norms, as the steps left them', () => {
  const wholes = trainer(0),
    events = trainer(0),
    meter = new ProgressMeter(clock(0).now);
  const losses: number[] = [],
    norms: number[] = [];
  for (let i = 0; i < 30; i++) {
    wholes.advanceStep();
    losses.push(wholes.previousLoss);
    norms.push(wholes.clip.normBefore);
    while (events.step === i) events.advance(); // the same steps event by event
  }
  const p = meter.progress(wholes);
  assert.deepEqual(
    p.stepLoss,
    losses.map((loss, i) => ({ step: i + 1, loss })),
  );
  assert.deepEqual(
    p.stepNorms,
    norms.map((n, i) => ({ step: i + 1, before: n, after: n })), // xor.nnet clips at 1, which these steps stay under
  );
  assert.deepEqual(p.stepCount, { steps: 30, clipped: 0 });
  assert.deepEqual(new ProgressMeter().progress(events).stepNorms, p.stepNorms);
  assert.deepEqual(meter.progress(wholes).stepLoss, []); // sent once
});

test('steps replayed after going back are not sent again; the steps past the newest sent are', () => {
  const t = trainer(10),
    meter = new ProgressMeter(clock(0).now);
  const at10 = t.saveState();
  for (let i = 0; i < 10; i++) t.advanceStep();
  assert.equal(meter.progress(t).stepLoss?.length, 20);
  t.restoreState(at10);
  for (let i = 0; i < 15; i++) t.advanceStep();
  const p = meter.progress(t);
  assert.deepEqual(
    p.stepLoss?.map((s) => s.step),
    [21, 22, 23, 24, 25],
  );
  assert.deepEqual(p.stepCount, { steps: 5, clipped: 0 });
});

test('steps not sent yet survive a return to an earlier state (the steps just before a stop of the doctor, a NaN)', () => {
  const t = trainer(0),
    meter = new ProgressMeter(clock(0).now);
  for (let i = 0; i < 10; i++) t.advanceStep();
  const at10 = t.saveState();
  for (let i = 0; i < 10; i++) t.advanceStep();
  t.restoreState(at10); // as a step taken whole is taken again event by event, or a NaN's origin is searched
  for (let i = 0; i < 5; i++) t.advanceStep();
  const p = meter.progress(t),
    fresh = trainer(0),
    losses: number[] = [];
  for (let i = 0; i < 15; i++) {
    fresh.advanceStep();
    losses.push(fresh.previousLoss);
  }
  assert.deepEqual(
    p.stepLoss,
    losses.map((loss, i) => ({ step: i + 1, loss })),
  );
  assert.deepEqual(p.stepCount, { steps: 20, clipped: 0 }, 'steps 1–20 were computed, each counted once');
});
