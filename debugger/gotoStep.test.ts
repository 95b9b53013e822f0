// Go to Step's move from each kind of place (entry, before, inside, at and after the target step) and where its
// rewind lands, driven without a run loop.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { History } from '../engine/runtime/history';
import { Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { gotoStepMove, isStepStart } from './gotoStep';

const xor = fs.readFileSync(path.join(__dirname, '..', 'examples', 'xor.nnet'), 'utf8');

/** XOR's events in a step (two nodes forward, the loss, two backward, clip, update). */
const E = 7;

/** A trainer with history, `events` events in, and the last event. */
function trained(events: number, budget = 1 << 20): { t: Trainer; h: History; last: TrainerEvent | null } {
  const t = new Trainer(parseNnet(xor).spec!);
  assert.equal(t.eventsPerStep, E);
  const h = new History(t, budget);
  let last: TrainerEvent | null = null;
  for (let i = 0; i < events; i++) {
    if (t.atStepStart) h.record();
    last = t.advance();
  }
  return { t, h, last };
}

test('forward from entry or an earlier step; here at the step start; back from later in the step or a later step', () => {
  const entry = trained(0);
  assert.deepEqual(gotoStepMove(entry.t, entry.h, null, 1), { kind: 'forward', step: 0 });
  const mid = trained(2 * E + 2); // step 3 (1-based), its second event
  assert.equal(mid.last!.step, 2);
  assert.deepEqual(gotoStepMove(mid.t, mid.h, mid.last, 4), { kind: 'forward', step: 3 });
  assert.equal(gotoStepMove(mid.t, mid.h, mid.last, 3).kind, 'back');
  assert.equal(gotoStepMove(mid.t, mid.h, mid.last, 1).kind, 'back');
  const start = trained(2 * E + 1); // the first event of step 3
  assert.ok(isStepStart(start.last!));
  assert.equal(gotoStepMove(start.t, start.h, start.last, 3).kind, 'here');
});

test('a rewind lands on the first event of the step, and the trainer is just after it', () => {
  const { t, h, last } = trained(E * 40 + 3);
  const move = gotoStepMove(t, h, last, 7);
  assert.equal(move.kind, 'back');
  if (move.kind !== 'back') return;
  let r = move.plan.replay.next();
  while (!r.done) r = move.plan.replay.next();
  const landing = move.plan.land({ kind: 'done', result: r.value });
  assert.ok(!('error' in landing));
  if ('error' in landing) return;
  assert.deepEqual(landing.ev, { phase: 'forward', layer: 0, step: 6, epoch: 6, micro: 0 });
  assert.equal(landing.notice, 'Went to the start of step 7');
  assert.equal(t.eventIndex, E * 6 + 1);
});

test('refused before anything moves: steps from 1, past the end, older than the history', () => {
  const { t, h, last } = trained(9);
  assert.throws(() => gotoStepMove(t, h, last, 0), /steps count from 1/);
  assert.throws(() => gotoStepMove(t, h, last, 1.5), /steps count from 1/);
  assert.throws(() => gotoStepMove(t, h, last, t.totalSteps + 1), new RegExp(`the run has ${t.totalSteps} steps`));
  // The smallest history (two checkpoints) of a long run no longer reaches its first steps.
  const long = trained(E * 1900, 1);
  assert.ok(long.h.earliestStep > 0);
  const before = long.t.eventIndex;
  assert.throws(() => gotoStepMove(long.t, long.h, long.last, 1), /history reaches back to step \d+.*historyMB/);
  assert.equal(long.t.eventIndex, before);
});
