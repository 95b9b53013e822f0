// The numbers the examples' comments promise, checked against a run of the shipped file (and of the one-line
// variations the comments suggest), so a comment cannot drift from what the engine does. Each bound is the measured
// value with a margin: a floor (or ceiling) the lesson needs, not the exact number.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonFiniteError } from '../runtime/trainer';
import { afterNetwork, epoch, meanGrad, readExample as read, valuesOf, trained } from './claimsTesting';

/** Trains `source` to the end of its schedule; the last epoch's metrics. */
const finalMetrics = (source: string) => epoch(trained(source), -1);

test('spiral.nnet: no hidden layer stalls near 0.68 at ~56 %; one layer of 4 reaches ~92 %; the shipped net 100 %', () => {
  const source = read('spiral.nnet');
  assert.match(
    source,
    /the loss stalls near 0\.68 at 56 %.*\n# .*4 units already reaches about 92 %; two of 32 reach 100 %/,
  );
  const shipped = finalMetrics(source);
  assert.ok(shipped.accuracy! >= 0.995, `shipped: ${shipped.accuracy}`);
  const linear = finalMetrics(source.replace(/^ {2}dense h[12] .*\n/gm, ''));
  assert.ok(Math.abs(linear.loss - 0.68) < 0.03 && Math.abs(linear.accuracy! - 0.56) < 0.03, JSON.stringify(linear));
  const four = finalMetrics(source.replace(/^ {2}dense h1 32 /m, '  dense h1 4 ').replace(/^ {2}dense h2 .*\n/m, ''));
  assert.ok(Math.abs(four.accuracy! - 0.92) < 0.02, JSON.stringify(four));
});

test('deep-sigmoid, deep-relu and residual: the same loss, data and training; only the cure differs', () => {
  const [sig, relu, res] = ['deep-sigmoid.nnet', 'deep-relu.nnet', 'residual.nnet'].map(read);
  assert.equal(afterNetwork(relu), afterNetwork(sig));
  assert.equal(afterNetwork(res), afterNetwork(sig));
  // deep-relu: every `sigmoid init=xavier` of the stack becomes `relu init=he`, nothing else in the network.
  assert.equal(
    relu.slice(relu.indexOf('  input')),
    sig
      .slice(sig.indexOf('  input'))
      .replace(/16 sigmoid init=xavier/, '16 relu init=he')
      .replace('network deep', 'network deep_relu'),
  );
});

test("deep-sigmoid.nnet: after step 1 h_1 gets ~1e-6 of h_10's gradient, and the loss stays at 0.693", () => {
  const src = read('deep-sigmoid.nnet');
  assert.match(src, /h_1's\n# mean \|∇W\| is ~1e-6 of h_10's and the loss stays at 0\.693/);
  const t = trained(src, 1);
  const ratio = meanGrad(t, 'h_1') / meanGrad(t, 'h_10');
  assert.ok(ratio < 3e-6, `h_1/h_10 = ${ratio}`); // measured 1.2e-6
  const end = finalMetrics(src);
  assert.ok(Math.abs(end.loss - Math.LN2) < 0.002, `final loss ${end.loss}`);
});

test("deep-relu.nnet: after step 1 h_1 gets ~4× h_10's gradient; XOR solved (loss < 0.02, 100 %)", () => {
  const src = read('deep-relu.nnet');
  assert.match(src, /about 4× h_10's, where sigmoid gives 1e-6/);
  const t = trained(src, 1);
  const ratio = meanGrad(t, 'h_1') / meanGrad(t, 'h_10');
  assert.ok(ratio > 2, `h_1/h_10 = ${ratio}`); // measured 4.2
  const end = finalMetrics(src);
  assert.ok(end.loss < 0.02 && end.accuracy === 1, JSON.stringify(end)); // measured 0.0155
});

test("residual.nnet: h_1 gets ~0.2× h_10's gradient, XOR solved; the first loss is 4.6, output logits near 9", () => {
  const src = read('residual.nnet');
  assert.match(src, /h_1 gets ~0\.2× h_10's mean \|∇W\|/);
  assert.match(src, /Why the first loss is 4\.6/);
  const t = trained(src, 1);
  const ratio = meanGrad(t, 'h_1') / meanGrad(t, 'h_10');
  assert.ok(ratio > 0.1, `h_1/h_10 = ${ratio}`); // measured 0.17
  const first = epoch(t, 1).loss;
  assert.ok(Math.abs(first - 4.6) < 0.1, `first loss ${first}`);
  const stream = valuesOf(t, 'out', 'x'); // the stream after ten blocks: ≈ 4.9 per unit
  const mean = [...stream].reduce((a, b) => a + b, 0) / stream.length;
  assert.ok(mean > 4.5 && mean < 5.3, `stream mean ${mean}`);
  const z = valuesOf(t, 'out', 'z'); // the output's logits at step 1
  assert.ok(Math.min(...z) > 8, `logits ${[...z]}`);
  const end = finalMetrics(src);
  assert.ok(end.loss < 0.01 && end.accuracy === 1, JSON.stringify(end));
});

test('xor.nnet: one hidden layer solves XOR; without it (a linear model) the loss stays at 0.693', () => {
  const src = read('xor.nnet');
  assert.match(src, /the smallest problem a linear model cannot solve/);
  const end = finalMetrics(src);
  assert.ok(end.loss < 0.001 && end.accuracy === 1, JSON.stringify(end));
  const linear = finalMetrics(src.replace(/^ {2}dense h1 .*\n/m, ''));
  assert.ok(linear.loss > 0.69 && linear.accuracy! <= 0.75, JSON.stringify(linear));
});

test('regression.nnet: mean squared error with mini-batches of 2 fits the six points', () => {
  const src = read('regression.nnet');
  assert.match(src, /mean squared error and mini-batches of 2/);
  const t = trained(src);
  assert.equal(t.stepsPerEpoch, 3, 'six rows in batches of 2');
  assert.ok(epoch(t, -1).loss < 1e-3, `final loss ${epoch(t, -1).loss}`); // measured 7.7e-5
});

test("classify.nnet: the output δ is each sample's a − y divided by the batch size B = 3", () => {
  const src = read('classify.nnet');
  assert.match(src, /δ = \(a − y\)\/B/);
  const t = trained(src, 1);
  const [a, delta] = [valuesOf(t, 'out', 'a'), valuesOf(t, 'out', 'delta')];
  const B = t.batchSize;
  assert.equal(B, 3);
  for (let r = 0; r < B; r++)
    for (let k = 0; k < 3; k++) {
      const y = t.yBatch[r * 3 + k];
      assert.ok(Math.abs(delta[r * 3 + k] - (a[r * 3 + k] - y) / B) < 1e-6, `row ${r}, class ${k}`);
    }
});

test('zero-init.nnet: the hidden units stay copies (identical W.grad rows); loss stalls near 0.5; xavier < 0.01', () => {
  const src = read('zero-init.nnet');
  assert.match(src, /the loss stalls near 0\.5/);
  assert.match(src, /Change both inits to xavier: the loss falls below 0\.01/);
  const t = trained(src);
  const g = valuesOf(t, 'h1', 'gradW'); // [4 × 2], the last step's gradient
  for (let u = 1; u < 4; u++) assert.deepEqual([g[2 * u], g[2 * u + 1]], [g[0], g[1]], `row ${u} = row 0`);
  const end = epoch(t, -1);
  assert.ok(end.loss > 0.45 && end.loss < 0.55, `final loss ${end.loss}`); // measured 0.49
  const cured = finalMetrics(src.replace('init=zeros', 'init=xavier').replace('init=constant(0.5)', 'init=xavier'));
  assert.ok(cured.loss < 0.01, `xavier: ${cured.loss}`); // measured 0.0038
});

test('dying-relu.nnet: every unit of h1 outputs 0, no gradient reaches it, and W never changes', () => {
  const src = read('dying-relu.nnet');
  assert.match(src, /No gradient reaches W or b of h1/);
  const t0 = trained(src, 1);
  assert.ok(
    valuesOf(t0, 'h1', 'a').every((v) => v === 0),
    'relu outputs 0 for every sample',
  );
  assert.equal(meanGrad(t0, 'h1'), 0);
  const w0 = valuesOf(trained(src, 0), 'h1', 'W').slice();
  const t = trained(src);
  assert.deepEqual([...valuesOf(t, 'h1', 'W')], [...w0], 'the units never recover');
  assert.ok(Math.abs(epoch(t, -1).loss - Math.LN2) < 0.01);
});

test("exploding.nnet: step 1's global gradient norm is in the thousands; lr 0.0001 gives NaN in step 6", () => {
  const src = read('exploding.nnet');
  assert.match(src, /change lr to 0\.0001 and the\n# run stops with NaN in step 6/);
  const t = trained(src, 1);
  assert.ok(t.clip.normBefore >= 1000, `norm ${t.clip.normBefore}`);
  assert.throws(
    () => trained(src.replace('lr=0.00003', 'lr=0.0001')),
    (e: unknown) => e instanceof NonFiniteError && e.step + 1 === 6,
  );
});

test('exploding-clipped.nnet: the norm before clipping stays in the thousands, after it at most 1; lr 30× larger', () => {
  const src = read('exploding-clipped.nnet');
  assert.match(src, /the learning rate can now be 30× larger/);
  const t = trained(src, 1);
  assert.ok(t.clip.normBefore >= 1000 && t.clip.normAfter <= 1 + 1e-6, JSON.stringify(t.clip));
  const lr = (s: string) => Number(/lr=([\d.e-]+)/.exec(s)![1]);
  assert.ok(lr(src) / lr(read('exploding.nnet')) >= 30);
  assert.ok(finalMetrics(src).loss < 0.3, 'and the clipped run trains'); // measured 0.234
});
