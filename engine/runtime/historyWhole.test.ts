// History.searchBack taking steps whole (searchWhole): it finds the event the event-by-event search finds, also where
// a step cannot be decided whole (it then goes on event by event), where the search starts inside a step, and with
// an edit in the history; and a step taken again leaves the doctor's recorded row and bounds as the run left them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRADS, type StepRecorder } from '../nn/stepRecorder';
import { parseNnet } from '../language/parser';
import { History } from './history';
import type { WholeSearch } from './historySearch';
import { Trainer, type TrainerEvent } from './trainer';

const SOURCE = `network hw
  input 3
  dense h1 6 tanh
  dense h2 4 relu
  dense out 2 softmax
loss cross_entropy

data
${Array.from({ length: 20 }, (_, r) => `  ${[Math.sin(r), Math.cos(2 * r), (r % 4) / 4].map((v) => v.toFixed(3)).join(' ')} -> ${r % 2} ${1 - (r % 2)}`).join('\n')}

train
  epochs 100
  batch 6
  optimizer adam lr=0.02
  seed 5
`;

/** A trainer `events` events in, trained by whole steps as the run loop does, with its history. */
function trained(events: number): { t: Trainer; h: History } {
  const t = new Trainer(parseNnet(SOURCE).spec!),
    h = new History(t, 1 << 20);
  while (t.eventIndex + t.eventsPerStep <= events) {
    h.record();
    t.advanceStep();
  }
  while (t.eventIndex < events) {
    h.record();
    t.advance();
  }
  return { t, h };
}

/** Whether the search stops at `ev`: a rule on the step, the event, and a value computed at that event. */
function stopsAt(t: Trainer, ev: TrainerEvent, seed: number): boolean {
  if ((ev.step * 7 + ev.layer * 3 + seed) % 11 !== 0) return false;
  // A value the event has computed (its node's activations), which later events of the step leave alone.
  const a = t.model.acts[ev.layer + 1];
  return ev.phase === 'forward' ? a[0] > -0.5 : ev.phase === 'backward' && a[1] < 0.5;
}

/** The same rule decided at a step's clip, for its events before `end`; undefined for the steps in `undecided`. */
function wholeRule(t: Trainer, seed: number, undecided: (step: number) => boolean): WholeSearch {
  const L = t.model.nodes.length;
  return (start, end) => {
    if (undecided(t.step)) return undefined;
    for (let pos = Math.min(2 * L, end - start - 1); pos >= 0; pos--) {
      if (pos === L) continue;
      const backward = pos > L,
        ev: TrainerEvent = {
          phase: backward ? 'backward' : 'forward',
          layer: backward ? 2 * L - pos : pos,
          step: t.step,
          epoch: t.epoch,
          micro: 0,
        };
      if (stopsAt(t, ev, seed)) return start + pos;
    }
    return null;
  };
}

const finish = <R>(g: Generator<unknown, R>): R => {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
};

test('searchBack taking steps whole finds the event the event-by-event search finds', () => {
  let found = 0,
    taken = 0;
  for (let seed = 0; seed < 24; seed++) {
    const events = 300 + seed * 37; // some inside a step
    const { t, h } = trained(events);
    const before = events - 1 - (seed % 5);
    const stepOf = new Map<number, number>();
    const byEvents = finish(
      h.searchBack(before, (ev) => {
        if (!stopsAt(t, ev, seed)) return false;
        stepOf.set(t.eventIndex - 1, ev.step);
        return true;
      }),
    );
    // Every third search cannot decide whole the very step it finds (nor, some, any step).
    const undecided =
      seed % 3 === 0 ? (s: number) => s === stepOf.get(byEvents ?? -1) : seed % 3 === 1 ? () => false : () => true;
    const advanceStep = t.advanceStep.bind(t);
    t.advanceStep = (hook) => {
      taken++;
      return advanceStep(hook);
    };
    const byWhole = finish(
      h.searchBack(before, (ev) => stopsAt(t, ev, seed), undefined, undefined, wholeRule(t, seed, undecided)),
    );
    assert.equal(byWhole, byEvents, `seed ${seed}`);
    if (byEvents !== null) found++;
    t.dispose();
  }
  assert.ok(found >= 12, `searches that found an event: ${found}`);
  assert.ok(taken > 100, `steps taken whole: ${taken}`);
});

test('searchBack takes no step whole over an edit it makes again, and finds what the events find', () => {
  const seed = 4;
  const { t, h } = trained(400);
  // An edit at a step start some way back, made again by any replay passing it; then the run goes on from there.
  const at = t.eventsPerStep * 20;
  h.goTo(at - 1);
  t.model.params[0] += 0.5;
  const w = t.model.params[0];
  h.edit(() => (t.model.params[0] = w));
  while (t.eventIndex < 400) {
    h.record();
    t.advance();
  }
  const byEvents = finish(h.searchBack(399, (ev) => stopsAt(t, ev, seed)));
  let overEdit = 0;
  const advanceStep = t.advanceStep.bind(t);
  t.advanceStep = (hook) => {
    if (t.eventIndex <= at && t.eventIndex + t.eventsPerStep > at) overEdit++;
    return advanceStep(hook);
  };
  const byWhole = finish(
    h.searchBack(
      399,
      (ev) => stopsAt(t, ev, seed),
      undefined,
      undefined,
      wholeRule(t, seed, () => false),
    ),
  );
  assert.equal(byWhole, byEvents);
  assert.equal(overEdit, 0, 'no whole step over the edit');
  t.dispose();
});

test('A step searchBack takes whole leaves the recorder’s next row and bounds as they were', () => {
  const { t, h } = trained(300);
  const L = t.model.nodes.length,
    stride = GRADS + 2 * L;
  const rec: StepRecorder = {
    rows: new Float64Array(8 * stride).fill(7),
    stride,
    length: 3,
    norms: true,
    bounds: Float64Array.of(-Infinity, Infinity, Infinity, -Infinity),
  };
  t.recordInto(rec);
  t.advanceStep(); // to a step start
  h.record();
  t.advanceStep(); // the generated step writes the recorder's row: proof that it records
  assert.notDeepEqual(Array.from(rec.rows.subarray(3 * stride, 4 * stride)), Array(stride).fill(7));
  const rows = rec.rows.slice(),
    bounds = rec.bounds.slice();
  let taken = 0;
  const advanceStep = t.advanceStep.bind(t);
  t.advanceStep = (hook) => {
    taken++;
    return advanceStep(hook);
  };
  finish(
    h.searchBack(
      t.eventIndex - 1,
      () => false,
      undefined,
      undefined,
      () => null,
    ),
  );
  assert.ok(taken > 10, `steps taken whole: ${taken}`);
  assert.deepEqual(rec.rows, rows);
  assert.deepEqual(rec.bounds, bounds);
  t.dispose();
});
