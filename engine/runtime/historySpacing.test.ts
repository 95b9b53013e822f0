// The history's checkpoint spacing under a controlled clock: copies that cost too much of a long step space
// checkpoints wider (after two windows of them, not one), a spacing slow copies widened narrows again once copies are
// cheap, and a tiny network's spacing widens while its ring grows, whose growth is paced.

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

test("one window of slow copies leaves a long step's spacing as it is; two in a row widen it", (t) => {
  let clock = 0;
  t.mock.method(performance, 'now', () => clock);
  const tr = new Trainer(parseNnet(SOURCE).spec!);
  const h = new History(tr, 1); // the smallest ring: every checkpoint a copy into a slot it holds
  (h as unknown as { stepsBetween: number }).stepsBetween = 1;
  let copyMs = 2;
  const save = tr.saveState.bind(tr);
  tr.saveState = (...args: Parameters<Trainer['saveState']>) => {
    clock += copyMs;
    return save(...args);
  };
  // Whole windows of four checkpoints, one per 50 ms step.
  const train = (steps: number): number => {
    for (let i = 0; i < steps; i++) {
      h.record();
      assert.ok(tr.advanceStep());
      clock += 50;
    }
    return h.interval;
  };
  assert.equal(train(9), 1, 'a 2 ms copy (4 %) is within the cap'); // (the first record finds the start's checkpoint)
  copyMs = 30;
  assert.equal(train(4), 1, 'one window of slow copies: still a checkpoint at every step');
  copyMs = 2;
  assert.equal(train(4), 1, 'cheap again');
  copyMs = 30;
  assert.equal(train(8), 2, 'two windows in a row of slow copies: every second step');
  tr.dispose();
});

test("a tiny network's spacing widens while its ring grows, to 4096 steps, and the growth is paced", (t) => {
  let clock = 0;
  t.mock.method(performance, 'now', () => clock);
  const tr = new Trainer(parseNnet(SOURCE.replace('epochs 1000', 'epochs 100000')).spec!);
  const h = new History(tr, 256 << 20);
  const save = tr.saveState.bind(tr);
  let fresh = 0;
  tr.saveState = (...args: Parameters<Trainer['saveState']>) => {
    // A new slot costs 50 µs, a copy into one held 5 µs (a tiny network's, about).
    clock += args[0] ? 0.005 : 0.05;
    if (!args[0]) fresh++;
    return save(...args);
  };
  const first = h.interval;
  /** Trains until step `end`, 1 µs a step, recording as the run loop does; returns the spacing. */
  const trainTo = (end: number): number => {
    while (tr.step < end) {
      h.record();
      assert.ok(tr.advanceStep());
      clock += 0.001;
    }
    return h.interval;
  };
  assert.ok(first <= 64, `it starts narrow (${first})`);
  // The first 32 checkpoints all take new slots (unpaced): the spacing widens meanwhile, by 4 checkpoints a doubling.
  assert.ok(trainTo(2048) >= 256, `it widens while the ring grows (${h.interval} after 2048 steps)`);
  trainTo(100_000); // 100 ms of training
  assert.equal(h.interval, 4096, 'checkpoints at least 2 ms apart: 4096 steps of 1 µs');
  assert.ok(fresh > 0);
  tr.dispose();
});

test("past 32 slots, a tiny network's ring grows only as fast as GROWTH_SHARE of the time allows", (t) => {
  let clock = 0;
  t.mock.method(performance, 'now', () => clock);
  const tr = new Trainer(parseNnet(SOURCE).spec!);
  const h = new History(tr, 256 << 20); // room for ~300 of its checkpoints in the first MB
  (h as unknown as { stepsBetween: number }).stepsBetween = 1;
  let fresh = 0;
  const save = tr.saveState.bind(tr);
  tr.saveState = (...args: Parameters<Trainer['saveState']>) => {
    // A new slot costs 1 ms here, a copy into one held 5 µs.
    clock += args[0] ? 0.005 : 1;
    if (!args[0]) fresh++;
    return save(...args);
  };
  // 1.5 ms steps: a checkpoint every second step (3 ms apart), ~300 of them in 900 ms of training.
  for (let i = 0; i < 600; i++) {
    h.record();
    assert.ok(tr.advanceStep());
    clock += 1.5;
  }
  assert.equal(h.interval, 2);
  // Up to 32 slots unpaced (the 2 it starts with and 30 new), then only while growing stays within 2 % of the
  // training time (18 ms of 900, which those 30 ms already exceed): not a new slot at each of the ~300 checkpoints.
  assert.ok(fresh >= 30 && fresh <= 50, `${fresh} slots grown`);
  assert.ok(h.stats.count >= fresh, `the ring holds them (${h.stats.count})`);
  tr.dispose();
});

test('a checkpoint is taken at every step that is a multiple of the spacing, as the spacing widens and narrows', (t) => {
  let clock = 0;
  t.mock.method(performance, 'now', () => clock);
  const tr = new Trainer(parseNnet(SOURCE).spec!);
  const h = new History(tr, 1);
  (h as unknown as { stepsBetween: number }).stepsBetween = 1;
  let copyMs = 4.5,
    saved = false;
  const save = tr.saveState.bind(tr);
  tr.saveState = (...args: Parameters<Trainer['saveState']>) => {
    clock += copyMs;
    saved = true;
    return save(...args);
  };
  const spacings = new Set<number>();
  /** Trains `steps` steps of 50 ms, checking at each step start that a checkpoint is taken where the spacing says. */
  const train = (steps: number): void => {
    for (let i = 0; i < steps; i++) {
      const step = tr.step,
        interval = h.interval;
      spacings.add(interval);
      saved = false;
      h.record();
      // (step 0's checkpoint is the one the history starts with)
      assert.equal(saved, step > 0 && step % interval === 0, `step ${step} at spacing ${interval}`);
      assert.ok(tr.advanceStep());
      clock += 50;
    }
  };
  train(60); // widens to 2
  copyMs = 30;
  train(40); // wider still
  copyMs = 4.5;
  train(200); // narrows again: the steps between the wide spacing's multiples are multiples of the narrow one
  assert.ok(spacings.size >= 3, `the spacing changed both ways (${[...spacings].join(', ')})`);
  tr.dispose();
});
