// The step record holds the loss of every step since the oldest checkpoint as the trainer had it through that step
// (taken whole or event by event), grows to span the history, forgets what an edit rewrites, and records nothing for
// steps of several micro-batches.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { StepRecord } from './stepRecord';
import { Trainer } from './trainer';

const examples = path.join(__dirname, '..', '..', 'examples');
const trainerFor = (name: string) => new Trainer(parseNnet(fs.readFileSync(path.join(examples, name), 'utf8')).spec!);

test('the record holds each step’s loss as its backward events saw it, whether the step was taken whole or not', () => {
  const t = trainerFor('classify.nnet'),
    rec = new StepRecord(t);
  // The loss at each step's backward events, taken event by event on a second trainer.
  const seen: number[] = [];
  const u = trainerFor('classify.nnet');
  while (u.step < 500) {
    const ev = u.advance();
    assert.ok(ev);
    if (ev.phase === 'backward' && ev.layer === 0) seen.push(u.loss);
  }
  rec.reach(0, 500);
  while (t.step < 500) {
    rec.note();
    if (t.step % 3) assert.ok(t.advanceStep());
    else for (const s = t.step; t.step === s;) assert.ok(t.advance());
  }
  rec.note();
  assert.deepEqual(
    seen.map((_, s) => rec.loss(s)),
    seen,
  );
  assert.ok(Number.isNaN(rec.loss(500)), 'a step not ended has no loss recorded');
  // Past its loss event, the step the trainer is in is recorded on request.
  for (let i = 0; i < 4; i++) t.advance();
  rec.noteCurrent();
  assert.ok(Number.isNaN(rec.loss(500)), 'not before the loss event');
  for (let i = 0; i < 2; i++) t.advance();
  rec.noteCurrent();
  assert.equal(rec.loss(500), t.loss);
});

test('the record grows to span the history, and forgets the steps an edit rewrites', () => {
  const t = trainerFor('xor.nnet'),
    rec = new StepRecord(t),
    first = rec.bytes;
  while (t.step < 1900) {
    rec.note();
    rec.reach(0, 1); // as the history does at each checkpoint (here one every step)
    assert.ok(t.advanceStep());
  }
  rec.note();
  assert.ok(rec.loss(0) > 0 && rec.loss(1899) > 0, 'all 1900 steps kept');
  // Two float64 per slot, the slots a power of two: 2048 for 1900 steps.
  assert.deepEqual([first, rec.bytes], [16 * 256, 16 * 2048], 'the memory it holds');
  rec.forgetFrom(1899); // an edit inside step 1899
  assert.ok(Number.isNaN(rec.loss(1899)), 'the edited step is forgotten');
  assert.ok(rec.loss(1898) > 0, 'the steps before it are kept');
});

test('a run of several micro-batches a step records nothing (a step has several losses)', () => {
  const t = trainerFor('accumulate.nnet'),
    rec = new StepRecord(t);
  assert.notEqual(t.spec.train.accumulate, 1);
  while (t.step < 20) {
    rec.note();
    assert.ok(t.advanceStep());
  }
  assert.ok(Number.isNaN(rec.loss(5)));
});
