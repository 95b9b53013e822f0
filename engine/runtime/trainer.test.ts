// The resumable stepper: event order, determinism, convergence, and clear errors on non-finite numbers.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import type { NetworkSpec } from '../language/spec';
import { clipByGlobalNorm } from '../nn/clip';
import { tensorCuts } from '../nn/laneSums';
import { NonFiniteError, Trainer } from './trainer';

const examples = path.join(__dirname, '..', '..', 'examples');
const load = (name: string): NetworkSpec => {
  const r = parseNnet(fs.readFileSync(path.join(examples, name), 'utf8'));
  assert.deepEqual(r.diagnostics, []);
  return r.spec!;
};

test('events of one step come in order: forward 0..L-1, loss, backward L-1..0, clip, update', () => {
  const t = new Trainer(load('xor.nnet'));
  const seen = Array.from({ length: t.eventsPerStep }, () => {
    const e = t.advance()!;
    return `${e.phase}${e.layer >= 0 ? e.layer : ''}`;
  });
  assert.deepEqual(seen, ['forward0', 'forward1', 'loss', 'backward1', 'backward0', 'clip', 'update']);
  assert.equal(t.step, 1);
  assert.equal(t.peek()?.phase, 'forward');
});

test('XOR converges: final loss below 0.01 and every prediction on the right side of 0.5', () => {
  const spec = load('xor.nnet');
  const t = new Trainer(spec);
  while (t.advance());
  assert.ok(t.epochs.last!.loss < 0.01, `final loss ${t.epochs.last!.loss}`);
  assert.ok(t.epochs.points()[0].loss > 0.5, 'it started from chance');
  // The trained network's predictions (evaluation mode) are on the right side of 0.5 for every row.
  t.predict(spec.data.x).forEach(([p], i) => assert.equal(p > 0.5 ? 1 : 0, spec.data.y[i][0], `row ${i}: ${p}`));
});

test('same file, same seed: bit-identical parameters after training', () => {
  const spec = load('regression.nnet');
  const a = new Trainer(spec),
    b = new Trainer(spec);
  while (a.advance());
  while (b.advance());
  // Each one's own bytes: with a helper thread both lie inside the kernels' one memory.
  const bytes = (p: Float32Array) => Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  assert.notEqual(a.model.params, b.model.params);
  assert.deepEqual(bytes(a.model.params), bytes(b.model.params));
  assert.equal(a.step, 1200); // 400 epochs × ⌈6 / 2⌉ batches
});

test('clip by global norm records the norm before and after', () => {
  const t = new Trainer(load('xor.nnet'));
  for (let i = 0; i < t.eventsPerStep; i++) t.advance();
  assert.ok(t.clip.normBefore > 0);
  assert.ok(t.clip.normAfter <= 1.0 + 1e-6);
  if (t.clip.normBefore > 1) assert.ok(t.clip.coefficient < 1);
});

test('a learning rate that explodes stops with a message naming the step and layer', () => {
  const src = fs
    .readFileSync(path.join(examples, 'regression.nnet'), 'utf8')
    .replace('optimizer sgd lr=0.1', 'optimizer sgd lr=1e30');
  const t = new Trainer(parseNnet(src).spec!);
  assert.throws(
    () => {
      while (t.advance());
    },
    (e: unknown) => {
      assert.ok(e instanceof NonFiniteError);
      assert.match(e.message, /step \d+/);
      assert.match(e.message, /layer '(h1|out)'/);
      return true;
    },
  );
});

test("measuring validation loss at the end of an epoch leaves the training step's values as they were", () => {
  const { spec } = parseNnet(`network v
  input 2
  dense h 4 tanh
  dropout d 0.5
  dense out 1 sigmoid
loss bce
data generate xor n=40 seed=3
train
  epochs 2
  batch 8
  validation 0.2
  optimizer sgd lr=0.1
  seed 4
`);
  const t = new Trainer(spec!);
  for (;;) {
    const ev = t.advance()!;
    if (ev.phase !== 'clip') continue;
    // Everything forward and backward computed this step, just before the update that ends the epoch.
    const before = t.model.acts.map((a) => a.slice()),
      masks = t.model.zs.map((z) => z.slice()),
      grads = t.model.grads.slice();
    const update = t.advance()!;
    assert.equal(update.phase, 'update');
    if (t.epochs.length === 0) continue;
    assert.ok(t.epochs.at(0)!.valLoss !== null, 'the epoch ended with a validation pass');
    t.model.acts.forEach((a, i) => assert.deepEqual(a, before[i], `activations of node ${i - 1}`));
    t.model.zs.forEach((z, i) => assert.deepEqual(z, masks[i], `z / mask of node ${i}`));
    // The update's gradients stay visible at the update event; the next step zeroes them as it starts.
    assert.deepEqual(t.model.grads, grads);
    assert.equal(t.advance()!.phase, 'forward');
    assert.ok(
      t.model.grads.every((g) => g === 0),
      'zeroed as the next step starts',
    );
    return;
  }
});

test('the clip event measures the gradients and their global norm in one pass: the same bits as clipByGlobalNorm over the tensors and lane sums per weight matrix', () => {
  // Networks with biases, normalisation parameters and weightless nodes between the matrices, with no clip, a value
  // clip and a norm clip, one with several micro-batches.
  const names = ['xor', 'batchnorm', 'layernorm', 'residual', 'exploding', 'exploding-clipped-value'];
  for (const name of [...names, 'exploding-clipped', 'accumulate'].map((n) => `${n}.nnet`)) {
    const t = new Trainer(load(name));
    for (let s = 0; s < 3; s++) {
      while (t.peek()?.phase !== 'clip') t.advance();
      const g = t.model.grads.slice();
      t.advance();
      const cuts = tensorCuts(t.model.nodes, g.length);
      assert.ok(
        Object.is(t.clip.normBefore, clipByGlobalNorm(g, Infinity, undefined, cuts).normBefore),
        `${name}: step ${s} norm`,
      );
      t.model.nodes.forEach((n, k) => {
        if (!n.wSize) return;
        const w = g.subarray(n.wOff, n.wOff + n.wSize);
        // laneSums.ts's order spelled out: entry i in lane i mod 8, lanes combined by its tree.
        const sums = new Float64Array(8),
          squares = new Float64Array(8);
        let max = 0;
        w.forEach((x, i) => {
          sums[i % 8] += Math.abs(x);
          squares[i % 8] += x * x;
          max = Math.max(max, Math.abs(x));
        });
        const tree = (l: Float64Array) => l[0] + l[4] + (l[2] + l[6]) + (l[1] + l[5] + (l[3] + l[7]));
        const sum = tree(sums),
          sq = tree(squares);
        assert.ok(Object.is(t.meanAbsGrad[k], sum / n.wSize), `${name}: mean |g| of node ${k}`);
        assert.ok(Object.is(t.maxAbsGrad[k], max), `${name}: max |g| of node ${k}`);
        assert.ok(Object.is(t.gradNorm[k], Math.sqrt(sq)), `${name}: ‖g‖ of node ${k}`);
      });
      while (!t.atStepStart) t.advance();
    }
  }
});

test('every step loads its data rows in order as its input batch, wide rows (copied whole) and narrow ones', () => {
  for (const C of [3, 70]) {
    const rows = 10,
      batch = 4;
    const lines = ['network n', `  input ${C}`, '  dense h 2 relu', '  dense o 1 identity', 'loss mse', '', 'data'];
    for (let r = 0; r < rows; r++)
      lines.push(`  ${Array.from({ length: C }, (_, j) => String(r * 1000 + j + 0.5)).join(' ')} -> ${r}`);
    lines.push('', 'train', '  epochs 2', `  batch ${batch}`, '  optimizer sgd lr=0.01', '  shuffle off', '  seed 1');
    const r = parseNnet(lines.join('\n') + '\n');
    assert.deepEqual(r.diagnostics, []);
    const t = new Trainer(r.spec!);
    for (let step = 0; step < 5; step++) {
      const first = [0, 4, 8, 0, 4][step]; // batches of 4, 4 and 2 rows per epoch
      const B = Math.min(batch, rows - first);
      const e = t.advance()!; // the first event of the step loads its batch
      assert.equal(e.phase, 'forward');
      const x = t.model.acts[0];
      for (let n = 0; n < B; n++)
        for (const j of [0, 1, C - 1])
          assert.equal(x[n * C + j], (first + n) * 1000 + j + 0.5, `C = ${C}, step ${step}, row ${n}, input ${j}`);
      for (const s = t.step; t.step === s && t.advance(););
    }
  }
});
