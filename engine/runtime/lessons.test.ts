// The seed material's lessons, reproduced through the .nnet language and the trainer: fused softmax + cross-entropy
// (003), vanishing gradients in deep sigmoid stacks and their cures, the zero/constant-init symmetry trap, AdamW
// versus Adam + L2, determinism, and typed errors for bad input to the engine API.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import type { NetworkSpec } from '../language/spec';
import { nodeTensors } from './snapshot';
import { SpecError, Trainer } from './trainer';

const parse = (text: string): NetworkSpec => {
  const r = parseNnet(text);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return r.spec!;
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
/** Runs the forward pass, the loss and the backward pass of the first batch. */
const firstBackward = (t: Trainer) => {
  for (let i = 0; i < 2 * t.model.nodes.length + 1; i++) t.advance();
};

test('003: softmax + cross-entropy gives δ² = a² − y; δ¹ = W²ᵀδ² ⊙ a¹(1 − a¹); dW = δ·aᵀ', () => {
  const t = new Trainer(
    parse(`network two
  input 3
  dense h 4 sigmoid
  dense out 3 softmax
loss cross_entropy
data
  0.5 -1.0 2.0 -> 2
train
  batch 1
  seed 11
`),
  );
  firstBackward(t);
  const h = nodeTensors(t, 0),
    out = nodeTensors(t, 1);
  const a2 = out.a!.values,
    y = t.yBatch;
  assert.deepEqual(Array.from(y), [0, 0, 1], 'class index 2 became one-hot');
  close(
    out.delta!.values,
    Array.from(a2, (v, k) => v - y[k]),
    1e-7,
    'δ²',
  );
  const W2 = out.W!.values,
    a1 = h.a!.values,
    d2 = out.delta!.values;
  const d1 = Array.from(
    { length: 4 },
    (_, j) => [0, 1, 2].reduce((s, k) => s + W2[k * 4 + j] * d2[k], 0) * a1[j] * (1 - a1[j]),
  );
  close(h.delta!.values, d1, 1e-7, 'δ¹');
  close(
    out.gradW!.values,
    Array.from({ length: 12 }, (_, i) => d2[Math.floor(i / 4)] * a1[i % 4]),
    1e-7,
    'dW²',
  );
  close(
    h.gradW!.values,
    Array.from({ length: 12 }, (_, i) => d1[Math.floor(i / 3)] * [0.5, -1, 2][i % 3]),
    1e-7,
    'dW¹',
  );
});

/** Per-layer mean |∂L/∂W| of a deep stack after one backward pass, input side first. */
function deepGradients(hidden: string, residual = false): number[] {
  const layers = residual
    ? '  dense in 16 tanh\n  repeat 10\n    residual r\n      dense h 16 sigmoid init=xavier\n    end\n  end'
    : `  dense in 16 tanh\n  repeat 10\n    dense h 16 ${hidden}\n  end`;
  const rows = Array.from({ length: 32 }, (_, i) => `  ${Math.sin(i)} ${Math.cos(3 * i)} -> ${i % 2}`).join('\n');
  const t = new Trainer(
    parse(
      `network deep\n  input 2\n${layers}\n  dense out 1 sigmoid\nloss bce\ndata\n${rows}\ntrain\n  batch 32\n  seed 5\n`,
    ),
  );
  firstBackward(t);
  t.advance(); // clip: measures the gradients
  return t
    .gradStats()
    .filter((g) => /^h_/.test(g.name))
    .map((g) => g.meanAbsGrad);
}

test('vanishing gradients: 10 sigmoid layers shrink towards the input; ReLU + He and residual blocks do not', () => {
  const sig = deepGradients('sigmoid init=xavier');
  assert.equal(sig.length, 10);
  for (let i = 1; i < sig.length; i++)
    assert.ok(sig[i - 1] < sig[i], `sigmoid: layer ${i} (${sig[i - 1]}) should be below layer ${i + 1} (${sig[i]})`);
  assert.ok(sig[0] / sig[9] < 1e-4, `sigmoid: first/last = ${sig[0] / sig[9]}`);
  const relu = deepGradients('relu init=he');
  assert.ok(relu[0] / relu[9] > 0.05, `relu+he: first/last = ${relu[0] / relu[9]}`);
  const res = deepGradients('', true);
  assert.equal(res.length, 10);
  assert.ok(res[0] / res[9] > 0.1, `residual: first/last = ${res[0] / res[9]}`);
});

test('symmetry trap: constant init leaves every hidden unit of a layer identical after training', () => {
  const t = new Trainer(
    parse(`network sym
  input 2
  dense h 4 tanh init=constant(0.3)
  dense out 1 sigmoid init=constant(0.3)
loss bce
data
  0 0 -> 0
  0 1 -> 1
  1 0 -> 1
  1 1 -> 0
train
  epochs 200
  optimizer sgd lr=0.5
`),
  );
  while (t.advance());
  const W = nodeTensors(t, 0).W!.values;
  for (let u = 1; u < 4; u++) close(W.subarray(u * 2, u * 2 + 2), W.subarray(0, 2), 0, `row ${u} of h.W`);
  assert.notEqual(W[0], 0.3, 'the weights did train');
  assert.ok(t.epochs.last!.loss > 0.5, 'and XOR stays unsolved: identical units act as one');
});

test('AdamW and Adam + L2 give different weights from the same run (decoupled decay)', () => {
  const src = (opt: string) =>
    `network d\n  input 2\n  dense h 8 tanh\n  dense out 1 identity\nloss mse\ndata\n  0 1 -> 1\n  1 0 -> -1\n  1 1 -> 0.5\ntrain\n  epochs 50\n  optimizer ${opt} lr=0.01 weight_decay=0.1\n  seed 3\n`;
  const run = (opt: string) => {
    const t = new Trainer(parse(src(opt)));
    while (t.advance());
    return Array.from(t.model.params);
  };
  const adamw = run('adamw'),
    adam = run('adam');
  const diff = Math.max(...adamw.map((v, i) => Math.abs(v - adam[i])));
  assert.ok(diff > 1e-4, `max difference ${diff}`);
});

test('determinism: same file and seed give bit-identical final weights (hash), with dropout and shuffling', () => {
  const text = `network det\n  input 2\n  dense h 16 relu init=he\n  dropout 0.3\n  batchnorm bn\n  dense out 1 sigmoid\nloss bce\ndata\n${Array.from({ length: 20 }, (_, i) => `  ${i / 20} ${(i * 7) % 5} -> ${i % 2}`).join('\n')}\ntrain\n  epochs 30\n  batch 4\n  optimizer momentum lr=0.05 nesterov\n  schedule cosine\n  seed 99\n`;
  const hash = () => {
    const t = new Trainer(parse(text));
    while (t.advance());
    const p = t.model.params; // its own bytes: with a helper thread it lies inside the kernels' memory
    return createHash('sha256')
      .update(Buffer.from(p.buffer, p.byteOffset, p.byteLength))
      .digest('hex');
  };
  assert.equal(hash(), hash());
});

test('gradient accumulation over k micro-batches equals one batch of k× the size', () => {
  const rows = Array.from({ length: 8 }, (_, i) => `  ${i / 8} ${1 - i / 8} -> ${i % 3 === 0 ? 1 : 0}`).join('\n');
  const src = (batch: string) =>
    `network acc\n  input 2\n  dense h 5 tanh\n  dense out 1 sigmoid\nloss bce\ndata\n${rows}\ntrain\n  epochs 3\n${batch}\n  shuffle off\n  seed 4\n`;
  const run = (batch: string) => {
    const t = new Trainer(parse(src(batch)));
    while (t.advance());
    return t;
  };
  const big = run('  batch 8'),
    acc = run('  batch 2\n  accumulate 4');
  assert.equal(big.step, 3);
  assert.equal(acc.step, 3);
  close(acc.model.params, big.model.params, 1e-6, 'params');
});

test('validation split: metrics per epoch with accuracy for classification', () => {
  const rows = Array.from({ length: 40 }, (_, i) => `  ${i % 2} ${(i >> 1) % 2} -> ${(i % 2) ^ ((i >> 1) % 2)}`).join(
    '\n',
  );
  const t = new Trainer(
    parse(
      `network v\n  input 2\n  dense h 8 tanh\n  dense out 1 sigmoid\nloss bce\ndata\n${rows}\ntrain\n  epochs 300\n  batch 8\n  optimizer adam lr=0.05\n  validation 0.25\n  seed 2\n`,
    ),
  );
  assert.equal(t.valRows.length, 10);
  assert.equal(t.trainRows.length, 30);
  while (t.advance());
  const last = t.epochs.last!;
  assert.equal(t.epochs.length, 300);
  assert.equal(last.accuracy, 1);
  assert.equal(last.valAccuracy, 1);
  assert.ok(last.valLoss! < 0.1, `validation loss ${last.valLoss}`);
});

test('bad input to the engine API throws a typed SpecError with a clear message', () => {
  const good = parse('network g\n  input 2\n  dense out 1\nloss mse\ndata\n  0 1 -> 1\n');
  const bad = (patch: (s: NetworkSpec) => NetworkSpec, message: RegExp) =>
    assert.throws(
      () => new Trainer(patch(good)),
      (e: unknown) => e instanceof SpecError && message.test(e.message),
    );
  bad((s) => ({ ...s, data: { ...s.data, x: [[0, Number.NaN]] } }), /input \[0\]\[1\] is NaN/);
  bad((s) => ({ ...s, data: { ...s.data, x: [[0, 1, 2]] } }), /row 0 has 3 inputs; the network takes 2/);
  bad((s) => ({ ...s, data: { ...s.data, y: [[1, 2]] } }), /row 0 has 2 targets; the network outputs 1/);
  bad((s) => ({ ...s, layers: s.layers.map((l) => ({ ...l, units: 0 })) }), /'out' has 0 units/);
  bad((s) => ({ ...s, data: { ...s.data, x: [], y: [] } }), /no data rows/);
});
