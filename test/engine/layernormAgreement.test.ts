// layernorm agrees with an independent engine: for 24 seeded random networks with layer norm in them (after dense
// layers, first, last, inside residual blocks, batches of 1 to 6, several ε, every loss), the gradient of every
// parameter and the loss computed by our Trainer (one forward/loss/backward, float32) equal those TensorFlow.js
// (cpu backend, float32) computes by automatic differentiation of layer norm written from its definition with
// tf.moments: (x − mean)/√(variance + ε)·γ + β, mean and biased variance over each sample's features (axis 1).
// Same measure as test/engine/tfjsAgreement.test.ts: |engine − tfjs| ≤ 1e-4·max(|engine|, |tfjs|, 0.01).
// Run: node --import tsx --test test/engine/layernormAgreement.test.ts

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, NetworkSpec } from '../../engine/language/spec';
import type { Activation } from '../../engine/nn/activations';
import type { LayerNormSpec } from '../../engine/nn/layers/layernorm';
import type { Loss } from '../../engine/nn/losses';
import { Trainer } from '../../engine/runtime/trainer';
import { denseSpec, networkSpec, NO_RANGE } from '../fixtures';

const TOL = 1e-4,
  FLOOR = 1e-2,
  NETWORKS = 24;
const RANGE = NO_RANGE;
const ACTS: readonly Activation[] = ['identity', 'relu', 'tanh', 'sigmoid', 'gelu'];
const LOSSES: readonly Loss[] = ['mse', 'half_mse', 'bce', 'cross_entropy'];

/** mulberry32, local: the draws must not depend on the engine's PRNG. */
function rand(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo: number, hi: number) => lo + (hi - lo) * next(),
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
  };
}

interface Block {
  readonly role: 'W' | 'b' | 'gamma' | 'beta';
  readonly offset: number;
  readonly shape: number[];
  readonly size: number;
}

/** The flat parameter layout, derived here from the specs: dense W [out, in] then b; layer norm γ then β. */
function layoutOf(inputs: number, layers: readonly LayerSpec[]): Block[] {
  const blocks: Block[] = [];
  let off = 0;
  const add = (role: Block['role'], shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    blocks.push({ role, offset: off, shape, size });
    off += size;
  };
  const walk = (specs: readonly LayerSpec[], w: number): number => {
    for (const s of specs) {
      if (s.kind === 'dense') {
        add('W', [s.units, w]);
        add('b', [s.units]);
        w = s.units;
      } else if (s.kind === 'layernorm') {
        add('gamma', [w]);
        add('beta', [w]);
      } else if (s.kind === 'residual') {
        const out = walk(s.body, w);
        assert.equal(out, w, 'no projections in this test');
      }
    }
    return w;
  };
  walk(layers, inputs);
  return blocks;
}

interface Case {
  readonly label: string;
  readonly spec: NetworkSpec;
  readonly blocks: Block[];
  readonly params: Float32Array;
  readonly B: number;
  readonly K: number;
}

function drawCase(id: number): Case {
  const r = rand(0x1a7e + id * 7919);
  const loss = LOSSES[id % LOSSES.length],
    inputs = r.int(2, 5),
    B = r.int(1, 6);
  let n = 0;
  const dense = (units: number, activation: Activation): LayerSpec => denseSpec(`d${n++}`, units, activation);
  const ln = (): LayerNormSpec => ({
    kind: 'layernorm',
    name: `ln${n++}`,
    eps: r.pick([1e-5, 1e-3, 0.1]),
    range: RANGE,
  });
  const layers: LayerSpec[] = [];
  if (id % 3 === 0) layers.push(ln()); // on the raw input
  let w = inputs;
  for (let k = r.int(1, 3); k > 0; k--) {
    if (r.next() < 0.3) {
      layers.push({
        kind: 'residual',
        name: `res${n++}`,
        body: [ln(), dense(w, r.pick(ACTS))],
        range: RANGE,
        endRange: RANGE,
      });
    } else {
      w = r.int(2, 6);
      layers.push(dense(w, 'identity'), ln(), {
        kind: 'activation',
        name: `a${n++}`,
        activation: r.pick(ACTS),
        slope: 0,
        range: RANGE,
      });
    }
  }
  const K = loss === 'cross_entropy' ? r.int(2, 4) : r.int(1, 3);
  layers.push(dense(K, loss === 'bce' ? 'sigmoid' : loss === 'cross_entropy' ? 'softmax' : 'identity'));
  if ((loss === 'mse' || loss === 'half_mse') && id % 2 === 0) layers.push(ln()); // layer norm as the output
  const outW = layers.at(-1)!.kind === 'layernorm' && K === 1 ? 0 : K;
  if (outW === 0) layers.pop(); // one feature normalises to 0: nothing to compare
  const x = Array.from({ length: B }, () => Array.from({ length: inputs }, () => r.uniform(-2, 2)));
  const y = Array.from({ length: B }, () => {
    if (loss === 'cross_entropy') {
      const row = new Array<number>(K).fill(0);
      row[r.int(0, K - 1)] = 1;
      return row;
    }
    return Array.from({ length: K }, () => (loss === 'bce' ? (r.next() < 0.5 ? 0 : 1) : r.uniform(-1, 1)));
  });
  const blocks = layoutOf(inputs, layers);
  const params = new Float32Array(blocks.reduce((a, b) => a + b.size, 0));
  for (const b of blocks) {
    for (let k = 0; k < b.size; k++) {
      params[b.offset + k] =
        b.role === 'W'
          ? r.uniform(-1.3, 1.3) / Math.sqrt(b.shape[1])
          : b.role === 'gamma'
            ? r.uniform(0.5, 1.5)
            : b.role === 'beta'
              ? r.uniform(-0.5, 0.5)
              : r.uniform(-0.3, 0.3);
    }
  }
  const spec: NetworkSpec = networkSpec({
    name: `case${id}`,
    inputSize: inputs,
    layers,
    loss,
    batch: B,
    data: { x, y },
  });
  const describe = (ls: readonly LayerSpec[]): string =>
    ls
      .map((l) =>
        l.kind === 'residual'
          ? `res[${describe(l.body)}]`
          : l.kind === 'layernorm'
            ? `ln(ε=${l.eps})`
            : l.kind === 'dense'
              ? `dense ${l.units} ${l.activation}`
              : l.kind === 'activation'
                ? l.activation
                : l.kind,
      )
      .join(' → ');
  return { label: `#${id} ${loss}, B=${B}: in ${inputs} → ${describe(layers)}`, spec, blocks, params, B, K };
}

function engine(c: Case): { grads: Float32Array; loss: number } {
  const t = new Trainer(c.spec),
    m = t.model;
  assert.deepEqual(
    m.nodes.flatMap((nd) =>
      nd.wSize > 0
        ? [
            [nd.wOff, nd.wSize],
            [nd.bOff, nd.outWidth],
          ]
        : [],
    ),
    c.blocks.map((b) => [b.offset, b.size]),
    'parameter layout',
  );
  m.params.set(c.params);
  for (let k = 0; k < 2 * m.nodes.length + 1; k++) t.advance();
  assert.equal(t.peek()?.phase, 'clip');
  return { grads: Float32Array.from(m.grads), loss: t.loss };
}

const tfAct = (a: Activation, z: tf.Tensor): tf.Tensor => {
  switch (a) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'gelu':
      return tf.mul(tf.mul(z, 0.5), tf.add(1, tf.erf(tf.div(z, Math.SQRT2))));
    case 'softmax':
      return tf.softmax(z);
    default:
      return z;
  }
};

/** The reference; `unbiased` divides the variance by n − 1 instead of n (only to show the check tells them apart). */
function reference(c: Case, unbiased = false): { grads: Float32Array; loss: number } {
  const grads = new Float32Array(c.params.length);
  let loss = NaN;
  tf.tidy(() => {
    const ps = c.blocks.map((b) => tf.tensor(c.params.subarray(b.offset, b.offset + b.size), b.shape, 'float32'));
    const x = tf.tensor2d(c.spec.data.x.flat(), [c.B, c.spec.inputSize]),
      y = tf.tensor2d(c.spec.data.y.flat(), [c.B, c.K]);
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      let next = 0,
        logits: tf.Tensor | null = null;
      const run = (specs: readonly LayerSpec[], h: tf.Tensor): tf.Tensor => {
        for (const s of specs) {
          if (s.kind === 'dense') {
            const W = args[next++],
              b = args[next++];
            logits = tf.add(tf.matMul(h, W, false, true), b);
            h = tfAct(s.activation, logits);
          } else if (s.kind === 'activation') {
            logits = h;
            h = tfAct(s.activation, h);
          } else if (s.kind === 'layernorm') {
            const gamma = args[next++],
              beta = args[next++];
            const { mean, variance: biased } = tf.moments(h, 1, true); // per sample, over the features; biased variance
            const n = h.shape[1]!,
              variance = unbiased ? tf.mul(biased, n / (n - 1)) : biased;
            h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, s.eps))), gamma), beta);
            logits = null;
          } else if (s.kind === 'residual') {
            h = tf.add(run(s.body, h), h);
            logits = null;
          }
        }
        return h;
      };
      const a = run(c.spec.layers, x);
      switch (c.spec.loss) {
        case 'mse':
          return tf.mean(tf.square(tf.sub(a, y))) as tf.Scalar;
        case 'half_mse':
          return tf.mul(0.5, tf.mean(tf.square(tf.sub(a, y)))) as tf.Scalar;
        case 'bce':
          return tf.losses.sigmoidCrossEntropy(y, logits!) as tf.Scalar;
        default:
          return tf.losses.softmaxCrossEntropy(y, logits!) as tf.Scalar;
      }
    };
    const { value, grads: gs } = tf.valueAndGrads(f)(ps);
    loss = value.dataSync()[0];
    gs.forEach((g, k) => grads.set(g.dataSync(), c.blocks[k].offset));
  });
  return { grads, loss };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), FLOOR);
function worst(a: Float32Array, b: Float32Array): { err: number; at: number } {
  let err = 0,
    at = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Number.isFinite(a[i]) && Number.isFinite(b[i]) ? rel(a[i], b[i]) : Infinity;
    if (e > err) {
      err = e;
      at = i;
    }
  }
  return { err, at };
}

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const cases = Array.from({ length: NETWORKS }, (_, i) => drawCase(i));

for (const c of cases) {
  test(`layernorm gradients agree with tfjs: ${c.label}`, () => {
    const ours = engine(c),
      ref = reference(c);
    assert.ok(rel(ours.loss, ref.loss) <= TOL, `loss: engine ${ours.loss}, tfjs ${ref.loss}`);
    const { err, at } = worst(ours.grads, ref.grads);
    const b = c.blocks.find((bl) => at >= bl.offset && at < bl.offset + bl.size)!;
    assert.ok(
      err <= TOL,
      `${b.role}[${at - b.offset}]: engine ${ours.grads[at]}, tfjs ${ref.grads[at]} (relative error ${err.toExponential(2)})`,
    );
  });
}

test('the drawn networks cover layer norm first, last, in residual blocks, with batch 1, and every loss', () => {
  const labels = cases.map((c) => c.label);
  assert.ok(
    labels.some((l) => / → ln\(ε=[^)]*\)$/.test(l)),
    'as the output',
  );
  assert.ok(
    labels.some((l) => /: in \d+ → ln/.test(l)),
    'on the input',
  );
  assert.ok(
    labels.some((l) => /res\[ln/.test(l)),
    'in a residual block',
  );
  assert.ok(
    labels.some((l) => /B=1:/.test(l)),
    'batch of 1',
  );
  for (const loss of LOSSES)
    assert.ok(
      labels.some((l) => l.includes(` ${loss},`)),
      loss,
    );
});

test('the comparison can fail: biased against unbiased variance are told apart', () => {
  const c = cases.find((k) => k.B >= 3 && k.spec.loss === 'mse')!;
  const ours = engine(c);
  // The engine's layer norm with PyTorch's biased variance must not match an unbiased-variance reference.
  assert.ok(worst(ours.grads, reference(c).grads).err <= TOL);
  assert.ok(worst(ours.grads, reference(c, true).grads).err > TOL);
});
