// The backward events of a step's first micro-batch write the parameter gradients instead of adding to the zeros the
// step start left (Trainer's gradsZero, dense's `fresh`): the same bits, and an edited gradient is still added to.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer, type TrainerEvent } from './trainer';

/** Dense layers of `width` (small: the JavaScript kernels; 32 at batch 8: the WebAssembly ones) over 24 rows. */
function source(width: number, accumulate = 1): string {
  const rows = Array.from({ length: 24 }, (_, r) => {
    const x = [Math.sin(r), Math.cos(3 * r), (r % 5) / 5, ((r * 7) % 11) / 11];
    return `  ${x.map((v) => v.toFixed(3)).join(' ')} -> ${[0, 1, 2].map((k) => (r % 3 === k ? 1 : 0)).join(' ')}`;
  });
  return (
    `network n\n  input 4\n  dense h1 ${width} relu\n  dense h2 ${width} tanh\n  dense out 3 softmax\n` +
    `loss cross_entropy\n\ndata\n${rows.join('\n')}\n\ntrain\n  epochs 5\n  batch 8\n  accumulate ${accumulate}\n` +
    `  optimizer sgd lr=0.1\n  seed 3\n`
  );
}

const trainer = (src: string) => new Trainer(parseNnet(src).spec!);

/** Advances `t` to just after the first event of step `step` with phase `phase` (and micro-batch `micro`). */
function advanceTo(t: Trainer, step: number, phase: TrainerEvent['phase'], micro = 0): void {
  for (;;) {
    const ev = t.advance();
    assert.ok(ev, 'training ended before the event');
    if (ev.step === step && ev.phase === phase && ev.micro === micro) return;
  }
}

for (const width of [6, 32])
  for (const accumulate of [1, 2])
    test(`width ${width}, ${accumulate} micro-batch(es): the gradients a backward pass finds are never read`, () => {
      const src = source(width, accumulate),
        a = trainer(src),
        b = trainer(src);
      advanceTo(a, 1, 'loss');
      advanceTo(b, 1, 'loss');
      // Nothing but the trainer's events may write there: what they hold before the backward pass is never read.
      b.model.grads.fill(7);
      for (const d of b.model.dOuts) d.fill(-3);
      advanceTo(a, 1, 'clip');
      advanceTo(b, 1, 'clip');
      assert.deepEqual(b.model.grads, a.model.grads);
      assert.deepEqual(b.model.params, a.model.params);
      a.dispose();
      b.dispose();
    });

test('an edited gradient (Set Value) is added to by the backward pass, as before', () => {
  const src = source(32),
    a = trainer(src),
    b = trainer(src);
  advanceTo(a, 1, 'forward');
  advanceTo(b, 1, 'forward');
  const k = b.model.nodes[1].wOff + 5;
  b.model.grads[k] = 0.25;
  b.forgetBuffers(); // as Set Value does
  advanceTo(a, 1, 'clip');
  advanceTo(b, 1, 'clip');
  // 0.25 plus the batch's gradient (rounded once more than without the edit), not the gradient alone.
  assert.ok(Math.abs(b.model.grads[k] - 0.25 - a.model.grads[k]) < 1e-6, `${b.model.grads[k]} vs ${a.model.grads[k]}`);
  b.model.grads[k] = a.model.grads[k];
  assert.deepEqual(b.model.grads, a.model.grads);
  a.dispose();
  b.dispose();
});

for (const width of [6, 32])
  for (const accumulate of [1, 2])
    test(`width ${width}, ${accumulate} micro-batch(es): steps begun unwatched leave the state the events leave`, () => {
      const src = source(width, accumulate),
        a = trainer(src),
        settled = trainer(src),
        midway = trainer(src),
        unwatched = trainer(src);
      let stale = 0;
      while (a.step < 4) {
        const ev = a.advance()!;
        assert.deepEqual(settled.advance(false, true), ev);
        assert.deepEqual(unwatched.advance(false, true), ev);
        assert.deepEqual(midway.advance(false, true), ev);
        // Settled first within the backward pass: the nodes it has written keep their gradients.
        if (ev.phase === 'backward') {
          midway.settleUnwatched();
          assert.deepEqual(midway.model.grads, a.model.grads);
        }
        // Whoever looks settles first: then the gradients are those of the events, at every event.
        settled.settleUnwatched();
        assert.deepEqual(settled.model.grads, a.model.grads, `${ev.phase} ${ev.layer} of step ${ev.step}`);
        if (!unwatched.model.grads.every((g, k) => g === a.model.grads[k])) stale++;
        // Nobody looks: the backward events alone leave them as the events do, from the clip event on.
        if (ev.phase === 'clip' || ev.phase === 'update') {
          assert.deepEqual(unwatched.model.grads, a.model.grads);
          assert.deepEqual(unwatched.model.params, a.model.params);
        }
      }
      assert.ok(stale > 0, 'the unwatched steps did leave gradients unzeroed before their backward events');
      // A state saved before the backward pass of an unwatched step holds the gradients the events show (zeros).
      for (const t of [a, unwatched]) while (t.stepPosition < 2) t.advance(false, t === unwatched);
      assert.ok(!unwatched.model.grads.every((g) => g === 0), 'left unzeroed');
      assert.deepEqual(unwatched.saveState().grads, a.saveState().grads);
      for (const t of [a, settled, midway, unwatched]) t.dispose();
    });

test('a network with other kinds than dense zeroes its gradients at the step start, unwatched or not', () => {
  const src = source(6).replace('dense h2 6 tanh', 'layernorm n1\n  dense h2 6 tanh'),
    a = trainer(src),
    b = trainer(src);
  while (a.step < 3) {
    assert.deepEqual(b.advance(false, true), a.advance());
    assert.deepEqual(b.model.grads, a.model.grads);
  }
  a.dispose();
  b.dispose();
});
