// Step Back in a row over a ring that has wrapped, with checkpoints one step apart that omit the applied step (a long
// step's debug session, N5): every Step Back lands, replays at most the events of its own step from that step's
// checkpoint, and equals the event reached forward; the ring reaches back one step per slot, as it did when every
// checkpoint copied its applied step (the oldest is not kept only to rebuild the next one's).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { History } from './history';
import { stopDigest } from './testing';
import { Trainer, type TrainerState } from './trainer';

const rows = Array.from({ length: 24 }, (_, r) => {
  const x = [Math.sin(r), Math.cos(3 * r), (r % 5) / 5, ((r * 7) % 11) / 11];
  return `  ${x.map((v) => v.toFixed(3)).join(' ')} -> ${[0, 1, 2].map((k) => (r % 3 === k ? 1 : 0)).join(' ')}`;
});
const SOURCE = `network n\n  input 4\n  dense h1 6 relu\n  dense h2 5 tanh\n  dense out 3 softmax\nloss cross_entropy\n\ndata\n${rows.join('\n')}\n\ntrain\n  epochs 50\n  batch 8\n  optimizer sgd lr=0.1\n  seed 3\n`;

/** The digest (stopDigest) after every event up to `end`, walking forward one event at a time. */
function truth(end: number): string[] {
  const t = new Trainer(parseNnet(SOURCE).spec!),
    out: string[] = [];
  while (t.eventIndex < end) out.push(stopDigest(t, t.advance()));
  t.dispose();
  return out;
}

/**
 * A trainer keeping its previous step (as for N5) with a ring of `slots` checkpoints that never grows, one at every
 * step start, trained event by event to event `end` (a pause inside a step); `restored` lists the event index of
 * every state the trainer is restored to.
 */
function paused(slots: number, end: number): { t: Trainer; h: History; restored: number[] } {
  const t = new Trainer(parseNnet(SOURCE).spec!);
  t.keepPreviousStep();
  const probe = new History(t, 1 << 30);
  const perSlot = (probe as unknown as { stateBytes: number }).stateBytes;
  const h = new History(t, t.keptBytes + slots * perSlot);
  const inner = h as unknown as { stepsBetween: number; mayGrow: () => boolean };
  inner.mayGrow = () => slots > 2; // the ring grows to `slots` (the two it starts with otherwise), then wraps
  const restored: number[] = [];
  const restore = t.restoreState.bind(t);
  t.restoreState = (s: TrainerState, previous?: Pick<TrainerState, 'params'>) => {
    restored.push(s.eventIndex);
    restore(s, previous);
  };
  while (t.eventIndex < end) {
    inner.stepsBetween = 1; // every step start, however quick the steps are (as for N5)
    h.record();
    t.advance();
  }
  return { t, h, restored };
}

/**
 * Steps back one event at a time from where `t` is paused to the oldest event the history reaches, checking each
 * landing and that its replay started in the target's own step; returns the number of Step Backs.
 */
function stepBackToOldest(t: Trainer, h: History, restored: number[], want: string[]): number {
  const E = t.eventsPerStep;
  let n = 0;
  while (t.eventIndex - 2 >= h.earliestEvent) {
    const target = t.eventIndex - 2;
    restored.length = 0;
    const ev = h.goTo(target);
    n++;
    assert.equal(stopDigest(t, ev), want[target], `Step Back ${n} to event ${target}`);
    const from = restored[restored.length - 1];
    // Steps replayed: from the last state restored to the target, within the target's step (≤ 1 step).
    assert.equal(
      Math.floor(from / E),
      Math.floor(target / E),
      `Step Back ${n}: restored event ${from}, target ${target}`,
    );
  }
  return n;
}

for (const slots of [2, 5]) {
  test(`${slots} checkpoints one step apart, the ring wrapped: Step Back in a row reaches ${slots} steps back, each replaying within its own step`, () => {
    const probe = new Trainer(parseNnet(SOURCE).spec!),
      E = probe.eventsPerStep;
    probe.dispose();
    const end = 12 * E + 3; // paused at step 13's fourth event
    const want = truth(end);
    const { t, h, restored } = paused(slots, end);
    assert.equal(h.stats.count, slots, 'the ring is full');
    assert.ok(h.earliestEvent > 0, 'the ring has wrapped');
    // Checkpoints at steps 13 − slots + 1 … 13 (0-based 12 − slots + 1 … 12): all restorable.
    assert.equal(h.earliestStep, 12 - slots + 1, 'the oldest step reachable');
    const n = stepBackToOldest(t, h, restored, want);
    assert.equal(n, (slots - 1) * E + 2, 'Step Backs before the oldest event kept');
    // And once more after training on: the ring has moved, and its new oldest is restorable too.
    const { t: t2, h: h2, restored: r2 } = paused(slots, end + 2 * E);
    const want2 = truth(end + 2 * E);
    assert.equal(h2.earliestStep, 14 - slots + 1);
    assert.equal(stepBackToOldest(t2, h2, r2, want2), (slots - 1) * E + 2);
    t.dispose();
    t2.dispose();
  });
}

test('evicting allocates no parameters: the kept ones rotate through the buffers the ring already held', () => {
  const probe = new Trainer(parseNnet(SOURCE).spec!),
    E = probe.eventsPerStep;
  probe.dispose();
  type Slot = { params: Float32Array; optimizer: { buffers: readonly Float32Array[] } };
  const inner = (h: History) =>
    h as unknown as { ring: Slot[]; anchor: { params: Float32Array } | null; stepsBetween: number };
  const { t, h } = paused(3, 3 * E); // three slots, full, not wrapped yet
  const held = new Set<Float32Array>();
  for (const s of inner(h).ring) for (const a of [s.params, s.optimizer.buffers[0]]) if (a.length) held.add(a);
  while (t.eventIndex < 12 * E) {
    inner(h).stepsBetween = 1;
    h.record();
    t.advance();
  }
  const now = [...inner(h).ring.map((s) => s.params), inner(h).anchor!.params];
  assert.equal(new Set(now).size, 4, 'three checkpoints and the parameters before the oldest');
  for (const a of now) assert.ok(held.has(a), 'a buffer the ring held before it wrapped');
  t.dispose();
});
