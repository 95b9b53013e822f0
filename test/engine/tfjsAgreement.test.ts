// Proof "An independent engine agrees" (issue 3): for 40 randomly drawn networks (seeded, so every run draws the same
// ones) — depths 1–6, every activation, every loss, residual blocks with and without a projection, separate
// activation layers, batch norm in training mode — the gradient of every parameter computed by our engine (through
// the real Trainer, one forward/loss/backward) equals the one TensorFlow.js (cpu backend, float32) computes by
// automatic differentiation from the same weights and the same batch.
//
// The tfjs side is written from the definitions, not from the engine's code: the model is built from tf ops
// (matMul, add, relu, leakyRelu, sigmoid, tanh, gelu = x·½(1 + erf(x/√2)) with tf.erf, softmax), batch norm as
// (x − mean)/√(var + eps)·γ + β with the biased batch variance, residual as F(x) + x or F(x) + x·Pᵀ + c; mse and
// half_mse as tf ops, bce with tf.losses.sigmoidCrossEntropy (from the logits, mean over batch and outputs) and
// cross_entropy with tf.losses.softmaxCrossEntropy (mean over the batch). Gradients come from tf.valueAndGrads, so
// no hand-derived backward formula is shared with the engine. The only thing shared is the parameter layout
// (W [out, in] row-major then b per dense layer, γ then β, projection P then c after its block's body), which this
// file derives from the specs on its own and checks against the engine's nodes.
//
// Agreement measure: |engine − tfjs| ≤ 1e-4 · max(|engine|, |tfjs|, 0.01) for every entry, i.e. a relative error
// of 1e-4 with an absolute floor of 1e-6 for entries below 0.01 in magnitude. The floor is there because both sides
// compute in float32: an entry that is mathematically zero (a bias feeding batch norm) or the sum of terms that
// cancel carries round-off of ~1e-8…1e-7 in either engine, which a pure ratio would turn into noise. The reported
// "relative error" of an entry is |a − b| / max(|a|, |b|, 0.01), so it passes when ≤ 1e-4.
//
// Dropout is not included: its mask is drawn from the engine's PRNG, so it is not an independent computation (the
// finite-difference check covers it with a fixed mask). Run: node --import tsx --test test/engine/tfjsAgreement.test.ts

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, DenseSpec, LayerSpec, NetworkSpec } from '../../engine/language/spec';
import { ACTIVATIONS, type Activation } from '../../engine/nn/activations';
import { LOSSES, type Loss } from '../../engine/nn/losses';
import { Trainer } from '../../engine/runtime/trainer';
import { denseSpec, networkSpec, NO_RANGE } from '../fixtures';

const TOL = 1e-4;
/** Magnitude below which the tolerance becomes absolute (TOL·FLOOR = 1e-6). */
const FLOOR = 1e-2;
const NETWORKS = 40;
const RANGE = NO_RANGE;

// Our own lists (not the engine's), so that a new activation or loss in the engine fails the coverage test below
// until it is added here.
const ACTS: readonly Activation[] = ['identity', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'gelu', 'softmax'];
const LOSS_KINDS: readonly Loss[] = ['mse', 'half_mse', 'bce', 'cross_entropy'];

/** mulberry32, local to this file: the draws of the test must not depend on the engine's PRNG. */
class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

/** One parameter tensor in the flat buffer. */
interface Block {
  readonly name: string;
  readonly role: 'W' | 'b' | 'gamma' | 'beta' | 'P' | 'c';
  readonly offset: number;
  readonly shape: readonly number[];
  readonly size: number;
}

interface Case {
  readonly id: number;
  readonly label: string;
  readonly spec: NetworkSpec;
  /** Dense layers on the path from input to output (residual bodies included). */
  readonly depth: number;
  readonly batch: number;
  readonly outputs: number;
  readonly blocks: readonly Block[];
  readonly params: Float32Array;
  readonly features: ReadonlySet<string>;
}

/** The flat parameter layout, derived from the layer specs in order (dense W then b; γ then β; body, then P, c). */
function layoutOf(inputs: number, layers: readonly LayerSpec[]): { blocks: Block[]; total: number } {
  const blocks: Block[] = [];
  let off = 0;
  const add = (name: string, role: Block['role'], shape: number[]) => {
    const size = shape.reduce((p, d) => p * d, 1);
    blocks.push({ name, role, offset: off, shape, size });
    off += size;
  };
  const walk = (specs: readonly LayerSpec[], w: number): number => {
    for (const s of specs) {
      if (s.kind === 'dense') {
        add(s.name, 'W', [s.units, w]);
        add(s.name, 'b', [s.units]);
        w = s.units;
      } else if (s.kind === 'batchnorm') {
        add(s.name, 'gamma', [w]);
        add(s.name, 'beta', [w]);
      } else if (s.kind === 'residual') {
        const out = walk(s.body, w);
        if (out !== w) {
          add(s.name, 'P', [out, w]);
          add(s.name, 'c', [out]);
        }
        w = out;
      } else if (s.kind === 'dropout') throw new Error('dropout is not part of this comparison');
    }
    return w;
  };
  walk(layers, inputs);
  return { blocks, total: off };
}

/** Walks every layer (residual bodies included). */
function eachLayer(layers: readonly LayerSpec[], f: (l: LayerSpec) => void): void {
  for (const l of layers) {
    f(l);
    if (l.kind === 'residual') eachLayer(l.body, f);
  }
}

function describeLayers(layers: readonly LayerSpec[]): string {
  return layers
    .map((l) => {
      switch (l.kind) {
        case 'dense':
          return `dense ${l.units} ${l.activation}`;
        case 'activation':
          return l.activation;
        case 'batchnorm':
          return 'bn';
        case 'dropout':
          return 'dropout';
        case 'residual':
          return `res[${describeLayers(l.body)}]`;
        case 'layernorm':
          return 'ln';
      }
    })
    .join(' → ');
}

/** Builds the spec, data and weights of a case around a layer stack. */
function makeCase(
  id: number,
  r: Rand,
  inputs: number,
  batch: number,
  layers: LayerSpec[],
  loss: Loss,
  features: Set<string>,
): Case {
  const { blocks, total } = layoutOf(inputs, layers);
  const last = blocks[blocks.length - 1];
  const outputs = layers.some((l) => l.kind === 'dense')
    ? blocks.filter((b) => b.role === 'b' || b.role === 'c').at(-1)!.size
    : inputs;
  assert.ok(last && (last.role === 'b' || last.role === 'c'), 'the output comes from a dense layer');

  const x = Array.from({ length: batch }, () => Array.from({ length: inputs }, () => r.uniform(-2, 2)));
  const y = Array.from({ length: batch }, () => {
    if (loss === 'cross_entropy') {
      const row = new Array<number>(outputs).fill(0);
      row[r.int(0, outputs - 1)] = 1;
      return row;
    }
    return Array.from({ length: outputs }, () => (loss === 'bce' ? (r.next() < 0.5 ? 0 : 1) : r.uniform(-1, 1)));
  });

  // Weights of a scale that keeps pre-activations mostly in [-3, 3]: every nonlinearity is exercised on both sides,
  // and deep sigmoid stacks still have gradients well above the absolute floor.
  const params = new Float32Array(total);
  for (const b of blocks) {
    const fanIn = b.shape.length === 2 ? b.shape[1] : 1;
    for (let k = 0; k < b.size; k++) {
      params[b.offset + k] =
        b.role === 'W'
          ? r.uniform(-1.3, 1.3) / Math.sqrt(fanIn)
          : b.role === 'P'
            ? r.uniform(-1, 1) / Math.sqrt(fanIn)
            : b.role === 'gamma'
              ? r.uniform(0.5, 1.5)
              : b.role === 'beta'
                ? r.uniform(-0.5, 0.5)
                : r.uniform(-0.3, 0.3);
    }
  }

  let depth = 0;
  eachLayer(layers, (l) => {
    if (l.kind === 'dense') depth++;
    if (l.kind === 'dense' || l.kind === 'activation') features.add(`act:${l.activation}`);
  });
  features.add(`loss:${loss}`);
  features.add(`depth:${depth}`);

  // One epoch of one full batch, in order, no clipping: the first micro-batch is exactly our batch.
  const spec: NetworkSpec = networkSpec({ name: `case${id}`, inputSize: inputs, layers, loss, batch, data: { x, y } });
  return {
    id,
    label: `#${String(id).padStart(2, '0')} ${loss}, depth ${depth}, B=${batch}: in ${inputs} → ${describeLayers(layers)}`,
    spec,
    depth,
    batch,
    outputs,
    blocks,
    params,
    features,
  };
}

/** Draws network `id`: loss cycles through the four, depth cycles 1–6 within each loss, the rest is random. */
function drawCase(id: number): Case {
  const r = new Rand(0x5eed + id * 7919);
  const loss = LOSS_KINDS[id % LOSS_KINDS.length];
  const depth = 1 + (Math.floor(id / LOSS_KINDS.length) % 6);
  const inputs = r.int(1, 4);
  const batch = r.int(4, 6); // batch norm needs a few rows for its statistics to mean something
  const features = new Set<string>();
  let n = 0;
  const slopeFor = (a: Activation) => (a === 'leaky_relu' ? r.uniform(0.01, 0.3) : 0);
  const dense = (units: number, activation: Activation): DenseSpec =>
    denseSpec(`d${n++}`, units, activation, { slope: slopeFor(activation) });
  const actLayer = (activation: Activation): ActivationSpec => ({
    kind: 'activation',
    name: `a${n++}`,
    activation,
    slope: slopeFor(activation),
    range: RANGE,
  });

  const layers: LayerSpec[] = [];
  let w = inputs,
    hidden = depth - 1;
  while (hidden > 0) {
    const u = r.next();
    if (u < 0.3) {
      // A residual block of 1–2 dense layers; with a projection when its body changes the width.
      const len = r.int(1, Math.min(2, hidden));
      const project = r.next() < 0.5;
      const body: LayerSpec[] = [];
      for (let k = 0; k < len; k++) {
        let units = r.int(1, 5);
        if (k === len - 1) {
          if (!project) units = w;
          else while (units === w) units = r.int(1, 5);
        }
        body.push(dense(units, r.pick(ACTS)));
        if (k === len - 1) w = units;
      }
      layers.push({ kind: 'residual', name: `res${n++}`, body, endRange: RANGE, range: RANGE });
      features.add(project ? 'residual with projection' : 'residual');
      hidden -= len;
    } else if (u < 0.45) {
      // dense (linear) → batch norm in training mode → a separate activation layer.
      const units = r.int(2, 5);
      layers.push(
        dense(units, 'identity'),
        { kind: 'batchnorm', name: `bn${n++}`, momentum: 0.1, eps: r.pick([1e-5, 1e-3]), range: RANGE },
        actLayer(r.pick(ACTS)),
      );
      features.add('batchnorm').add('activation layer');
      w = units;
      hidden--;
    } else if (u < 0.55) {
      const units = r.int(1, 5);
      layers.push(dense(units, 'identity'), actLayer(r.pick(ACTS)));
      features.add('activation layer');
      w = units;
      hidden--;
    } else {
      const units = r.int(1, 5);
      layers.push(dense(units, r.pick(ACTS)));
      w = units;
      hidden--;
    }
  }
  // The output: bce on a sigmoid and cross_entropy on a softmax (fused in the engine), regression on anything.
  const K = loss === 'cross_entropy' ? r.int(2, 4) : r.int(1, 3);
  const outAct: Activation = loss === 'bce' ? 'sigmoid' : loss === 'cross_entropy' ? 'softmax' : r.pick(ACTS);
  if (r.next() < 0.3) {
    layers.push(dense(K, 'identity'), actLayer(outAct));
    features.add('activation layer').add('separate output activation');
  } else layers.push(dense(K, outAct));
  return makeCase(id, r, inputs, batch, layers, loss, features);
}

// ---------------------------------------------------------------------------------------------------------------
// Our engine: the Trainer, exactly as training runs it, stopped after one micro-batch's backward pass.

interface Result {
  readonly grads: Float32Array;
  readonly loss: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
}

function engineGradients(c: Case): Result {
  const t = new Trainer(c.spec);
  const m = t.model;
  // The layout this file derived must be the engine's, or the two sides would compare different parameters.
  assert.equal(m.params.length, c.params.length, 'parameter count');
  const engineBlocks = m.nodes.flatMap((nd) =>
    nd.wSize > 0
      ? [
          [nd.wOff, nd.wSize],
          [nd.bOff, nd.outWidth],
        ]
      : [],
  );
  assert.deepEqual(
    engineBlocks,
    c.blocks.map((b) => [b.offset, b.size]),
    'parameter layout',
  );
  m.params.set(c.params);
  const L = m.nodes.length;
  for (let k = 0; k < 2 * L + 1; k++) assert.ok(t.advance(), 'an event');
  assert.equal(t.peek()?.phase, 'clip', 'stopped after the backward pass, before clip and update');
  assert.equal(t.batchSize, c.batch);
  const x = Float32Array.from(m.acts[0].subarray(0, c.batch * c.spec.inputSize));
  const y = Float32Array.from(t.yBatch.subarray(0, c.batch * c.outputs));
  assert.deepEqual(x, Float32Array.from(c.spec.data.x.flat()), 'the batch is the data in order');
  return { grads: Float32Array.from(m.grads), loss: t.loss, x, y };
}

// ---------------------------------------------------------------------------------------------------------------
// The reference: TensorFlow.js, the model written from tf ops, gradients by its autodiff.

type Gelu = (z: tf.Tensor) => tf.Tensor;
/** gelu, exact form: x·Φ(x) = x·½(1 + erf(x/√2)). */
const geluExact: Gelu = (z) => tf.mul(tf.mul(z, 0.5), tf.add(1, tf.erf(tf.div(z, Math.SQRT2))));
/** gelu, tanh approximation (used only to show the check tells the two forms apart). */
const geluTanh: Gelu = (z) =>
  tf.mul(tf.mul(z, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(z, tf.mul(0.044715, tf.pow(z, 3)))))));

function tfActivation(kind: Activation, z: tf.Tensor, slope: number, gelu: Gelu): tf.Tensor {
  switch (kind) {
    case 'identity':
      return z;
    case 'relu':
      return tf.relu(z);
    case 'leaky_relu':
      return tf.leakyRelu(z, slope);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'tanh':
      return tf.tanh(z);
    case 'gelu':
      return gelu(z);
    case 'softmax':
      return tf.softmax(z);
  }
}

/** The scalar loss of the network given its parameter tensors (in layout order). */
function tfLoss(c: Case, ps: readonly tf.Tensor[], x: tf.Tensor, y: tf.Tensor, gelu: Gelu): tf.Scalar {
  let next = 0;
  const take = () => ps[next++];
  // The input of the last activation applied, i.e. the logits when the network ends in sigmoid or softmax.
  const last: { pre: tf.Tensor | null } = { pre: null };
  const run = (specs: readonly LayerSpec[], h: tf.Tensor): tf.Tensor => {
    for (const s of specs) {
      switch (s.kind) {
        case 'dense': {
          const W = take(),
            b = take();
          const z = tf.add(tf.matMul(h, W, false, true), b); // x·Wᵀ + b with W [out, in]
          last.pre = z;
          h = tfActivation(s.activation, z, s.slope, gelu);
          break;
        }
        case 'activation':
          last.pre = h;
          h = tfActivation(s.activation, h, s.slope, gelu);
          break;
        case 'layernorm':
          throw new Error('layernorm is compared with TensorFlow.js in layernormAgreement.test.ts');
        case 'batchnorm': {
          const gamma = take(),
            beta = take();
          const mean = tf.mean(h, 0);
          const d = tf.sub(h, mean);
          const variance = tf.mean(tf.square(d), 0); // biased: divide by B, as batch norm does in training
          h = tf.add(tf.mul(tf.div(d, tf.sqrt(tf.add(variance, s.eps))), gamma), beta);
          last.pre = null;
          break;
        }
        case 'residual': {
          const skipIn = h;
          const f = run(s.body, h);
          if (f.shape[1] !== skipIn.shape[1]) {
            const P = take(),
              cc = take();
            h = tf.add(f, tf.add(tf.matMul(skipIn, P, false, true), cc));
          } else h = tf.add(f, skipIn);
          last.pre = null;
          break;
        }
        case 'dropout':
          throw new Error('dropout is not part of this comparison');
      }
    }
    return h;
  };
  const a = run(c.spec.layers, x);
  assert.equal(next, ps.length, 'every parameter tensor used once');
  switch (c.spec.loss) {
    case 'mse':
      return tf.mean(tf.square(tf.sub(a, y))) as tf.Scalar;
    case 'half_mse':
      return tf.mul(0.5, tf.mean(tf.square(tf.sub(a, y)))) as tf.Scalar;
    case 'bce':
      assert.ok(last.pre, 'bce needs sigmoid logits');
      return tf.losses.sigmoidCrossEntropy(y, last.pre) as tf.Scalar; // mean over batch and outputs
    case 'cross_entropy':
      assert.ok(last.pre, 'cross_entropy needs softmax logits');
      return tf.losses.softmaxCrossEntropy(y, last.pre) as tf.Scalar; // mean over the batch of −Σ y log softmax(z)
  }
}

function referenceGradients(
  c: Case,
  x: Float32Array,
  y: Float32Array,
  gelu: Gelu = geluExact,
): { grads: Float32Array; loss: number } {
  const grads = new Float32Array(c.params.length);
  let loss = NaN;
  tf.tidy(() => {
    const ps = c.blocks.map((b) => tf.tensor(c.params.subarray(b.offset, b.offset + b.size), [...b.shape], 'float32'));
    const xt = tf.tensor2d(x, [c.batch, c.spec.inputSize]),
      yt = tf.tensor2d(y, [c.batch, c.outputs]);
    const { value, grads: gs } = tf.valueAndGrads((...args: tf.Tensor[]) => tfLoss(c, args, xt, yt, gelu))(ps);
    loss = value.dataSync()[0];
    gs.forEach((g, k) => grads.set(g.dataSync(), c.blocks[k].offset));
  });
  return { grads, loss };
}

// ---------------------------------------------------------------------------------------------------------------
// The comparison.

/** Relative error of one entry with the absolute floor: |a − b| / max(|a|, |b|, FLOOR). */
function relError(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), FLOOR);
}

/** Worst entry of two gradient vectors (NaN anywhere counts as infinitely wrong). */
function compareGradients(engine: ArrayLike<number>, reference: ArrayLike<number>): { worst: number; at: number } {
  assert.equal(engine.length, reference.length);
  let worst = 0,
    at = -1;
  for (let i = 0; i < engine.length; i++) {
    const e =
      Number.isFinite(engine[i]) && Number.isFinite(reference[i]) ? relError(engine[i], reference[i]) : Infinity;
    if (e > worst || at < 0) {
      worst = e;
      at = i;
    }
  }
  return { worst, at };
}

function whereIs(c: Case, i: number): string {
  const b = c.blocks.find((bl) => i >= bl.offset && i < bl.offset + bl.size)!;
  return `${b.name}.${b.role}[${i - b.offset}]`;
}

// ---------------------------------------------------------------------------------------------------------------

const cases = Array.from({ length: NETWORKS }, (_, i) => drawCase(i));
const worstByLoss = new Map<Loss, { err: number; label: string; entry: string }>();
let entriesCompared = 0;

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  assert.equal(tf.getBackend(), 'cpu');
});

for (const c of cases) {
  test(`gradients agree with tfjs: ${c.label}`, () => {
    const before = tf.memory().numTensors;
    const ours = engineGradients(c);
    const ref = referenceGradients(c, ours.x, ours.y);
    assert.equal(tf.memory().numTensors, before, 'tfjs tensors disposed');
    // The loss values agree too (they are the start of both backward passes).
    assert.ok(relError(ours.loss, ref.loss) <= TOL, `loss: engine ${ours.loss}, tfjs ${ref.loss}`);
    const { worst, at } = compareGradients(ours.grads, ref.grads);
    entriesCompared += ours.grads.length;
    const prev = worstByLoss.get(c.spec.loss);
    if (!prev || worst > prev.err) worstByLoss.set(c.spec.loss, { err: worst, label: c.label, entry: whereIs(c, at) });
    assert.ok(
      worst <= TOL,
      `${whereIs(c, at)}: engine ${ours.grads[at]}, tfjs ${ref.grads[at]} (relative error ${worst.toExponential(2)} > ${TOL})`,
    );
  });
}

test('the drawn networks cover every activation, loss, depth 1–6 and construct', (t) => {
  assert.deepEqual([...ACTS].sort(), [...ACTIVATIONS].sort(), 'this test knows every activation of the engine');
  assert.deepEqual([...LOSS_KINDS].sort(), [...LOSSES].sort(), 'this test knows every loss of the engine');
  const seen = new Set(cases.flatMap((c) => [...c.features]));
  const required = [
    ...ACTS.map((a) => `act:${a}`),
    ...LOSS_KINDS.map((l) => `loss:${l}`),
    ...[1, 2, 3, 4, 5, 6].map((d) => `depth:${d}`),
    'residual',
    'residual with projection',
    'batchnorm',
    'activation layer',
    'separate output activation',
  ];
  for (const f of required) assert.ok(seen.has(f), `no drawn network has ${f}`);
  const count = (f: string) => cases.filter((c) => c.features.has(f)).length;
  t.diagnostic(
    `${cases.length} networks, ${entriesCompared} gradient entries compared; residual ${count('residual')}, with projection ${count('residual with projection')}, batchnorm ${count('batchnorm')}, activation layer ${count('activation layer')}`,
  );
  for (const l of LOSS_KINDS) {
    const w = worstByLoss.get(l);
    if (w) t.diagnostic(`worst relative error, ${l}: ${w.err.toExponential(2)} at ${w.entry} in ${w.label}`);
  }
});

// The check must be able to fail, or the agreement above proves nothing.
test('the comparison flags a wrong gradient: a perturbed entry, and gelu in its tanh form instead of erf', () => {
  const r = new Rand(99);
  const layers: LayerSpec[] = [denseSpec('h', 4, 'gelu'), denseSpec('out', 2, 'identity')];
  const c = makeCase(1000, r, 3, 5, layers, 'mse', new Set());
  const ours = engineGradients(c);
  const ref = referenceGradients(c, ours.x, ours.y);
  assert.ok(compareGradients(ours.grads, ref.grads).worst <= TOL, 'unperturbed: agrees');

  // One entry off by 0.1 % (far below what a plot would show) is caught, and at the right place.
  const k = ours.grads.reduce((best, v, i, g) => (Math.abs(v) > Math.abs(g[best]) ? i : best), 0);
  const bad = Float32Array.from(ours.grads);
  bad[k] *= 1 + 1e-3;
  const flagged = compareGradients(bad, ref.grads);
  assert.ok(flagged.worst > TOL && flagged.at === k, `perturbed entry flagged (${flagged.worst})`);
  // An entry that is tiny and wrong by more than the absolute floor is caught too.
  const j = ours.grads.reduce((best, v, i, g) => (Math.abs(v) < Math.abs(g[best]) ? i : best), 0);
  const bad2 = Float32Array.from(ours.grads);
  bad2[j] += 1e-5;
  assert.ok(compareGradients(bad2, ref.grads).worst > TOL, 'small entry off by 1e-5 flagged');

  // The tanh approximation of gelu differs from the exact form by ~1e-3: the check tells them apart, so the
  // agreement above really pins the engine's gelu to the erf form.
  const approx = referenceGradients(c, ours.x, ours.y, geluTanh);
  assert.ok(compareGradients(ours.grads, approx.grads).worst > TOL, 'tanh-form gelu reference disagrees');
});
