// Step Back within a step reuses what is still valid (the forward pass in the buffers, the state kept after the
// backward pass): every event reached that way equals the event reached forward, byte for byte, also after an edit
// (Set Value) and with micro-batches, dropout or batch norm, where nothing is reused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { History } from './history';
import { stopDigest } from './testing';
import { Trainer } from './trainer';

/** A small network of dense layers; `train` lines after the defaults (adam, a clip that does clip, unless given). */
function source(
  extra = '',
  layers = 'dense h1 6 relu\n  dense h2 5 tanh\n  dense out 3 softmax',
  clip = true,
  optimizer = 'adam lr=0.05',
): string {
  const rows = Array.from({ length: 24 }, (_, r) => {
    const x = [Math.sin(r), Math.cos(3 * r), (r % 5) / 5, ((r * 7) % 11) / 11];
    return `  ${x.map((v) => v.toFixed(3)).join(' ')} -> ${[0, 1, 2].map((k) => (r % 3 === k ? 1 : 0)).join(' ')}`;
  });
  return `network n\n  input 4\n  ${layers}\nloss cross_entropy\n\ndata\n${rows.join('\n')}\n\ntrain\n  epochs 50\n  batch 8\n  optimizer ${optimizer}\n${clip ? '  clip norm 0.05\n' : ''}  seed 3\n${extra}`;
}

const trainer = (src: string) => new Trainer(parseNnet(src).spec!);

/** The digest (stopDigest) after every event of the first `steps` steps, walking forward one event at a time. */
function truth(src: string, steps: number): string[] {
  const t = trainer(src),
    out: string[] = [];
  while (t.step < steps) out.push(stopDigest(t, t.advance()));
  t.dispose();
  return out;
}

/**
 * A trainer at least `steps` steps in, trained in whole steps as the run loop does, with its history, and the dumps
 * of every event up to there walking forward. It ends after a step that began at a checkpoint (tiny networks keep one
 * every few dozen steps), so stepping back within that step has what it may reuse.
 */
function trained(src: string, steps: number): { t: Trainer; h: History; want: string[] } {
  const t = trainer(src),
    h = new History(t, 64 << 20);
  while (t.step < steps || (t.step - 1) % h.interval !== 0) {
    h.record();
    t.advanceStep();
  }
  return { t, h, want: truth(src, t.step) };
}

/** Steps back one event at a time from where `t` is, `count` times, checking each landing against `want`. */
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

for (const [name, extra, layers, clip, optimizer] of [
  ['dense layers, clipping, adam', '', undefined, true, undefined],
  ['no clipping, momentum', '', undefined, false, 'momentum lr=0.1'],
  ['micro-batches (nothing reused)', '  accumulate 2\n', undefined, true, undefined],
  ['dropout (nothing reused)', '', 'dense h1 6 relu\n  dropout d1 0.3\n  dense out 3 softmax', true],
  ['batch norm (nothing reused)', '', 'dense h1 6 relu\n  batchnorm bn1\n  dense out 3 softmax', true],
] as const) {
  test(`Step Back after whole steps equals every event reached forward: ${name}`, () => {
    const { t, h, want } = trained(source(extra, layers, clip, optimizer), 6),
      end = t.step;
    // Every event of the last three steps, back to front: the forward pass reused, the backward pass kept.
    stepBack(t, h, want, 3 * t.eventsPerStep);
    // And forward again, the same, and back again over what was kept.
    while (t.step < end) assert.equal(stopDigest(t, t.advance()), want[t.eventIndex - 1]);
    stepBack(t, h, want, 2 * t.eventsPerStep + 3);
    t.dispose();
  });
}

test('an edit (Set Value) is not taken for a computed value: Step Back after it equals the original', () => {
  const { t, h, want } = trained(source(), 4);
  const L = t.model.nodes.length,
    E = t.eventsPerStep;
  stepBack(t, h, want, E - 2); // to forward h2 of the last step
  assert.deepEqual(t.eventBefore(), { phase: 'forward', layer: 1, step: t.step, epoch: t.epoch, micro: 0 });
  // The edit the run makes on Set Value: an activation the forward pass computed, then what the run does after one.
  t.model.acts[1][0] += 1;
  t.model.params[0] += 1;
  t.forgetBuffers();
  h.truncateAfter(t.eventIndex);
  stepBack(t, h, want, 1); // forward h1: computed again, not read back edited
  // Forward from there, through the rest of the step: the edit is gone, so the original events again.
  for (let i = 0; i < 2 * L + 2; i++) assert.equal(stopDigest(t, t.advance()), want[t.eventIndex - 1]);
  stepBack(t, h, want, E);
  t.dispose();
});

test('an edit after the backward pass: Step Back to the backward pass shows it as computed, not as edited', () => {
  const { t, h, want } = trained(source(), 3);
  stepBack(t, h, want, 2); // clip, then the last backward event (restored from the state kept after it)
  t.advance(); // clip again
  t.model.grads[0] = 42;
  t.model.deltas[0][0] = 42;
  t.forgetBuffers();
  h.truncateAfter(t.eventIndex);
  stepBack(t, h, want, 4);
  t.dispose();
});
