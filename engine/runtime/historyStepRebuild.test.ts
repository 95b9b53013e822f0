// Checkpoints one step apart do not copy the optimizer's applied step (History.save): a rewind rebuilds it from the
// two checkpoints' parameters. Every event reached back equals it reached forward, byte for byte, with the oldest
// checkpoint gone, and after a Set Value of a weight before an update (whose applied step the rebuild would get
// wrong: such checkpoints copy it).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { History } from './history';
import { stopDigest } from './testing';
import { Trainer } from './trainer';

const SOURCE = `network n
  input 3
  dense h1 5 tanh
  dense out 2 softmax
loss cross_entropy

data
${Array.from({ length: 12 }, (_, r) => `  ${Math.sin(r).toFixed(3)} ${Math.cos(2 * r).toFixed(3)} ${((r % 4) / 4).toFixed(2)} -> ${r % 2} ${1 - (r % 2)}`).join('\n')}

train
  epochs 40
  batch 4
  optimizer OPT
  seed 5
`;

/**
 * Trains event by event with a checkpoint at every step start, making `edit` once at event `editAt` as a paused
 * Set Value does; then goes back to every event the history reaches and compares it with the run.
 */
function roundTrip(optimizer: string, editAt: number | null, budgetSlots: number): { omitted: number } {
  const t = new Trainer(parseNnet(SOURCE.replace('OPT', optimizer)).spec!);
  const probe = new History(t, 1 << 30);
  const slot = (probe as unknown as { stateBytes: number }).stateBytes;
  const h = new History(t, slot * budgetSlots);
  const ring = h as unknown as {
    stepsBetween: number;
    mayGrow: () => boolean;
    ring: { optimizer: { stepOmitted?: boolean } }[];
  };
  ring.mayGrow = () => true; // grow to the budget at once: wrapping is decided by the budget alone
  const seen = new Map<number, string>();
  const end = 30 * t.eventsPerStep + 3;
  while (t.eventIndex < end) {
    ring.stepsBetween = 1; // every step start, however quick the steps are
    h.record();
    const ev = t.advance()!;
    if (t.eventIndex === editAt) {
      const apply = () => {
        t.model.params[1] += 0.25; // a weight of h1, before this step's update
        t.forgetBuffers();
      };
      apply();
      h.edit(apply);
    }
    seen.set(t.eventIndex - 1, stopDigest(t, ev));
  }
  const omitted = ring.ring.filter((s) => s.optimizer.stepOmitted).length;
  assert.ok(h.earliestEvent > 0, 'the ring has wrapped');
  for (let target = end - 1; target >= h.earliestEvent; target--) {
    const ev = h.goTo(target);
    assert.equal(stopDigest(t, ev), seen.get(target), `${optimizer}: after event ${target}`);
  }
  t.dispose();
  return { omitted };
}

test('checkpoints one step apart rebuild the applied step: every event reached back equals it reached forward', () => {
  for (const opt of ['sgd lr=0.3', 'momentum lr=0.1', 'adam lr=0.05']) {
    const { omitted } = roundTrip(opt, null, 6);
    assert.ok(omitted >= 4, `${opt}: checkpoints without the step (${omitted})`);
  }
});

test('after a Set Value of a weight before an update, the checkpoints copy the applied step and stay exact', () => {
  // Step 26's forward pass (7 events a step): the checkpoints from step 27 on follow the edit.
  const { omitted } = roundTrip('sgd lr=0.3', 26 * 7 + 1, 6);
  assert.ok(omitted < 6, `not every checkpoint omitted its step (${omitted})`);
});
