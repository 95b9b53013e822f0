// Rewinding is exact: back N events and forward N again gives bit-identical state; old states past the budget are
// refused with a clear error; the last breakpoint hit before now is found by replay.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { History, RewindError } from './history';
import { tensorsAt } from './snapshot';
import { Trainer, type TrainerEvent } from './trainer';

const examples = path.join(__dirname, '..', '..', 'examples');
const trainerFor = (name: string) => new Trainer(parseNnet(fs.readFileSync(path.join(examples, name), 'utf8')).spec!);
/** Hash of everything a stop shows and everything that decides the future. */
const fingerprint = (t: Trainer) => {
  const h = createHash('sha256');
  for (const b of [t.model.params, t.model.grads, ...t.model.acts, ...t.model.dOuts, ...t.model.deltas])
    h.update(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  h.update(
    JSON.stringify([
      t.eventIndex,
      t.step,
      t.epoch,
      t.loss,
      t.lr,
      t.clip,
      t.epochs.length,
      t.epochs.last,
      t.epochs.pointsSince(0, Infinity),
    ]),
  );
  return h.digest('hex');
};
const run = (t: Trainer, h: History, events: number) => {
  for (let i = 0; i < events; i++) {
    h.record();
    t.advance();
  }
};

test('step back N events then forward N is bit-identical (with dropout, batch norm, adamw, shuffling)', () => {
  const t = trainerFor('classify.nnet');
  const h = new History(t, 64 << 20);
  run(t, h, 500);
  const before = fingerprint(t),
    at = t.eventIndex;
  for (const n of [1, 5, t.eventsPerStep, 3 * t.eventsPerStep + 2, 400]) {
    h.goTo(at - 1 - n);
    assert.equal(t.eventIndex, at - n);
    run(t, h, n);
    assert.equal(fingerprint(t), before, `after back and forth by ${n}`);
  }
});

/** Hash of what a stop at the trainer's latest event shows: its tensors, the parameters and the counters. */
const shown = (t: Trainer, ev: TrainerEvent) => {
  const h = createHash('sha256');
  for (const x of tensorsAt(t, ev.phase, ev.layer))
    h.update(x.path).update(Buffer.from(x.values.buffer, x.values.byteOffset, x.values.byteLength));
  const p = t.model.params; // its own bytes: with a helper thread it lies inside the kernels' memory
  h.update(Buffer.from(p.buffer, p.byteOffset, p.byteLength)).update(
    JSON.stringify([t.eventIndex, t.step, t.epoch, t.loss, t.clip, ev]),
  );
  return h.digest('hex');
};

test('a rewind shows the same state as the original pass did at that event', () => {
  const t = trainerFor('classify.nnet');
  const h = new History(t, 1 << 20);
  const seen: string[] = [];
  for (let i = 0; i < 60; i++) {
    h.record();
    const ev = t.advance()!;
    seen.push(shown(t, ev));
  }
  for (const target of [0, 6, 13, 29, 58]) {
    const ev = h.goTo(target)!;
    assert.equal(shown(t, ev), seen[target], `state after event ${target}`);
  }
});

test('past the memory budget the oldest checkpoints go; rewinding beyond them says so plainly', () => {
  const t = trainerFor('xor.nnet');
  const h = new History(t, 1); // room for the minimum: this step's start and the previous one
  run(t, h, 7 * 200);
  assert.equal(h.stats.count, 2);
  assert.ok(h.earliestEvent > 0);
  assert.throws(
    () => h.goTo(h.earliestEvent - 1),
    (e: unknown) =>
      e instanceof RewindError &&
      /oldest state kept is event \d+ \(step \d+\); raise the history budget/.test(e.message),
  );
  const target = h.earliestEvent + 3;
  h.goTo(target);
  assert.equal(t.eventIndex, target + 1);
});

test('findLastBefore finds the latest earlier event that matches', () => {
  const t = trainerFor('xor.nnet');
  const h = new History(t, 1 << 20);
  run(t, h, 7 * 10 + 3);
  const now = t.eventIndex;
  const found = h.findLastBefore(now - 1, (ev) => ev.phase === 'backward' && ev.layer === 0);
  // Backward of layer 0 is event 4 of each 7-event step; the latest before event now−1 = 72 is step 9's: 9·7 + 4 = 67.
  assert.equal(found, 67);
  h.goTo(found!);
  assert.equal(t.eventIndex, 68);
});

test('stepping back across a step boundary replays the previous step (the target event is recomputed)', () => {
  const t = trainerFor('xor.nnet');
  const h = new History(t, 1 << 20);
  const seen: string[] = [];
  for (let i = 0; i < 3 * 7; i++) {
    h.record();
    const ev = t.advance()!;
    seen.push(shown(t, ev));
  }
  h.record(); // a checkpoint at the start of step 4, as the run loop takes one before each event
  for (const target of [20, 13, 6, 0]) {
    const ev = h.goTo(target)!;
    assert.equal(t.eventIndex, target + 1);
    assert.equal(shown(t, ev), seen[target], `event ${target}`);
  }
  assert.equal(h.goTo(-1), null);
  assert.equal(t.eventIndex, 0);
});

test("a rewind puts back what a kind carries from step to step (batch norm's running statistics)", () => {
  const t = trainerFor('classify.nnet');
  const carried = () => t.model.nodes.flatMap((_, i) => (t.model.carriedState(i) ?? []).map((a) => Array.from(a)));
  const h = new History(t, 64 << 20);
  run(t, h, 3 * t.eventsPerStep);
  const then = carried(),
    at = t.eventIndex;
  assert.ok(then.length >= 2, 'classify.nnet has a batch-norm node with running mean and variance');
  run(t, h, 2 * t.eventsPerStep);
  assert.notDeepEqual(carried(), then, 'two more steps move the running statistics');
  h.goTo(at - 1);
  assert.deepEqual(carried(), then);
});

test('a network whose step is long gets a checkpoint at every step start (Step Back replays at most one step)', () => {
  const net = (width: number) =>
    new Trainer(
      parseNnet(
        `network n\n  input 2\n  dense h1 ${width} relu\n  dense h2 ${width} relu\n  dense out 2 softmax\n` +
          'loss cross_entropy\n\ndata generate blobs n=128 classes=2\n\n' +
          'train\n  epochs 1\n  batch 128\n  optimizer sgd lr=0.01\n  seed 3\n',
      ).spec!,
      { threads: 1 },
    );
  // ~0.8 GFLOP a step (6·P·B): tens of milliseconds even on fast kernels.
  const wide = net(1024);
  assert.equal(new History(wide, 256 << 20).interval, 1);
  wide.dispose();
  // A small network starts wider: a copy is then a large share of its step.
  const small = net(16);
  assert.ok(new History(small, 256 << 20).interval > 1);
  small.dispose();
});

test('a ring that grows after it has wrapped keeps its checkpoints oldest first (rewinds stay exact)', () => {
  const t = trainerFor('xor.nnet');
  const h = new History(t, 1 << 30);
  // Growth is paced by measured time; here it is decided by the test: none at first, so the two slots wrap, then some.
  const ring = h as unknown as { mayGrow: () => boolean; stepsBetween: number };
  let grow = false;
  ring.mayGrow = () => grow;
  const seen = new Map<number, string>();
  for (let i = 0; i < 7 * 45; i++) {
    if (i === 7 * 25) grow = true;
    if (i === 7 * 40) grow = false;
    ring.stepsBetween = 1; // a checkpoint at every step start, however quick the steps are
    h.record();
    const ev = t.advance()!;
    seen.set(t.eventIndex - 1, shown(t, ev));
  }
  assert.ok(h.stats.count > 2 && h.stats.count < 40, `grew after wrapping: ${h.stats.count} checkpoints`);
  const end = t.eventIndex - 1;
  assert.equal(t.eventsPerStep, 7);
  // The newest checkpoint is at step 44's start (0-based), and they are one step apart; the ring has wrapped fewer
  // times since it grew than it has slots. Each was taken right after the one before, so none copied the applied
  // step: the oldest kept is rebuilt from the parameters of the one evicted before it, so a rewind reaches it too.
  assert.equal(h.earliestStep, 44 - h.stats.count + 1, 'the oldest checkpoint is the one kept longest');
  for (let target = h.earliestEvent; target <= end; target++) {
    const ev = h.goTo(target)!;
    assert.equal(shown(t, ev), seen.get(target), `state after event ${target}`);
  }
});

test('an edit made while paused is part of the history: every replay passing its event makes it again', () => {
  const t = trainerFor('xor.nnet'),
    h = new History(t, 1 << 20);
  const live: string[] = []; // fingerprint after each event, by event index
  const go = (events: number) => {
    for (let i = 0; i < events; i++) {
      h.record();
      t.advance();
      live[t.eventIndex] = fingerprint(t);
    }
  };
  go(40); // mid-step (xor has 7 events a step)
  const edit = () => {
    t.model.params[0] = 2.5;
    t.baseLr = 0.2;
  };
  edit();
  assert.equal(h.edited, false);
  h.edit(edit);
  assert.equal(h.edited, true);
  live[40] = fingerprint(t);
  go(60);
  assert.equal(h.nextEditAfter(0), 40);
  assert.equal(h.nextEditAfter(40), Infinity);
  // To every event before, at and after the edit, and by the other replays too: what the run was there.
  for (const target of [5, 38, 39, 40, 41, 47, 70, 99]) {
    h.goTo(target);
    assert.equal(fingerprint(t), live[target + 1], `goTo(${target})`);
  }
  const ev = h.seekStep(8, (e) => e.phase === 'update');
  assert.ok(ev);
  assert.equal(fingerprint(t), live[t.eventIndex], 'seekStep');
  assert.equal(
    h.findLastBefore(99, (e) => e.step === 6 && e.phase === 'clip'),
    47,
  );
  h.goTo(99);
  assert.equal(fingerprint(t), live[100]);
  // A new edit earlier rewrites the future: the later one is forgotten.
  h.goTo(20);
  h.edit(() => (t.model.params[1] = -1));
  assert.equal(h.nextEditAfter(0), 21);
  assert.equal(h.nextEditAfter(21), Infinity);
  assert.equal(h.edited, true);
  h.truncateAfter(20); // the future before the edit is rewritten: no edit left
  assert.equal(h.edited, false);
});

test('a search passes over stretches of quiet steps unreplayed and finds what the full search finds', () => {
  // Six steps an epoch of 3, 3, 3, 3, 3 and 1 micro-batches: a step's epoch is not a plain multiple of anything.
  const source = fs
    .readFileSync(path.join(examples, 'accumulate.nnet'), 'utf8')
    .replace('\n  accumulate 4', '\n  accumulate 3')
    .replace('\n  epochs 20', '\n  epochs 6000');
  const t = new Trainer(parseNnet(source).spec!);
  assert.equal(t.stepsPerEpoch, 6);
  const h = new History(t, 1 << 20);
  const epochOf = new Map<number, number>();
  while (t.step < 30_000) {
    h.record();
    const ev = t.advance()!;
    epochOf.set(ev.step, ev.epoch);
  }
  assert.ok(h.stats.count >= 20, `several checkpoints (${h.stats.count})`);
  const now = t.eventIndex;
  let replayed = 0;
  const advance = t.advance.bind(t);
  t.advance = (...args: Parameters<Trainer['advance']>) => (replayed++, advance(...args));
  const search = (hit: (ev: TrainerEvent) => boolean, quiet?: (step: number, epoch: number) => boolean) => {
    replayed = 0;
    const g = h.searchBack(now - 1, hit, quiet);
    let r = g.next();
    while (!r.done) r = g.next();
    return { found: r.value, replayed };
  };
  const cases: [string, (ev: TrainerEvent) => boolean, (step: number, epoch: number) => boolean][] = [
    ['step 15,000, backward', (ev) => ev.step === 14_999 && ev.phase === 'backward', (s) => s !== 14_999],
    ['epoch 2,000, forward', (ev) => ev.epoch === 1999 && ev.phase === 'forward', (_s, e) => e !== 1999],
    ['epoch 4,000, last step', (ev) => ev.epoch === 3999 && ev.step % 6 === 5, (_s, e) => e !== 3999],
    // Checkpoints are at multiples of the interval, a power of two up to 4,096: one is at step 20,480.
    ['the step before a checkpoint', (ev) => ev.step === 20_479, (s) => s !== 20_479],
    ['never', () => false, () => true],
  ];
  for (const [what, hit, quiet] of cases) {
    const full = search(hit);
    const checked = (s: number, e: number) => {
      // (It may ask about a step or so past the newest event: more than it needs, never less.)
      if (epochOf.has(s)) assert.equal(e, epochOf.get(s), `${what}: step ${s} is of epoch ${epochOf.get(s)}`);
      return quiet(s, e);
    };
    const skipping = search(hit, checked);
    assert.equal(skipping.found, full.found, what);
    assert.ok(
      skipping.replayed < full.replayed / 2,
      `${what}: ${skipping.replayed} of ${full.replayed} events replayed`,
    );
    if (full.found !== null) {
      const at = h.goTo(full.found);
      assert.ok(at && hit(at), `${what}: found a match`);
    }
  }
  assert.equal(
    search(
      () => false,
      () => true,
    ).replayed,
    0,
    'nothing replayed when every step is quiet',
  );
  assert.equal(
    search(
      () => true,
      () => false,
    ).found,
    now - 2,
    'the latest event, with no step quiet',
  );
});
