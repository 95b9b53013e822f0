// layernorm end to end inside the engine: the language (parse, errors, hover, completion, outline), the forward pass
// against its definition, float64 central differences of every γ, β and of the layers before it, the tensors a stop
// shows and the Step Into formulas. (Agreement with TensorFlow.js: test/engine/layernormAgreement.test.ts.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completeAt } from '../../language/completion';
import { hoverAt } from '../../language/hover';
import { parseNnet } from '../../language/parser';
import type { LayerSpec, NetworkSpec } from '../../language/spec';
import { documentSymbols } from '../../language/symbols';
import { gradientCheck } from '../../runtime/gradcheck';
import { nodeTensors, tensorsAt } from '../../runtime/snapshot';
import { Trainer } from '../../runtime/trainer';
import type { Activation } from '../activations';
import type { Loss } from '../losses';
import { Model } from '../model';
import { Prng } from '../prng';
import { nodeOps } from '.';
import type { LayerNormSpec } from './layernorm';
import { denseSpec, networkSpec, NO_RANGE } from '../../../test/fixtures';

const range = NO_RANGE;
const dense = (name: string, units: number, activation: Activation = 'identity'): LayerSpec =>
  denseSpec(name, units, activation, { slope: 0.1, biasInit: { kind: 'uniform', low: -0.5, high: 0.5 } });
const ln = (name: string, eps = 1e-5): LayerNormSpec => ({ kind: 'layernorm', name, eps, range });

const source = (extra = '') => `network n
  input 3
  dense h 5
  layernorm ln${extra}
  activation tanh
  dense out 2
loss mse

data
  1 2 3 -> 0 1
  0 1 0 -> 1 0

train
  batch 2
`;

test('parses with its default and explicit eps; refuses bad options and extra words on the line', () => {
  const r = parseNnet(source());
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.spec!.layers[1], {
    kind: 'layernorm',
    name: 'ln',
    range: { line: 3, col: 2, endCol: 14 },
    eps: 1e-5,
  });
  assert.equal((parseNnet(source(' eps=1e-3')).spec!.layers[1] as LayerNormSpec).eps, 1e-3);
  assert.match(
    parseNnet(source(' eps=0')).diagnostics[0].message,
    /invalid value for eps: '0'; expected a number \(> 0\)/,
  );
  assert.match(
    parseNnet(source(' momentum=0.1')).diagnostics[0].message,
    /unknown layernorm parameter 'momentum'; expected eps=…/,
  );
  assert.match(parseNnet(source(' 4')).diagnostics[0].message, /unexpected '4'/);
  // Unnamed, it is called after its kind and position, like every layer.
  assert.equal(parseNnet(source().replace('layernorm ln', 'layernorm')).spec!.layers[1].name, 'layernorm2');
});

test('hover shows shapes, 2·w parameters and the per-sample formulas; completion offers eps=; the outline lists it', () => {
  const text = source();
  const md = hoverAt(text, 3, 4)!.markdown;
  assert.match(md, /^\*\*layernorm `ln`\*\* — \[2×5\] → \[2×5\] · \*\*10 parameters\*\*/);
  assert.match(md, /x̂ = \(x − μ\) \/ √\(σ² \+ ε\)/);
  assert.match(md, /μ = Σ_j x_j \/ 5/);
  assert.match(md, /eps 0\.00001; γ \[5\] \(init 1\), β \[5\] \(init 0\)/);
  assert.match(hoverAt(source(' eps=1e-3'), 3, 16)!.markdown, /^\*\*eps\*\* — Added to the variance/);
  assert.deepEqual(
    completeAt(text, 3, 15).items.map((i) => i.label),
    ['eps='],
  );
  assert.ok(
    completeAt(text, 3, 2).items.some(
      (i) => i.label === 'layernorm' && /layernorm \[NAME\] \[eps=1e-5\]/.test(i.detail),
    ),
  );
  const layers = documentSymbols(text)[0].children.map((c) => `${c.name}:${c.detail}`);
  assert.ok(layers.includes('ln:layernorm'), layers.join(', '));
});

test('forward: each sample normalised over its features (biased variance, ε inside the root), then γ·x̂ + β', () => {
  const B = 3,
    W = 4,
    eps = 1e-3;
  const m = new Model(W, [ln('ln', eps)], B, Float64Array);
  m.initialize(new Prng(1));
  assert.deepEqual(Array.from(m.params), [1, 1, 1, 1, 0, 0, 0, 0], 'γ = 1, β = 0');
  m.params.set([2, 0.5, -1, 1, 0.1, 0.2, 0.3, 0.4]);
  const x = [1, 2, 3, 4, -1, 0, 0, 5, 7, 7, 7, 7];
  m.acts[0].set(x);
  m.forwardNode(0, B, 'train', new Prng(0));
  for (let r = 0; r < B; r++) {
    const row = x.slice(r * W, r * W + W);
    const mu = row.reduce((a, b) => a + b, 0) / W;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / W;
    for (let j = 0; j < W; j++) {
      const xhat = (row[j] - mu) / Math.sqrt(v + eps);
      assert.ok(Math.abs(m.zs[0][r * W + j] - xhat) < 1e-12, `x̂[${r},${j}]`);
      assert.ok(Math.abs(m.acts[1][r * W + j] - (m.params[j] * xhat + m.params[W + j])) < 1e-12, `a[${r},${j}]`);
    }
  }
  // A constant row (the third) normalises to 0: its output is β.
  assert.deepEqual(Array.from(m.acts[1].subarray(8, 12)), [0.1, 0.2, 0.3, 0.4]);
  // No batch statistics: a sample's output does not depend on the others, and evaluation computes the same.
  const one = new Model(W, [ln('ln', eps)], 1, Float64Array);
  one.params.set(m.params);
  one.acts[0].set(x.slice(4, 8));
  one.forwardNode(0, 1, 'eval', new Prng(0));
  assert.deepEqual(Array.from(one.acts[1].subarray(0, W)), Array.from(m.acts[1].subarray(4, 8)));
});

const specOf = (layers: LayerSpec[], loss: Loss, B: number): NetworkSpec =>
  networkSpec({ inputSize: 3, layers, loss, batch: B });

/** Worst relative error of every parameter against float64 central differences, at random γ, β, weights and batch. */
function check(layers: LayerSpec[], loss: Loss, B: number, seed = 5): number {
  const rng = new Prng(seed);
  const m = new Model(3, layers, B, Float64Array);
  m.initialize(rng);
  // γ and β away from 1 and 0, so a mix-up of the two or a missing γ in ∂x shows.
  m.nodes.forEach((n) => {
    if (n.kind === 'layernorm') for (let j = 0; j < 2 * n.outWidth; j++) m.params[n.wOff + j] = rng.uniform(-1.5, 1.5);
  });
  const K = m.nodes[m.nodes.length - 1].outWidth;
  const x = Float64Array.from({ length: B * 3 }, () => rng.uniform(-2, 2));
  const y = new Float64Array(B * K);
  for (let r = 0; r < B; r++) {
    if (loss === 'cross_entropy') y[r * K + Math.floor(rng.next() * K)] = 1;
    else for (let k = 0; k < K; k++) y[r * K + k] = rng.uniform(-1, 1);
  }
  const results = gradientCheck({ spec: specOf(layers, loss, B), params: m.params, x, y, batch: B });
  assert.ok(
    results.some((r) => r.name.startsWith('ln') && r.checked === 2 * m.nodes.find((n) => n.name === r.name)!.outWidth),
    'every γ and β checked',
  );
  return Math.max(...results.map((r) => r.maxRelError));
}

test('float64 central differences: γ, β and every layer before it, wherever it sits', () => {
  const cases: [string, LayerSpec[], Loss, number][] = [
    [
      'dense → layernorm → tanh → dense',
      [
        dense('h', 5),
        ln('ln'),
        { kind: 'activation', name: 'act', activation: 'tanh', slope: 0, range },
        dense('out', 2),
      ],
      'mse',
      4,
    ],
    [
      'layernorm first (its input is the data)',
      [ln('ln0', 1e-3), dense('h', 4, 'gelu'), dense('out', 3, 'softmax')],
      'cross_entropy',
      3,
    ],
    ['layernorm as the output', [dense('h', 4, 'relu'), ln('ln', 0.1)], 'half_mse', 5],
    ['batch of 1', [dense('h', 6, 'tanh'), ln('ln'), dense('out', 2)], 'mse', 1],
    [
      'inside a residual block, twice',
      [
        { kind: 'residual', name: 'r', body: [ln('ln1'), dense('a', 3, 'tanh'), ln('ln2')], range, endRange: range },
        dense('out', 2),
      ],
      'mse',
      4,
    ],
  ];
  for (const [label, layers, loss, B] of cases) {
    const err = check(layers, loss, B);
    assert.ok(err <= 1e-6, `${label}: max relative error ${err}`);
  }
});

test('the check is not vacuous: a slightly wrong ∂x or ∂γ is caught', () => {
  const ops = nodeOps('layernorm') as { backward: ReturnType<typeof nodeOps>['backward'] },
    backward = ops.backward;
  const layers = [dense('h', 5), ln('ln'), dense('out', 2)];
  assert.ok(check(layers, 'mse', 4) <= 1e-6);
  for (const wrong of ['dx', 'dgamma'] as const) {
    ops.backward = (m, i, B, fused) => {
      backward(m, i, B, fused);
      if (wrong === 'dx')
        m.dOuts[i - 1][3] *= 1.01; // one entry of ∂x off by 1 %
      else m.grads[m.nodes[i].wOff + 2] *= 1.01;
    };
    try {
      assert.ok(check(layers, 'mse', 4) > 1e-3, `a wrong ${wrong} is flagged`);
    } finally {
      ops.backward = backward;
    }
  }
});

test('a stop shows x, x̂, a, γ and β (forward) and ∂L/∂a, γ.grad, β.grad, ∂L/∂x (backward); Step Into has its formulas', () => {
  const t = new Trainer(parseNnet(source()).spec!);
  const i = t.model.nodes.findIndex((n) => n.name === 'ln');
  while (t.advance()!.phase !== 'forward' || t.peek()!.layer !== i + 1);
  const fwd = tensorsAt(t, 'forward', i);
  assert.deepEqual(
    fwd.map((x) => `${x.name} ${x.path} [${x.shape}]`),
    ['x ln.x [2,5]', 'x̂ ln.xhat [2,5]', 'a ln.a [2,5]', 'γ ln.gamma [5]', 'β ln.beta [5]'],
  );
  const xhat = nodeTensors(t, i).xhat!.values;
  for (let r = 0; r < 2; r++) {
    const row = Array.from(xhat.subarray(r * 5, r * 5 + 5));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0)) < 1e-5, 'each row of x̂ has mean 0');
  }
  while (!(t.peek()!.phase === 'backward' && t.peek()!.layer === i - 1)) t.advance();
  const back = tensorsAt(t, 'backward', i).map((x) => x.name);
  assert.deepEqual(back, ['∂L/∂a', 'γ.grad', 'β.grad', '∂L/∂x', 'x', 'γ', 'β']);
  const ops = nodeOps('layernorm'),
    node = t.model.nodes[i];
  assert.deepEqual(
    ops.subSteps!(node, 'forward', false, false).map((s) => s.keys),
    [
      ['x', 'xhat'],
      ['xhat', 'W', 'b', 'a'],
    ],
  );
  const steps = ops.subSteps!(node, 'backward', false, false);
  assert.equal(steps.length, 3);
  assert.match(steps[2].formula, /^∂x = /);
  // Every key a sub-step names is a tensor the node has.
  const have = new Set(Object.keys(nodeTensors(t, i)));
  for (const s of [...ops.subSteps!(node, 'forward', false, false), ...steps])
    for (const k of s.keys) assert.ok(have.has(k), k);
});
