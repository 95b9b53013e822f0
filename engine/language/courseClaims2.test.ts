// The course's claims, second part (issue 15): the single neuron by hand, seed 004's numpy XOR recipe, learning-rate
// schedules and gradient accumulation, each checked against a run of the shipped file and the seed's own arithmetic.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epoch, readExample as read, trained, trainerOf, valuesOf } from './claimsTesting';
import type { Trainer } from '../runtime/trainer';

/** `text` without its leading comment and network name: what two files of a pair must share. */
const body = (text: string) => text.slice(text.indexOf('\n', text.indexOf('network ')));

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Asserts |actual − expected| ≤ tol for every entry. */
function near(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('single-neuron.nnet: forward, ∂L/∂W = (ŷ − y)·σ′(z)·x and ∂L/∂b as the seed computes them, to 1e-6', () => {
  const src = read('single-neuron.nnet');
  // The seed's formulas in float64: z = w·x + b, ŷ = σ(z), L = ½(ŷ − y)².
  const [x, y, w, b, lr] = [[1, 2], 1, [0.5, -0.25], 0.1, 0.5];
  const z = w[0] * x[0] + w[1] * x[1] + b;
  const yHat = sigmoid(z);
  const delta = (yHat - y) * yHat * (1 - yHat);
  const t = trainerOf(src);
  while (t.step === 0 && t.advance());
  assert.ok(Math.abs(epoch(t, 1).loss - 0.5 * (yHat - y) ** 2) <= 1e-6, `L ${epoch(t, 1).loss}`);
  near(valuesOf(t, 'out', 'z'), [z], 1e-6, 'z');
  near(valuesOf(t, 'out', 'a'), [yHat], 1e-6, 'ŷ');
  near(valuesOf(t, 'out', 'delta'), [delta], 1e-6, 'δ');
  near(valuesOf(t, 'out', 'gradW'), [delta * x[0], delta * x[1]], 1e-6, '∂L/∂W');
  near(valuesOf(t, 'out', 'gradb'), [delta], 1e-6, '∂L/∂b');
  const w1 = [w[0] - lr * delta * x[0], w[1] - lr * delta * x[1]];
  const b1 = b - lr * delta;
  near(valuesOf(t, 'out', 'W'), w1, 1e-6, 'W after one step');
  near(valuesOf(t, 'out', 'b'), [b1], 1e-6, 'b after one step');
  const loss2 = 0.5 * (sigmoid(w1[0] * x[0] + w1[1] * x[1] + b1) - y) ** 2;
  assert.ok(Math.abs(epoch(trained(src), 2).loss - loss2) <= 1e-6);
  // The comment's numbers are these, rounded.
  for (const n of ['z = 0.1', 'σ(0.1) = 0.524979', 'L = 0.112822', 'σ′(z) = ŷ(1 − ŷ) = 0.249376', 'δ = −0.118459'])
    assert.ok(src.includes(n), n);
  assert.ok(src.includes('[−0.118459, −0.236918]') && src.includes('[0.559229, −0.131541], b = 0.159229'));
  assert.ok(src.includes('0.075304') && Math.abs(loss2 - 0.075304) < 5e-7);
});

/** Seed 004's loop in float64: the loss of every epoch (before its update) and the last forward's outputs. */
function numpyXor(W1: number[][], W2: number[], epochs: number, lr: number) {
  const X = [[0, 0], [0, 1], [1, 0], [1, 1]]; // prettier-ignore
  const Y = [0, 1, 1, 0];
  const b1 = [0, 0, 0, 0];
  let b2 = 0;
  const losses: number[] = [];
  let a2: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const a1 = X.map((x) => b1.map((b, j) => sigmoid(x[0] * W1[0][j] + x[1] * W1[1][j] + b)));
    a2 = a1.map((a) => sigmoid(a.reduce((s, v, j) => s + v * W2[j], b2)));
    losses.push(a2.reduce((s, a, i) => s + (Y[i] - a) ** 2, 0) / 4);
    const d2 = a2.map((a, i) => ((-2 * (Y[i] - a)) / 4) * a * (1 - a));
    const d1 = a1.map((a, i) => a.map((v, j) => d2[i] * W2[j] * v * (1 - v)));
    for (let j = 0; j < 4; j++) {
      W2[j] -= lr * a1.reduce((s, a, i) => s + a[j] * d2[i], 0);
      for (const k of [0, 1]) W1[k][j] -= lr * X.reduce((s, x, i) => s + x[k] * d1[i][j], 0);
      b1[j] -= lr * d1.reduce((s, d) => s + d[j], 0);
    }
    b2 -= lr * d2.reduce((s, d) => s + d, 0);
  }
  return { losses, a2 };
}

test("xor-numpy.nnet: seed 004's recipe, randn(42) weights included; the seed's printed losses to 1e-6", () => {
  const src = read('xor-numpy.nnet');
  const t = trainerOf(src);
  // The starting weights as the file writes them, transposed back to numpy's [inputs × units].
  const W = Array.from(valuesOf(t, 'h1', 'W'));
  const W1 = [0, 1].map((k) => [0, 1, 2, 3].map((j) => W[j * 2 + k]));
  near(W1[0], [0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254], 1e-7, 'W1[0]');
  const ref = numpyXor(W1, Array.from(valuesOf(t, 'out', 'W')), 10000, 0.1);
  // The epoch log keeps the newest epochs exactly and thins the old, so the losses are read as the run goes.
  const losses: number[] = [];
  for (let e = 0; e < 10000; e++) {
    while (t.step === e && t.advance());
    losses.push(t.previousLoss);
  }
  assert.ok(!t.advance() && t.step === 10000);
  for (let e = 0; e < 10000; e += 1000)
    assert.ok(Math.abs(losses[e] - ref.losses[e]) <= 1e-6, `epoch ${e}: ${losses[e]} vs ${ref.losses[e]}`);
  assert.ok(Math.abs(epoch(t, -1).loss - ref.losses[9999]) <= 1e-6);
  near(valuesOf(t, 'out', 'a'), ref.a2, 1e-5, 'the last forward');
  // The comment's numbers: the seed's prints for epochs 0, 1000 and 5000, the end and the predictions.
  assert.match(
    src,
    /0\.2832 at the\n# start, 0\.2493 after 1000 epochs .* 0\.1831 after 5000, and\n# 0\.0209 at epoch 10000/,
  );
  const rounded = [0.2832, 0.2493, 0.1831].map((v, i) => Math.abs(ref.losses[[0, 1000, 5000][i]] - v) < 5e-5);
  assert.deepEqual(rounded, [true, true, true]);
  assert.ok(Math.abs(ref.losses[9999] - 0.0209) < 5e-5);
  near(ref.a2, [0.1, 0.86, 0.85, 0.18], 0.005, 'predictions about 0.10, 0.86, 0.85, 0.18');
});

/** The loss of each step and w2 after each step of a run. */
function bowlRun(src: string): { losses: number[]; w2: number[] } {
  const t = trainerOf(src);
  const out = { losses: [] as number[], w2: [] as number[] };
  for (let k = 0; k < 20; k++) {
    while (t.step === k && t.advance());
    out.losses.push(epoch(t, k + 1).loss);
    out.w2.push(valuesOf(t, 'out', 'W')[1]);
  }
  return out;
}

test('schedule-constant / schedule-cosine: only the schedule differs; constant overshoots, cosine settles', () => {
  const constant = read('schedule-constant.nnet'),
    cosine = read('schedule-cosine.nnet');
  assert.equal(body(cosine), body(constant).replace('schedule constant', 'schedule cosine min_lr=0'));
  assert.equal(body(constant), body(read('bowl.nnet')).replace('lr=0.1', 'lr=0.45') + '  schedule constant\n');
  const c = bowlRun(constant),
    k = bowlRun(cosine);
  // Constant: w2 ← −0.8·w2 every step, a sign flip each time.
  for (let s = 1; s < 20; s++) assert.ok(Math.abs(c.w2[s] / c.w2[s - 1] + 0.8) < 1e-4, `constant step ${s}`);
  assert.ok(Math.abs(c.losses[19] - 0.0266) < 5e-5, `constant ${c.losses[19]}`);
  // Cosine: the same first steps, then the bottom; w2 keeps one sign from step 10 on.
  assert.deepEqual(
    k.losses.slice(0, 2).map((l) => l.toPrecision(3)),
    ['192', '82.6'],
  );
  assert.ok(Math.abs(k.losses[8] - 0.0286) < 5e-5, `cosine step 9: ${k.losses[8]}`);
  assert.ok(k.losses[19] < 1e-10 && k.losses[19] < c.losses[19] * 1e-6, `cosine ${k.losses[19]}`);
  const tail = k.w2.slice(9).map(Math.sign);
  assert.ok(
    tail.every((s) => s === tail[0]),
    `w2 signs ${tail}`,
  );
  assert.match(cosine, /0\.0286 at step 9 and 3\.6e-12 after 20/);
  assert.ok(k.losses[19].toPrecision(2) === '3.6e-12', `${k.losses[19]}`);
});

/** Every weight and bias of a trainer, in one list. */
const weights = (t: Trainer) =>
  ['h1', 'out'].flatMap((n) => [...valuesOf(t, n, 'W'), ...valuesOf(t, n, 'b')]).map(Number);

test('accumulate.nnet: batch 8 × accumulate 4 makes the same 80 steps as batch 32, to float rounding', () => {
  const acc = read('accumulate.nnet'),
    big = read('accumulate-batch32.nnet');
  assert.equal(body(big), body(acc).replace('batch 8\n  accumulate 4', 'batch 32'));
  const a = trainerOf(acc),
    b = trainerOf(big);
  let worst = 0;
  for (let k = 0; k < 80; k++) {
    while (a.step === k && a.advance());
    while (b.step === k && b.advance());
    const [wa, wb] = [weights(a), weights(b)];
    for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i] - wb[i]));
  }
  assert.ok(!a.advance() && !b.advance() && a.step === 80 && b.step === 80, `${a.step} / ${b.step} steps`);
  assert.ok(worst < 1e-6, `largest weight difference ${worst}`);
  for (let n = 1; n <= 20; n++) assert.ok(Math.abs(epoch(a, n).loss - epoch(b, n).loss) < 1e-7, `epoch ${n}`);
  assert.ok(Math.abs(epoch(a, 1).loss - 0.37672) < 5e-6 && Math.abs(epoch(a, -1).loss - 0.2454) < 5e-5);
  // Without accumulate it is another run: four times the steps.
  const plain = trained(acc.replace('  accumulate 4\n', ''));
  assert.equal(plain.step, 320);
  assert.ok(Math.abs(epoch(plain, -1).loss - 0.178) < 5e-4, `${epoch(plain, -1).loss}`);
});
