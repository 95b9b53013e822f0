// The history's checkpoint spacing under a controlled clock: copies that cost too much of a long step space
// checkpoints wider, and a spacing a window of slow copies widened narrows again once copies are cheap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { History } from './history';
import { Trainer } from './trainer';

const SOURCE =
  'network n\n  input 2\n  dense h 8 tanh\n  dense out 1 sigmoid\nloss bce\n\n' +
  'data generate xor n=16 seed=1\n\ntrain\n  epochs 1000\n  batch 16\n  optimizer sgd lr=0.1\n  seed 2\n';

test('a spacing widened by a window of slow copies narrows again once copies are cheap', (t) => {
  let clock = 0;
  t.mock.method(performance, 'now', () => clock);
  const tr = new Trainer(parseNnet(SOURCE).spec!);
  // The smallest ring (no growth, whose fresh memory is paced apart), a checkpoint at every step start as for N5.
  const h = new History(tr, 1);
  (h as unknown as { stepsBetween: number }).stepsBetween = 1;
  let copyMs = 4.5;
  const save = tr.saveState.bind(tr);
  tr.saveState = (...args: Parameters<Trainer['saveState']>) => {
    clock += copyMs;
    return save(...args);
  };
  /** Trains `steps` steps of 50 ms each (N5's, about), recording as the run loop does, and returns the spacing. */
  const train = (steps: number): number => {
    for (let i = 0; i < steps; i++) {
      h.record();
      assert.ok(tr.advanceStep());
      clock += 50;
    }
    return h.interval;
  };
  // A 4.5 ms copy is 8 % of a step: over the 6 % cap at every step, within it every second step.
  assert.equal(train(60), 2, 'copies at every step cost too much');
  assert.equal(train(60), 2, 'and every second step is within the cap: it stays');
  copyMs = 30; // a window of slow copies
  assert.ok(train(20) >= 4, `slow copies space checkpoints wider (${h.interval})`);
  copyMs = 4.5;
  assert.equal(train(120), 2, 'cheap copies again: back to every second step, not wider for good');
  assert.equal(train(60), 2, 'and it stays there');
  tr.dispose();
});
