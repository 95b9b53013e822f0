// The course's claims (issue 15): each file added for a claim of the seeds, checked against a run. The bounds are the
// measured values with a margin; the pairs are checked to differ in exactly the lesson's variable.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diagnoseRun } from '../doctor/run';
import { afterNetwork, epoch, meanGrad, readExample as read, valuesOf, trained, trainerOf } from './claimsTesting';
import { parseNnet } from './parser';

/** `text` without its leading comment and network name: what two files of a pair must share. */
const body = (text: string) => text.slice(text.indexOf('\n', text.indexOf('network ')));

/** The per-step losses of a whole run (the mean loss of each optimizer step). */
function stepLosses(source: string): number[] {
  const t = trainerOf(source);
  const out: number[] = [];
  for (let s = 0; t.advance();) if (t.step !== s) [s] = [t.step, out.push(t.previousLoss)];
  return out;
}

test("bowl.nnet: the seed's path exactly — (8, 8), lr 0.1, w ← (0.8·w1, 0.6·w2), loss x² + 2y² at every step", () => {
  const src = read('bowl.nnet');
  // The seed's loop: 20 points (x, y, x² + 2y²) recorded before each update x −= 0.1·2x, y −= 0.1·4y.
  let [x, y] = [8, 8];
  const t = trainerOf(src);
  for (let k = 0; k < 20; k++) {
    const W = valuesOf(t, 'out', 'W');
    assert.ok(Math.abs(W[0] - x) <= 1e-6 * Math.abs(x) && Math.abs(W[1] - y) <= 1e-6 * Math.abs(y), `step ${k}: ${W}`);
    while (t.step === k && t.advance());
    const loss = epoch(t, k + 1).loss;
    assert.ok(Math.abs(loss - (x * x + 2 * y * y)) <= 1e-5 * (x * x + 2 * y * y), `loss ${k}: ${loss}`);
    [x, y] = [x - 0.1 * 2 * x, y - 0.1 * 4 * y];
  }
  assert.equal(valuesOf(t, 'out', 'b')[0], 0, 'b stays 0, so the loss is the bowl');
  assert.match(src, /192, 87\.04, 42\.80, … 0\.0133 at step 20/);
  assert.ok(Math.abs(epoch(t, 20).loss - 0.0133) < 1e-4);
});

test('bowl-lr-too-high / too-low: only the lr differs; w2 flips sign and the loss grows; too low crawls', () => {
  const bowl = read('bowl.nnet'),
    high = read('bowl-lr-too-high.nnet'),
    low = read('bowl-lr-too-low.nnet');
  assert.equal(body(high), body(bowl).replace('lr=0.1', 'lr=0.55'));
  assert.equal(body(low), body(bowl).replace('lr=0.1', 'lr=0.01'));
  const t = trainerOf(high);
  let w2 = valuesOf(t, 'out', 'W')[1];
  for (let k = 0; k < 5; k++) {
    while (t.step === k && t.advance());
    const next = valuesOf(t, 'out', 'W')[1];
    assert.ok(Math.sign(next) === -Math.sign(w2) && Math.abs(next) > Math.abs(w2), `step ${k}: ${w2} → ${next}`);
    w2 = next;
  }
  const end = epoch(trained(high), -1).loss;
  assert.ok(Math.abs(end - 130646) < 10, `too high: ${end}`);
  const settle = trainerOf(bowl.replace('lr=0.1', 'lr=0.45')); // the comment's lr 0.45: bounces, then settles
  while (settle.step < 2 && settle.advance());
  assert.ok(valuesOf(settle, 'out', 'W')[1] > 0 && epoch(trained(bowl.replace('lr=0.1', 'lr=0.45')), -1).loss < 0.1);
  const slow = epoch(trained(low), -1).loss;
  assert.ok(Math.abs(slow - 56.8) < 0.1, `too low: ${slow}`);
});

/** mean |∇W| of h_1 over h_10 after the first step. */
const ratio = (src: string) => {
  const t = trained(src, 1);
  return meanGrad(t, 'h_1') / meanGrad(t, 'h_10');
};

test('deep-tanh.nnet: deep-sigmoid with tanh only; h_1/h_10 ~2.4 after step 1; XOR solved', () => {
  const src = read('deep-tanh.nnet');
  assert.equal(body(src), body(read('deep-sigmoid.nnet')).replace('16 sigmoid init', '16 tanh init'));
  assert.ok(ratio(src) > 1.5, `${ratio(src)}`); // measured 2.4
  const end = epoch(trained(src), -1);
  assert.ok(end.loss < 0.002 && end.accuracy === 1, JSON.stringify(end));
});

test('deep-gelu.nnet: deep-relu with gelu only; h_1/h_10 ~2 after step 1; XOR solved; var(z) shrinks', () => {
  const src = read('deep-gelu.nnet');
  assert.equal(body(src), body(read('deep-relu.nnet')).replace('16 relu init', '16 gelu init'));
  assert.ok(ratio(src) > 1.5, `${ratio(src)}`); // measured 2.1
  const end = epoch(trained(src), -1);
  assert.ok(end.loss < 0.001 && end.accuracy === 1, JSON.stringify(end));
});

test('deep-sigmoid-batchnorm.nnet: a batchnorm before each sigmoid; h_1/h_10 ~25 after step 1 (1.2e-6 without)', () => {
  const src = read('deep-sigmoid-batchnorm.nnet');
  const plain = body(read('deep-sigmoid.nnet'));
  assert.equal(
    body(src),
    plain.replace(
      '    dense h 16 sigmoid init=xavier\n',
      '    dense h 16 init=xavier\n    batchnorm bn\n    activation sigmoid\n',
    ),
  );
  assert.ok(ratio(src) > 15, `${ratio(src)}`); // measured 24.6
  const end = epoch(trained(src), -1);
  assert.ok(end.loss < 0.05 && end.accuracy === 1, JSON.stringify(end)); // measured 0.019
});

/** σ′ of h1's pre-activations at step 1: their mean and the fraction below 0.01. */
function sigmoidSlopes(src: string) {
  const t = trained(src, 1);
  const z = valuesOf(t, 'h1', 'z');
  let sum = 0,
    flat = 0;
  for (const v of z) {
    const s = 1 / (1 + Math.exp(-v));
    sum += s * (1 - s);
    if (s * (1 - s) < 0.01) flat++;
  }
  return { mean: sum / z.length, flat: flat / z.length, grad: meanGrad(t, 'h1') };
}

test('saturation.nnet: std-10 weights saturate h1 — σ′ mean 0.057 (xavier 0.24), 57 % flat, 7× smaller gradient', () => {
  const src = read('saturation.nnet');
  const xavierSrc = src.replace(/^( {2}dense h1 16 sigmoid) init=normal\(10\)$/m, '$1 init=xavier');
  assert.notEqual(xavierSrc, src);
  const big = sigmoidSlopes(src),
    xavier = sigmoidSlopes(xavierSrc);
  assert.ok(big.mean < 0.07 && xavier.mean > 0.2, JSON.stringify({ big, xavier }));
  assert.ok(big.flat > 0.5 && xavier.flat < 0.05, JSON.stringify({ big, xavier }));
  assert.ok(xavier.grad / big.grad > 5, JSON.stringify({ big, xavier }));
  const [slow, fast] = [src, xavierSrc].map((s) => epoch(trained(s), 10).loss);
  assert.ok(slow > fast + 0.03, `epoch 10: ${slow} vs ${fast}`); // 0.39 vs 0.34
});

/** The step-1 gradient before and after clipping, as the clip event changes it. */
function clipAt1(src: string) {
  const t = trainerOf(src);
  while (t.peek()!.phase !== 'clip') t.advance();
  const raw = t.model.grads.slice();
  t.advance();
  const g = t.model.grads;
  let dot = 0,
    n0 = 0,
    n1 = 0,
    changed = 0;
  for (let i = 0; i < raw.length; i++)
    [dot, n0, n1, changed] = [
      dot + raw[i] * g[i],
      n0 + raw[i] ** 2,
      n1 + g[i] ** 2,
      changed + (raw[i] !== g[i] ? 1 : 0),
    ];
  return { cosine: dot / Math.sqrt(n0 * n1), after: Math.sqrt(n1), changed, total: raw.length };
}

test('exploding-clipped-value.nnet: clip value bends the step (cosine 0.61), clip norm keeps it (cosine 1)', () => {
  const src = read('exploding-clipped-value.nnet');
  const norm = read('exploding-clipped.nnet');
  assert.equal(body(src), body(norm).replace('  clip norm 1.0', '  clip value 0.5'));
  const v = clipAt1(src),
    n = clipAt1(norm);
  assert.ok(n.cosine > 0.999999 && Math.abs(n.after - 1) < 1e-4, JSON.stringify(n));
  assert.ok(v.cosine < 0.7, JSON.stringify(v)); // 0.61
  assert.ok(v.after > 15, JSON.stringify(v)); // 22: not bounded by the clip
  assert.ok(v.changed >= 1900 && v.total === 1953, JSON.stringify(v));
  const [lv, ln] = [src, norm].map((s) => epoch(trained(s), -1).loss);
  assert.ok(lv > 1 && ln < 0.3, `value ${lv}, norm ${ln}`);
});

test("ill-conditioned-rmsprop.nnet: the same valley at Adam's lr; below 1e-6 by epoch 50, SGD at 0.53", () => {
  const src = read('ill-conditioned-rmsprop.nnet');
  assert.equal(body(src), body(read('ill-conditioned-adam.nnet')).replace('adam lr=0.05', 'rmsprop lr=0.05'));
  assert.ok(epoch(trained(src), 50).loss < 1e-6);
  assert.ok(epoch(trained(read('ill-conditioned-sgd.nnet')), 50).loss > 0.5);
});

test('adamw.nnet: the unused weight decays to exactly (1 − lr·λ)^t; adam-l2.nnet drops it by ~lr a step', () => {
  const w = read('adamw.nnet'),
    l2 = read('adam-l2.nnet');
  assert.equal(body(l2), body(w).replace('optimizer adamw', 'optimizer adam'));
  const unused = (src: string, steps: number) => valuesOf(trained(src, steps), 'out', 'W')[1];
  for (const t of [20, 100]) {
    const want = (1 - 0.05 * 0.1) ** t;
    assert.ok(Math.abs(unused(w, t) - want) < 1e-5, `AdamW after ${t}: ${unused(w, t)} vs ${want}`);
  }
  assert.ok(Math.abs(unused(l2, 20) - 0.11) < 0.02, `Adam + L2 after 20: ${unused(l2, 20)}`);
  assert.ok(Math.abs(unused(l2, 25)) < 0.05, `Adam + L2 after 25: ${unused(l2, 25)}`); // the question's 'near 0'
});

test('batch-1 vs batch-full: only the batch differs; batch 1 is noisy and ahead, the full batch smooth', () => {
  const one = read('batch-1.nnet'),
    full = read('batch-full.nnet');
  assert.equal(body(full), body(one).replace('batch 1\n', 'batch 128\n'));
  const noisy = stepLosses(one),
    smooth = stepLosses(full);
  assert.equal(noisy.length, 128 * 20);
  assert.equal(smooth.length, 20);
  const rises = (l: number[]) => l.slice(1).filter((x, i) => x > l[i]).length / (l.length - 1);
  assert.ok(rises(noisy) > 0.4, `batch 1 rises on ${rises(noisy)}`); // 0.49
  assert.equal(rises(smooth), 0, 'the full batch falls at every step');
  const [a, b] = [one, full].map((s) => epoch(trained(s), -1).loss);
  assert.ok(a < 0.15 && b > 0.3, `batch 1: ${a}, full: ${b}`);
});

test('dying-relu-training.nnet: every h1 unit alive at step 1, most dead at the end; lr 0.01 keeps them', () => {
  const src = read('dying-relu-training.nnet');
  const t = trained(src, 1);
  const a = valuesOf(t, 'h1', 'a');
  for (let u = 0; u < 32; u++)
    assert.ok(
      [...Array(t.batchSize).keys()].some((r) => a[r * 32 + u] > 0),
      `unit ${u}`,
    );
  const dead = (s: string) =>
    diagnoseRun(parseNnet(s).spec!, { source: s })
      .findings.filter((f) => f.rule === 'dead-relu')
      .map((f) => [f.layer, f.evidence.measured]);
  const found = dead(src);
  assert.deepEqual(
    found.map(([l]) => l),
    ['h1', 'h2'],
  );
  assert.ok(
    found.every(([, m]) => (m as number) >= 0.65),
    JSON.stringify(found),
  ); // 69 % and 75 %
  assert.deepEqual(dead(src.replace('lr=0.5', 'lr=0.01')), []);
  assert.ok(afterNetwork(src).includes('optimizer adam lr=0.5'));
});
