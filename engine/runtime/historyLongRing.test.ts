// A long step's history (a checkpoint at every step start, as for N5) holds three checkpoints from the start, before
// its paced growth adds any: a pause at a step's start, a few steps into a session, can Step Back through the two
// whole steps before it (with a ring of two it reached one, and an N5 session's tenth Step Back failed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { History } from './history';
import { Trainer } from './trainer';

const INPUTS = 512,
  BATCH = 128;

/** 512 inputs, 1024 and 512 hidden units, batch 128: ~6·1.05M·128 flops a step, long by the history's measure. */
function longStepSource(): string {
  const rows: string[] = [];
  for (let r = 0; r < BATCH; r++) {
    const x = Array.from({ length: INPUTS }, (_, j) => (((r * 31 + j * 17) % 97) / 97 - 0.5).toFixed(2));
    rows.push(`  ${x.join(' ')} -> ${r % 2} ${1 - (r % 2)}`);
  }
  return (
    `network n\n  input ${INPUTS}\n  dense h1 1024 relu\n  dense h2 512 relu\n  dense out 2 softmax\n` +
    `loss cross_entropy\n\ndata\n${rows.join('\n')}\n\ntrain\n  epochs 20\n  batch ${BATCH}\n  optimizer sgd lr=0.01\n  seed 1\n`
  );
}

test('a long step keeps three checkpoints from the start: Step Back reaches two whole steps back before any growth', () => {
  const parsed = parseNnet(longStepSource());
  assert.equal(parsed.diagnostics.filter((d) => d.severity === 'error').length, 0);
  const t = new Trainer(parsed.spec!);
  const h = new History(t, 256 * 1024 * 1024);
  const inner = h as unknown as { interval: number; mayGrow: () => boolean };
  inner.mayGrow = () => false; // no paced growth: only the ring it starts with
  assert.equal(inner.interval, 1, 'long: a checkpoint at every step start');
  assert.equal(h.stats.count, 1, 'one checkpoint taken, at the start of training');
  const E = t.eventsPerStep;
  // Five steps event by event, recording at every step start as the run loop does; paused at step 6's start.
  while (t.step < 5) {
    if (t.atStepStart) h.record();
    t.advance();
  }
  h.record();
  const at = t.eventIndex;
  assert.equal(at, 5 * E);
  assert.equal(h.stats.count, 3, 'the ring holds three checkpoints without growing');
  assert.equal(h.earliestEvent, 3 * E, 'the oldest kept is two whole steps back');
  // Step Back one event at a time through both whole steps before the pause: every one lands.
  for (let target = at - 1; target >= at - 2 * E; target--) {
    const ev = h.goTo(target);
    assert.equal(t.eventIndex, target + 1, `Step Back to event ${target}`);
    assert.ok(ev, `an event at ${target}`);
  }
  assert.throws(() => h.goTo(at - 2 * E - 1), /oldest state kept/);
  t.dispose();
});
