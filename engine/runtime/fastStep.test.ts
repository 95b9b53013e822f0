// The generated whole steps (engine/nn/fastStep.ts through Trainer.advanceStep) against the events one at a time:
// after every step of every example and of networks shaped like the benchmark's N1 and N2 (and shapes that mix
// small layers with layers in the float32 lanes, every activation and loss, a partial last batch), every buffer,
// statistic and count is the same, bit for bit; and so with a recorder (a doctor's series), whose rows then hold the
// step's loss, gradient statistics and norms as the trainer holds them, and their bounds.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import type { NetworkSpec } from '../language/spec';
import { compileFastStep } from '../nn/fastStep';
import {
  BOUND_INNER_MIN,
  BOUND_LAST_MAX,
  BOUND_MEAN_MIN,
  BOUND_NORM_MAX,
  GRADS,
  LOSS,
  NORM_AFTER,
  NORM_BEFORE,
  type StepRecorder,
} from '../nn/stepRecorder';
import { NonFiniteError, Trainer } from './trainer';

const dir = path.join(__dirname, '..', '..', 'examples');
const STEPS = 40;

/** Everything a step leaves behind that an observer could read, as plain values. */
function snapshot(t: Trainer): unknown {
  const m = t.model;
  const arrays = (as: readonly Float32Array[]) => as.map((a) => Array.from(a));
  return {
    state: { ...t.saveState(), params: Array.from(m.params), grads: Array.from(m.grads) },
    acts: arrays(m.acts),
    zs: arrays(m.zs),
    deltas: arrays(m.deltas),
    dOuts: arrays(m.dOuts),
    y: Array.from(t.yBatch),
    epochs: t.epochs.points(),
    stats: t.gradStats(),
    eventIndex: t.eventIndex,
    lr: t.lr,
    next: t.peek(),
  };
}

/** True when `advanceStep` takes the generated path for this spec (else the test compares the events with themselves). */
function generated(spec: NetworkSpec): boolean {
  const t = new Trainer(spec);
  const stats = { meanAbs: t.meanAbsGrad, maxAbs: t.maxAbsGrad, norm: t.gradNorm };
  const fused = t.fusedOutput;
  const ok = compileFastStep(t.model, spec.loss, fused, t.yBatch, spec.train.batch, stats) !== null;
  return ok && spec.train.accumulate === 1 && spec.train.clip?.kind !== 'value';
}

/** A recorder of `steps` rows for `t` (every node weighted), counted by the test as a doctor counts its series. */
function recorder(t: Trainer, steps: number): StepRecorder & { length: number } {
  const stride = GRADS + 2 * t.model.nodes.length;
  return {
    rows: new Float64Array(stride * steps).fill(NaN),
    stride,
    length: 0,
    norms: !t.spec.train.clip,
    bounds: Float64Array.of(-Infinity, Infinity, Infinity, -Infinity),
  };
}

/** The recorder's row `k` and bounds against the trainer's numbers after that step (steps so far: `extremes`). */
function checkRow(t: Trainer, rec: StepRecorder, k: number, extremes: number[], label: string): void {
  const o = k * rec.stride,
    L = t.model.nodes.length,
    r = rec.rows;
  const want = [t.loss, ...Array.from({ length: L }, (_, i) => [t.gradNorm[i], t.meanAbsGrad[i]]).flat()];
  const got = [r[o + LOSS], ...Array.from({ length: 2 * L }, (_, j) => r[o + GRADS + j])];
  if (rec.norms) {
    want.push(t.clip.normBefore, t.clip.normAfter);
    got.push(r[o + NORM_BEFORE], r[o + NORM_AFTER]);
    extremes[BOUND_NORM_MAX] = Math.max(extremes[BOUND_NORM_MAX], t.clip.normBefore);
  }
  assert.deepEqual(got, want, `${label}: row ${k}`);
  for (let i = 0; i < L; i++) {
    extremes[BOUND_MEAN_MIN] = Math.min(extremes[BOUND_MEAN_MIN], t.meanAbsGrad[i]);
    if (i < L - 1) extremes[BOUND_INNER_MIN] = Math.min(extremes[BOUND_INNER_MIN], t.gradNorm[i]);
  }
  extremes[BOUND_LAST_MAX] = Math.max(extremes[BOUND_LAST_MAX], t.gradNorm[L - 1]);
  assert.deepEqual(Array.from(rec.bounds), extremes, `${label}: bounds after row ${k}`);
}

/**
 * Steps both ways, comparing after each; returns the steps compared. `record`: the whole steps also write a
 * recorder's rows, checked against the trainer's numbers (checkRow).
 */
function compare(spec: NetworkSpec, label: string, steps = STEPS, record = false): number {
  const slow = new Trainer(spec),
    fast = new Trainer(spec),
    rec = record ? recorder(fast, steps) : null,
    extremes = [-Infinity, Infinity, Infinity, -Infinity];
  if (rec) fast.recordInto(rec);
  let n = 0;
  for (; n < steps; n++) {
    let slowError: unknown = null,
      fastError: unknown = null;
    try {
      for (const s = slow.step; slow.step === s && slow.advance(););
    } catch (e) {
      slowError = e;
    }
    try {
      fast.advanceStep();
    } catch (e) {
      fastError = e;
    }
    if (slowError || fastError) {
      assert.ok(slowError instanceof NonFiniteError && fastError instanceof NonFiniteError, `${label}: both fail`);
      assert.equal(fastError.message, slowError.message);
      assert.deepEqual(snapshot(fast), snapshot(slow), `${label}: the state where it failed`);
      return n;
    }
    assert.deepEqual(snapshot(fast), snapshot(slow), `${label}: step ${n + 1}`);
    if (rec) checkRow(fast, rec, rec.length++, extremes, label);
    if (slow.finished) return n + 1;
  }
  return n;
}

const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.nnet'))
  .sort();
const parsed = files.map((f) => {
  const r = parseNnet(fs.readFileSync(path.join(dir, f), 'utf8'), { readFile: nodeReadFile(path.join(dir, f)) });
  assert.ok(r.spec, `${f} checks clean`);
  return { file: f, spec: r.spec };
});

for (const { file, spec } of parsed)
  test(`${file}: ${STEPS} whole steps, generated or not, leave the same state as the events one by one`, () => {
    assert.ok(compare(spec, file) > 0);
  });

test('most examples take the generated step (so the comparisons above compare something)', () => {
  const taken = parsed.filter(({ spec }) => generated(spec)).map(({ file }) => file);
  assert.ok(taken.length >= 20, `only ${taken.length}: ${taken.join(', ')}`);
  assert.ok(taken.includes('xor.nnet') && taken.includes('spiral.nnet'));
});

/** A random dense network as .nnet text: layers `units activation`, random data, plain settings. */
function network(o: {
  input: number;
  layers: readonly string[];
  loss: string;
  batch: number;
  rows: number;
  outputs: number;
  optimizer?: string;
  seed?: number;
}): NetworkSpec {
  let s = (o.seed ?? 7) >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  const lines = ['network n', `  input ${o.input}`];
  o.layers.forEach((l, i) => lines.push(`  dense l${i} ${l}`));
  lines.push(`loss ${o.loss}`, '', 'data');
  for (let r = 0; r < o.rows; r++) {
    const x = Array.from({ length: o.input }, () => rnd().toFixed(3));
    const y = Array.from({ length: o.outputs }, (_, k) =>
      o.loss === 'cross_entropy' ? (k === r % o.outputs ? '1' : '0') : (rnd() * 0.5 + 0.5).toFixed(3),
    );
    lines.push(`  ${x.join(' ')} -> ${y.join(' ')}`);
  }
  lines.push(
    '',
    'train',
    '  epochs 50',
    `  batch ${o.batch}`,
    `  optimizer ${o.optimizer ?? 'sgd lr=0.1'}`,
    '  seed 3',
  );
  const r = parseNnet(lines.join('\n') + '\n');
  assert.ok(r.spec, JSON.stringify(r.diagnostics));
  return r.spec;
}

test('N1-shaped (2-4-1 sigmoid, MSE, batch 4) and N2-shaped (2-16-16-3 tanh, softmax CE, batch 32) networks', () => {
  const n1 = network({ input: 2, layers: ['4 sigmoid', '1 sigmoid'], loss: 'mse', batch: 4, rows: 16, outputs: 1 });
  const n2 = network({
    input: 2,
    layers: ['16 tanh', '16 tanh', '3 softmax'],
    loss: 'cross_entropy',
    batch: 32,
    rows: 128,
    outputs: 3,
  });
  assert.ok(generated(n1) && generated(n2));
  assert.equal(compare(n1, 'N1', 200), 200);
  assert.equal(compare(n2, 'N2', 60), 60);
});

test("with a recorder: the same state, and rows holding the trainer's numbers (N1, N2 shapes; the generated examples)", () => {
  const n1 = network({ input: 2, layers: ['4 sigmoid', '1 sigmoid'], loss: 'mse', batch: 4, rows: 16, outputs: 1 });
  const n2 = network({
    input: 2,
    layers: ['16 tanh', '3 softmax'],
    loss: 'cross_entropy',
    batch: 32,
    rows: 128,
    outputs: 3,
  });
  assert.equal(compare(n1, 'N1 recorded', 200, true), 200);
  assert.equal(compare(n2, 'N2 recorded', 60, true), 60);
  const taken = parsed.filter(({ spec }) => generated(spec));
  for (const { file, spec } of taken) assert.ok(compare(spec, `${file} recorded`, 20, true) > 0);
});

test('every activation and loss, small layers beside float32-lane layers, a partial last batch', () => {
  const cases = [
    { layers: ['5 relu', '3 leaky_relu', '2 identity'], loss: 'half_mse', batch: 3, rows: 10, outputs: 2 },
    { layers: ['3 gelu', '2 sigmoid'], loss: 'bce', batch: 5, rows: 12, outputs: 2 },
    { layers: ['3 tanh', '3 softmax'], loss: 'mse', batch: 4, rows: 9, outputs: 3 },
    { layers: ['4 sigmoid', '2 softmax'], loss: 'cross_entropy', batch: 6, rows: 14, outputs: 2 },
    // 8·3·40 = 960 multiply-adds: lanes; then 8·40·2 = 640 lanes; then small layers below and above.
    { layers: ['40 relu', '2 tanh', '3 leaky_relu', '2 sigmoid'], loss: 'bce', batch: 8, rows: 20, outputs: 2 },
    { layers: ['2 tanh', '70 relu', '1 identity'], loss: 'mse', batch: 8, rows: 19, outputs: 1 },
    { layers: ['33 gelu', '4 softmax'], loss: 'cross_entropy', batch: 7, rows: 17, outputs: 4, optimizer: 'adam' },
  ];
  for (const c of cases) {
    const spec = network({ input: 3, ...c });
    assert.ok(generated(spec), c.layers.join(', '));
    assert.ok(compare(spec, `${c.layers.join(', ')} ${c.loss}`, 30) >= 30);
  }
});

test('a step that overflows fails at the same event, with the same message and state, either way', () => {
  const spec = network({
    input: 2,
    layers: ['4 identity', '1 identity'],
    loss: 'mse',
    batch: 2,
    rows: 4,
    outputs: 1,
    optimizer: 'sgd lr=50',
  });
  assert.ok(generated(spec));
  const steps = compare(spec, 'diverging', 500);
  assert.ok(steps < 500, 'it diverges');
});

test('a forward pass that overflows fails at the loss event either way, the gradients then all zero', () => {
  const spec = network({ input: 2, layers: ['3 identity', '2 identity'], loss: 'mse', batch: 2, rows: 4, outputs: 2 });
  assert.ok(generated(spec));
  const slow = new Trainer(spec),
    fast = new Trainer(spec);
  for (let k = 0; k < 3; k++) {
    for (const s = slow.step; slow.step === s && slow.advance(););
    fast.advanceStep();
  }
  assert.ok(
    fast.model.grads.some((g) => g !== 0),
    'the last step left gradients',
  );
  // Weights so large that the first layer's outputs are ±∞ and the second layer's sums ∞ − ∞ = NaN.
  for (const t of [slow, fast]) t.model.params.fill(3e38, 0, 6).set([3e38, -3e38, 3e38, -3e38, 3e38, -3e38], 9);
  const failure = (f: () => unknown) =>
    assert.throws(f, (e) => e instanceof NonFiniteError && /^loss is/.test(e.message));
  failure(() => {
    for (const s = slow.step; slow.step === s && slow.advance(););
  });
  failure(() => fast.advanceStep());
  assert.equal(fast.peek()?.phase, 'loss');
  assert.ok(fast.model.grads.every((g) => g === 0));
  assert.deepEqual(snapshot(fast), snapshot(slow));
});

test('relu layers in the float32 lanes (their branch-free masks): ±∞ and NaN outputs leave the same activations', () => {
  // 8×3→40 and 8×40→30: both layers in the lanes, where the generated step applies relu by the bits of z.
  const spec = network({
    input: 3,
    layers: ['40 relu', '30 relu', '2 identity'],
    loss: 'mse',
    batch: 8,
    rows: 16,
    outputs: 2,
  });
  assert.ok(generated(spec));
  const slow = new Trainer(spec),
    fast = new Trainer(spec);
  for (let k = 0; k < 3; k++) {
    for (const s = slow.step; slow.step === s && slow.advance(););
    fast.advanceStep();
  }
  assert.deepEqual(snapshot(fast), snapshot(slow));
  // First layer: huge weights of both signs, so its outputs are ±∞ and finite values of either sign; the second
  // layer then sums ∞ − ∞ = NaN in some outputs and ±∞ in others.
  for (const t of [slow, fast]) {
    const p = t.model.params;
    for (let k = 0; k < 120; k++) p[k] = k % 3 === 0 ? 3e38 : k % 3 === 1 ? -3e38 : p[k];
    p[120] = NaN; // a NaN with the sign bit clear (∞ − ∞ gives one with it set on x86): relu(NaN) is +0 all the same
  }
  const failure = (f: () => unknown) =>
    assert.throws(f, (e) => e instanceof NonFiniteError && /^loss is/.test(e.message));
  failure(() => {
    for (const s = slow.step; slow.step === s && slow.advance(););
  });
  failure(() => fast.advanceStep());
  const z = [...fast.model.zs[0], ...fast.model.zs[1]];
  assert.ok(z.includes(Infinity) && z.includes(-Infinity) && z.some(Number.isNaN), 'z holds +∞, −∞ and NaN');
  assert.deepEqual(snapshot(fast), snapshot(slow));
});
