// Where Step Back and Reverse Continue land for each way their replay ends, driven without a run loop.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { History, RewindError, type ReplayProgress } from '../engine/runtime/history';
import { Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { reverseContinuePlan, stepBackPlan } from './rewind';
import type { SubStepDef } from './substeps';

const xor = fs.readFileSync(path.join(__dirname, '..', 'examples', 'xor.nnet'), 'utf8');

/** A trainer with history (within `budget` bytes), `events` events in. */
function trained(events: number, budget = 1 << 20): { t: Trainer; h: History; last: TrainerEvent } {
  const t = new Trainer(parseNnet(xor).spec!);
  const h = new History(t, budget);
  let last: TrainerEvent | null = null;
  for (let i = 0; i < events; i++) {
    if (t.atStepStart) h.record();
    last = t.advance();
  }
  return { t, h, last: last! };
}

/** Runs a replay to its end and returns its result. */
function finish<R>(g: Generator<ReplayProgress, R>): R {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

const twoSubSteps: SubStepDef[] = [
  { formula: 'one', keys: [] },
  { formula: 'two', keys: [] },
];

test('Step Back lands on the previous event, on its last sub-step when stepping inside', () => {
  const { t, h, last } = trained(5); // forward h1, out, loss, backward out, h1
  assert.deepEqual([last.phase, last.layer], ['backward', 0]);
  const at = t.eventIndex;
  const plan = stepBackPlan(t, h, last, true, () => twoSubSteps);
  assert.equal(plan.title, 'Step Back');
  const landing = plan.land({ kind: 'done', result: finish(plan.replay) });
  assert.ok(!('error' in landing));
  assert.equal(t.eventIndex, at - 1);
  assert.equal(landing.reason, 'step');
  assert.deepEqual(landing.sub, { defs: twoSubSteps, index: 1 });
  assert.deepEqual([landing.ev?.phase, landing.ev?.layer], ['backward', 1]);
});

test('Step Back: a rewind error stays where it was with the reason; anything else ends the run', () => {
  const { t, h, last } = trained(3);
  const plan = stepBackPlan(t, h, last, false, () => []);
  const stay = plan.land({ kind: 'failed', error: new RewindError('too far back') });
  assert.deepEqual(stay, { reason: 'step', ev: last, notice: 'too far back' });
  const boom = new Error('boom');
  assert.deepEqual(plan.land({ kind: 'failed', error: boom }), { error: boom });
});

test('Reverse Continue without a hit rewinds to the start of training; with one it stops there', () => {
  const { t, h } = trained(t0Events());
  const none = reverseContinuePlan(t, h, t.eventIndex, () => false);
  const landing = none.land({ kind: 'done', result: finish(none.replay) });
  assert.ok(!('error' in landing));
  assert.equal(landing.reason, 'entry');
  assert.equal(landing.notice, 'No earlier breakpoint hit: rewound to the start of training');

  const again = trained(t0Events());
  const hit = reverseContinuePlan(again.t, again.h, again.t.eventIndex, (ev) => ev.phase === 'loss');
  const found = hit.land({ kind: 'done', result: finish(hit.replay) });
  assert.ok(!('error' in found));
  assert.equal(found.reason, 'breakpoint');
  assert.equal(found.ev?.phase, 'loss');
});

/** Two steps and a bit of xor. */
function t0Events(): number {
  const t = new Trainer(parseNnet(xor).spec!);
  return 2 * t.eventsPerStep + 3;
}

test('Reverse Continue that nothing can stop lands where the full search does, on the oldest state kept, replaying nothing', () => {
  // A ring of two checkpoints over ~1,500 steps: the oldest state kept is well after the start.
  const { t, h } = trained(1500 * t0Events(), 1);
  const now = t.eventIndex;
  assert.ok(h.earliestEvent > 0, 'the history has forgotten the start');
  /** Where a plan lands, and everything the trainer holds there. */
  const landAfter = (hits: Parameters<typeof reverseContinuePlan>[3]) => {
    const plan = reverseContinuePlan(t, h, now, hits);
    let replayed = 0;
    for (let r = plan.replay.next(); ; r = plan.replay.next()) {
      if (r.done) {
        const landing = plan.land({ kind: 'done', result: r.value });
        const s = t.saveState();
        return {
          landing,
          replayed,
          state: { ...s, params: Array.from(s.params), acts: t.model.acts.map((a) => Array.from(a)) },
        };
      }
      replayed = r.value.done;
    }
  };
  const searched = landAfter(() => false);
  // How far back the ring reaches follows how fast checkpoints are measured to be (History spaces them by time):
  // 560 to 3,248 events here, by the machine's load. So the search is held to the span kept, not to a count.
  const span = now - h.earliestEvent;
  assert.ok(span > 2 * t.eventsPerStep, `the history keeps more than two steps (${span} events)`);
  assert.ok(
    searched.replayed >= span / 2,
    `the search replays most of the history kept (${searched.replayed} of ${span} events)`,
  );
  const fast = landAfter(null);
  assert.equal(fast.replayed, 0);
  assert.deepEqual(fast.landing, searched.landing);
  assert.ok(!('error' in fast.landing));
  assert.match(fast.landing.notice ?? '', /^No earlier breakpoint hit: rewound to the oldest state kept \(step \d+\)$/);
  assert.equal(t.eventIndex, h.earliestEvent + 1);
  assert.deepEqual(fast.state, searched.state, 'the same trainer state: parameters, activations, optimizer, position');
});
