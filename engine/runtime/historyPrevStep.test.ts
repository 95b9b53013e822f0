// Step Back into the previous step of a network whose step is long (History keeps its buffers: Trainer
// keepPreviousStep) takes the events of that step from the kept buffers instead of computing its forward and backward
// passes again; every event reached that way equals the event reached forward, byte for byte, also after a Set Value
// (before the kept step, within it, or after it), after going forward again and after another rewind.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { History } from './history';
import { stopDigest } from './testing';
import { Trainer } from './trainer';

/** A small dense network; `train` lines after the defaults (adam, optionally a clip that does clip). */
function source(clip: boolean, optimizer = 'adam lr=0.05'): string {
  const rows = Array.from({ length: 24 }, (_, r) => {
    const x = [Math.sin(r), Math.cos(3 * r), (r % 5) / 5, ((r * 7) % 11) / 11];
    return `  ${x.map((v) => v.toFixed(3)).join(' ')} -> ${[0, 1, 2].map((k) => (r % 3 === k ? 1 : 0)).join(' ')}`;
  });
  const layers = 'dense h1 6 relu\n  dense h2 5 tanh\n  dense out 3 softmax';
  return `network n\n  input 4\n  ${layers}\nloss cross_entropy\n\ndata\n${rows.join('\n')}\n\ntrain\n  epochs 50\n  batch 8\n  optimizer ${optimizer}\n${clip ? '  clip norm 0.001\n' : ''}  seed 3\n`;
}

/** An edit as the run makes one (Set Value): made, then remembered by the history to be made again. */
function setValue(t: Trainer, h: History, apply: () => void): void {
  apply();
  t.forgetBuffers();
  h.edit(() => {
    apply();
    t.forgetBuffers();
  });
}

/**
 * The digest (stopDigest) after every event up to `end` walking forward one event at a time, making `edit` (when given) when the
 * trainer reaches its event index, as a run paused there would.
 */
function truth(src: string, end: number, edit?: { at: number; apply: (t: Trainer) => void }): string[] {
  const t = new Trainer(parseNnet(src).spec!),
    out: string[] = [];
  while (t.eventIndex < end) {
    const ev = t.advance();
    if (edit && t.eventIndex === edit.at) edit.apply(t); // the stop at its event shows it edited
    out.push(stopDigest(t, ev));
  }
  t.dispose();
  return out;
}

/**
 * A trainer keeping the previous step, trained event by event (as the run loop trains a network whose step is
 * long) with a checkpoint every `interval` step starts, to event `end`, and how often it computed forward and
 * backward nodes.
 */
function trained(src: string, end: number, interval = 1): { t: Trainer; h: History; computed: { nodes: number } } {
  const t = new Trainer(parseNnet(src).spec!);
  t.keepPreviousStep();
  const h = new History(t, 64 << 20);
  (h as unknown as { stepsBetween: number }).stepsBetween = interval; // 1: every step, as for N5
  const computed = { nodes: 0 };
  const m = t.model,
    fwd = m.forwardNode.bind(m),
    bwd = m.backwardNode.bind(m);
  m.forwardNode = (...a) => (computed.nodes++, fwd(...a));
  m.backwardNode = (...a) => (computed.nodes++, bwd(...a));
  while (t.eventIndex < end) {
    h.record();
    t.advance();
  }
  return { t, h, computed };
}

/** Steps back one event at a time, `count` times, checking each landing against `want`. */
function stepBack(t: Trainer, h: History, want: string[], count: number): void {
  for (let i = 0; i < count; i++) {
    const target = t.eventIndex - 2;
    const ev = h.goTo(target);
    assert.equal(t.eventIndex, target + 1);
    assert.equal(
      stopDigest(t, ev),
      want[target],
      `Step Back to event ${target} (${ev?.phase} ${ev?.layer} step ${ev?.step})`,
    );
  }
}

/** Forward one event at a time to event index `end`, checking each against `want` (making edits again on the way). */
function forward(t: Trainer, h: History, want: string[], end: number): void {
  while (t.eventIndex < end) {
    const ev = t.advance();
    h.arrive();
    assert.equal(stopDigest(t, ev), want[t.eventIndex - 1], `forward to event ${t.eventIndex - 1}`);
  }
}

for (const [name, clip, optimizer] of [
  ['no clipping, adam (the backward pass kept)', false, undefined],
  ['no clipping, momentum', false, 'momentum lr=0.1'],
  ['a clip that clips (the forward pass kept, the backward pass computed)', true, 'sgd lr=0.1'],
] as const) {
  test(`Step Back into the previous step equals every event reached forward: ${name}`, () => {
    const src = source(clip, optimizer),
      probe = new Trainer(parseNnet(src).spec!),
      E = probe.eventsPerStep;
    probe.dispose();
    const end = 5 * E + 3; // paused at forward out of step 6 (events 45–53)
    const want = truth(src, end + 2 * E);
    const { t, h, computed } = trained(src, end);
    stepBack(t, h, want, 2); // to the first event of step 6
    // Into step 5's update: its forward pass (and without a clip that clips, its backward pass) not computed again.
    const before = computed.nodes;
    stepBack(t, h, want, 1);
    const L = t.model.nodes.length;
    assert.equal(computed.nodes - before, clip ? L : 0, 'nodes computed by the Step Back into the previous step');
    stepBack(t, h, want, 2 * E); // all of step 5 and step 4 (not kept: computed)
    // Forward again past where it was, back again over both steps, and forward once more.
    forward(t, h, want, end + E);
    stepBack(t, h, want, 2 * E + 1);
    forward(t, h, want, end + 2 * E);
    t.dispose();
  });
}

test('a Set Value in the step before the kept one, in it, or after it: Step Back equals the run that made it', () => {
  const src = source(false),
    probe = new Trainer(parseNnet(src).spec!),
    E = probe.eventsPerStep,
    L = probe.model.nodes.length;
  probe.dispose();
  const end = 5 * E + 2;
  for (const [what, at, apply] of [
    // After it: an activation of step 6's forward pass, where the run is paused.
    ['after the kept step', end, (t: Trainer) => (t.model.acts[1][0] += 1)],
    // In it: a gradient of step 5 just after its backward pass (before its clip).
    ['in the kept step', 4 * E + 2 * L + 1, (t: Trainer) => (t.model.grads[0] += 0.5)],
    // Before it: a weight at step 4's clip.
    ['before the kept step', 3 * E + 2 * L + 2, (t: Trainer) => (t.model.params[3] -= 0.25)],
  ] as const) {
    const want = truth(src, end + E, { at, apply });
    const { t, h } = trained(src, Math.min(at, end));
    setValue(t, h, () => apply(t));
    forward(t, h, want, end);
    stepBack(t, h, want, 2 * E + 1); // back into step 5 and step 4, past the edit when it is there
    forward(t, h, want, end + E);
    stepBack(t, h, want, E + 4);
    t.dispose();
    void what;
  }
});

test('a rewind straight into the kept step: to each of its events, from a pause in the next step or at its update', () => {
  const src = source(false),
    probe = new Trainer(parseNnet(src).spec!),
    E = probe.eventsPerStep;
  probe.dispose();
  for (const end of [5 * E + 3, 6 * E]) {
    const want = truth(src, end + E);
    // Each event from step 5's first (event 36) on, reached in one rewind as Reverse Continue or a breakpoint lands.
    for (let target = 4 * E; target < end - 1; target++) {
      const { t, h } = trained(src, end);
      const ev = h.goTo(target);
      assert.equal(stopDigest(t, ev), want[target], `rewind from event ${end - 1} to event ${target}`);
      forward(t, h, want, end + E); // and forward from there, computing what it had not reached
      t.dispose();
    }
  }
});

test("Step Back from a step's update takes its forward and backward passes from the buffers, as they are", () => {
  const src = source(false),
    probe = new Trainer(parseNnet(src).spec!),
    E = probe.eventsPerStep;
  probe.dispose();
  const end = 6 * E; // paused at step 6's update, as a Pause between steps lands
  const want = truth(src, end + E);
  const { t, h, computed } = trained(src, end);
  const before = computed.nodes;
  stepBack(t, h, want, 1); // its clip: nothing computed again
  assert.equal(computed.nodes - before, 0, 'nodes computed by the Step Back from the update to the clip');
  stepBack(t, h, want, E + 2); // the rest of the step and the one before
  forward(t, h, want, end + E);
  t.dispose();
});

test('a rewind to the start of training from the first step’s update shows zero gradients, as the start has them', () => {
  const src = source(false),
    fresh = new Trainer(parseNnet(src).spec!),
    start = stopDigest(fresh, null),
    E = fresh.eventsPerStep;
  fresh.dispose();
  const { t, h } = trained(src, E);
  assert.equal(h.goTo(-1), null);
  assert.equal(stopDigest(t, null), start);
  t.dispose();
});

test('checkpoints two steps apart: Step Back within a step takes the step before it whole from the kept buffers', () => {
  const src = source(false),
    probe = new Trainer(parseNnet(src).spec!),
    E = probe.eventsPerStep;
  probe.dispose();
  const end = 5 * E + 3; // paused at forward out of step 6 (0-based 5, odd: its checkpoint is step 5's start)
  const want = truth(src, end + 2 * E);
  const { t, h, computed } = trained(src, end, 2);
  const before = computed.nodes;
  stepBack(t, h, want, 1); // replays step 5 and the start of step 6: nothing computed
  assert.equal(computed.nodes - before, 0, 'nodes computed by a Step Back within step 6');
  stepBack(t, h, want, 3 * E);
  forward(t, h, want, end + 2 * E);
  t.dispose();
});

test('checkpoints two steps apart: Step Back from a clip to the last backward event computes nothing', () => {
  const src = source(false),
    probe = new Trainer(parseNnet(src).spec!),
    E = probe.eventsPerStep;
  probe.dispose();
  const end = 6 * E - 1; // paused at step 6's clip (0-based 5: its checkpoint is step 5's start)
  const want = truth(src, end + E);
  const { t, h, computed } = trained(src, end, 2);
  const before = computed.nodes;
  stepBack(t, h, want, 1); // step 5 from the kept buffers, step 6 from the buffers as they are
  assert.equal(computed.nodes - before, 0, 'nodes computed by the Step Back from the clip');
  stepBack(t, h, want, 2 * E);
  forward(t, h, want, end + E);
  t.dispose();
});

test('the kept step buffers come out of the history budget, and its stats count them', () => {
  // Wide enough that the kept set (gradients and activations) outweighs half a checkpoint of plain SGD.
  const src = source(false, 'sgd lr=0.05').replace('dense h1 6 relu', 'dense h1 300 relu');
  const plain = new Trainer(parseNnet(src).spec!),
    keeping = new Trainer(parseNnet(src).spec!);
  keeping.keepPreviousStep();
  assert.equal(plain.keptBytes, 0);
  const kept = keeping.keptBytes,
    one = new History(plain, 1).stats, // one checkpoint, nothing kept
    perCheckpoint = one.bytes - one.recordBytes;
  assert.ok(kept > perCheckpoint / 2, `kept ${kept} B, a checkpoint ${perCheckpoint} B`);
  const budget = kept + 5.5 * perCheckpoint;
  assert.equal(new History(plain, budget).capacity, Math.floor(budget / perCheckpoint), 'all of it for checkpoints');
  const h = new History(keeping, budget);
  assert.equal(h.capacity, 5, 'what the kept set leaves');
  assert.ok(h.stats.recordBytes > 0, 'the step record is counted too');
  assert.equal(h.stats.bytes, h.stats.count * perCheckpoint + kept + h.stats.recordBytes);
  plain.dispose();
  keeping.dispose();
});
