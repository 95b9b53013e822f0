// Progress messages: the update ratios of messages sent while training are measured within their share of the time.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { Trainer } from '../engine/runtime/trainer';
import { ProgressMeter, UPDATE_RATIO_SHARE } from './runProgress';

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
  const exact = ratios(meter.progress(t)); // a stop measures them now
  assert.notDeepEqual(exact, first);
  assert.deepEqual(ratios(meter.progress(t, true)), first); // 10 ms of measuring: not again within 10 / share ms
  c.time += 10 / UPDATE_RATIO_SHARE;
  assert.deepEqual(ratios(meter.progress(t, true)), exact);
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
