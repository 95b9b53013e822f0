// The step record holds, for every step since the oldest checkpoint, the scalars the trainer had through that step
// (taken whole or event by event), grows to span the history, forgets what an edit rewrites, and records nothing for
// steps of several micro-batches.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { StepRecord, type RecordedStep } from './stepRecord';
import { Trainer } from './trainer';

const examples = path.join(__dirname, '..', '..', 'examples');
const trainerFor = (name: string) => new Trainer(parseNnet(fs.readFileSync(path.join(examples, name), 'utf8')).spec!);
const blank = (): RecordedStep => ({
  step: -1,
  epoch: -1,
  start: -1,
  loss: NaN,
  previousLoss: NaN,
  baseLr: NaN,
  batchSize: -1,
});

test('the record holds each step as its events saw the trainer, whether the step was taken whole or event by event', () => {
  const t = trainerFor('classify.nnet'),
    rec = new StepRecord(t);
  // What the trainer showed at each step's backward events, taken event by event on a second trainer.
  const seen: RecordedStep[] = [];
  const u = trainerFor('classify.nnet');
  while (u.step < 500) {
    const ev = u.advance();
    assert.ok(ev);
    if (ev.phase === 'backward' && ev.layer === 0)
      seen.push({
        step: ev.step,
        epoch: ev.epoch,
        start: u.eventIndex - u.stepPosition,
        loss: u.loss,
        previousLoss: u.previousLoss,
        baseLr: u.baseLr,
        batchSize: u.batchSize,
      });
  }
  while (t.step < 500) {
    rec.note(0);
    if (t.step % 3) assert.ok(t.advanceStep());
    else for (const s = t.step; t.step === s;) assert.ok(t.advance());
  }
  rec.note(0);
  for (const want of seen) {
    const got = blank();
    assert.ok(rec.read(want.step, got), `step ${want.step} recorded`);
    assert.deepEqual(got, want);
  }
  const next = blank();
  assert.ok(rec.read(500, next) && Number.isNaN(next.loss) && next.batchSize === -1, 'a step not ended has no loss');
});

test('the record grows to span the history, and forgets the steps an edit rewrites', () => {
  const t = trainerFor('xor.nnet'),
    rec = new StepRecord(t);
  while (t.step < 1900) {
    rec.note(0);
    assert.ok(t.advanceStep());
  }
  rec.note(0);
  const got = blank();
  assert.ok(rec.read(0, got) && rec.read(1899, got) && got.loss > 0, 'all 1900 steps kept');
  rec.note(1890); // a history whose oldest step is 1890 lets the ring keep its size
  rec.truncateAfter(got.start + 3); // an edit inside step 1899
  assert.ok(!rec.read(1899, got), 'the edited step is forgotten');
  assert.ok(rec.read(1898, got), 'the steps before it are kept');
});

test('a run of several micro-batches a step records nothing (a step has several losses)', () => {
  const t = trainerFor('accumulate.nnet'),
    rec = new StepRecord(t);
  assert.notEqual(t.spec.train.accumulate, 1);
  while (t.step < 20) {
    rec.note(0);
    assert.ok(t.advanceStep());
  }
  assert.ok(!rec.read(5, blank()));
});
