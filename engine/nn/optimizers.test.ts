// Every optimizer against hand-computed values for three steps on a 2-parameter example, plus inspection and the AdamW/Adam+L2 lesson of seed 000.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSimdKernels } from './denseSimd';
import { createOptimizer, OPTIMIZER_DEFAULTS, type OptimizerConfig, type OptimizerKind } from './optimizers';

// Shared example: θ₀ = [1, −2] and a fixed gradient sequence g₁, g₂, g₃ (as if read off three backward passes).
const THETA0 = [1, -2];
const G = [
  [0.5, -1.0],
  [0.3, 0.2],
  [-0.4, 0.6],
];

/** θ after each of the three steps, params and state in float32 as in training. */
function run(config: OptimizerConfig, lr = config.lr): { thetas: number[][]; opt: ReturnType<typeof createOptimizer> } {
  const params = Float32Array.from(THETA0);
  const opt = createOptimizer(config, 2);
  const thetas: number[][] = [];
  for (const g of G) {
    opt.step(params, Float32Array.from(g), lr);
    thetas.push(Array.from(params));
  }
  return { thetas, opt };
}

/** float32 storage rounds at ~6e-8 relative; a few roundings per step stay well inside 2e-6. */
function close(actual: ArrayLike<number>, expected: number[], what: string, tol = 2e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) =>
    assert.ok(Math.abs(actual[i] - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}] = ${actual[i]}, expected ${e}`),
  );
}

test('sgd with weight decay: θ ← θ − lr·(g + λθ), three steps', () => {
  const { thetas } = run({ kind: 'sgd', lr: 0.1, weightDecay: 0.1 });
  // θ₁ = [1 − 0.1·(0.5 + 0.1·1), −2 − 0.1·(−1 + 0.1·(−2))] = [1 − 0.06, −2 + 0.12] = [0.94, −1.88]
  close(thetas[0], [0.94, -1.88], 'θ₁');
  // θ₂ = [0.94 − 0.1·(0.3 + 0.094), −1.88 − 0.1·(0.2 − 0.188)] = [0.94 − 0.0394, −1.88 − 0.0012] = [0.9006, −1.8812]
  close(thetas[1], [0.9006, -1.8812], 'θ₂');
  // θ₃ = [0.9006 − 0.1·(−0.4 + 0.09006), −1.8812 − 0.1·(0.6 − 0.18812)] = [0.9006 + 0.030994, −1.8812 − 0.041188]
  //    = [0.931594, −1.922388]
  close(thetas[2], [0.931594, -1.922388], 'θ₃');
});

test('momentum (PyTorch SGD semantics): b₁ = g₁, b ← μb + g, θ ← θ − lr·b, three steps', () => {
  const { thetas, opt } = run({ kind: 'momentum', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 });
  // b₁ = g₁ = [0.5, −1];                         θ₁ = [1 − 0.05, −2 + 0.1]        = [0.95, −1.9]
  close(thetas[0], [0.95, -1.9], 'θ₁');
  // b₂ = 0.9·[0.5, −1] + [0.3, 0.2] = [0.75, −0.7];  θ₂ = [0.95 − 0.075, −1.9 + 0.07] = [0.875, −1.83]
  close(thetas[1], [0.875, -1.83], 'θ₂');
  // b₃ = 0.9·[0.75, −0.7] + [−0.4, 0.6] = [0.275, −0.03]; θ₃ = [0.875 − 0.0275, −1.83 + 0.003] = [0.8475, −1.827]
  close(thetas[2], [0.8475, -1.827], 'θ₃');
  const s = opt.inspect(0, 2);
  assert.equal(s.kind, 'momentum');
  assert.equal(s.t, 3);
  if (s.kind !== 'momentum') return;
  close(s.buffer, [0.275, -0.03], 'b₃');
  close(s.step, [-0.0275, 0.003], 'step₃ = θ₃ − θ₂');
});

test('Nesterov momentum: step = g + μ·b, and it differs from plain momentum', () => {
  const { thetas, opt } = run({ kind: 'momentum', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0 });
  // Same buffers as plain momentum: b₁ = [0.5, −1], b₂ = [0.75, −0.7], b₃ = [0.275, −0.03].
  // s₁ = g₁ + 0.9·b₁ = [0.95, −1.9];            θ₁ = [1 − 0.095, −2 + 0.19]           = [0.905, −1.81]
  close(thetas[0], [0.905, -1.81], 'θ₁');
  // s₂ = [0.3 + 0.675, 0.2 − 0.63] = [0.975, −0.43]; θ₂ = [0.905 − 0.0975, −1.81 + 0.043] = [0.8075, −1.767]
  close(thetas[1], [0.8075, -1.767], 'θ₂');
  // s₃ = [−0.4 + 0.2475, 0.6 − 0.027] = [−0.1525, 0.573]; θ₃ = [0.8075 + 0.01525, −1.767 − 0.0573] = [0.82275, −1.8243]
  close(thetas[2], [0.82275, -1.8243], 'θ₃');
  const s = opt.inspect(0, 2);
  if (s.kind !== 'momentum') assert.fail(`kind ${s.kind}`);
  close(s.buffer, [0.275, -0.03], 'b₃ (the buffer is the same as without Nesterov)');
  close(s.step, [0.01525, -0.0573], 'step₃');
  const plain = run({ kind: 'momentum', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 }).thetas[2];
  assert.ok(Math.abs(plain[0] - thetas[2][0]) > 0.02, 'Nesterov and plain momentum end at different θ');
});

test('rmsprop: v ← αv + (1−α)g², θ ← θ − lr·g/(√v + ε), three steps', () => {
  const { thetas, opt } = run({ kind: 'rmsprop', lr: 0.01, alpha: 0.9, eps: 1e-8, weightDecay: 0 });
  // v₁ = 0.1·g₁² = [0.025, 0.1]; √v₁ = [0.1581139, 0.3162278]
  // θ₁ = [1 − 0.01·0.5/0.1581139, −2 + 0.01·1/0.3162278] = [1 − 0.0316228, −2 + 0.0316228] = [0.9683772, −1.9683772]
  close(thetas[0], [0.9683772254, -1.9683772244], 'θ₁');
  // v₂ = 0.9·v₁ + 0.1·g₂² = [0.0225 + 0.009, 0.09 + 0.004] = [0.0315, 0.094]; √v₂ = [0.1774824, 0.3065942]
  // θ₂ = [0.9683772 − 0.003/0.1774824, −1.9683772 − 0.002/0.3065942] = [0.9683772 − 0.0169031, −1.9683772 − 0.0065233]
  //    = [0.9514741, −1.9749005]
  close(thetas[1], [0.9514741413, -1.9749005049], 'θ₂');
  // v₃ = 0.9·v₂ + 0.1·g₃² = [0.02835 + 0.016, 0.0846 + 0.036] = [0.04435, 0.1206]; √v₃ = [0.2105944, 0.3472751]
  // θ₃ = [0.9514741 + 0.004/0.2105944, −1.9749005 − 0.006/0.3472751] = [0.9514741 + 0.0189939, −1.9749005 − 0.0172774]
  //    = [0.9704680, −1.9921779]
  close(thetas[2], [0.970467998, -1.9921778729], 'θ₃');
  const s = opt.inspect(0, 2);
  if (s.kind !== 'rmsprop') assert.fail(`kind ${s.kind}`);
  close(s.v, [0.04435, 0.1206], 'v₃');
  close(s.step, [0.0189938568, -0.017277368], 'step₃');
});

test('adam (bias-corrected): m, v, m̂, v̂ and θ for three steps; inspect() reports them', () => {
  const { thetas, opt } = run({ kind: 'adam', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  // t = 1: c₁ = 1 − 0.9 = 0.1, c₂ = 1 − 0.999 = 0.001
  //   m₁ = 0.1·g₁ = [0.05, −0.1];  v₁ = 0.001·g₁² = [0.00025, 0.001]
  //   m̂₁ = m₁/0.1 = [0.5, −1] = g₁;  v̂₁ = v₁/0.001 = [0.25, 1] = g₁²   (bias correction undoes the zero start)
  //   θ₁ = θ₀ − 0.1·m̂₁/(√v̂₁ + ε) = [1 − 0.1·0.5/0.5, −2 + 0.1·1/1] = [0.9, −1.9]   (first Adam step is ±lr)
  close(thetas[0], [0.9, -1.9], 'θ₁');
  // t = 2: c₁ = 1 − 0.81 = 0.19, c₂ = 1 − 0.998001 = 0.001999
  //   m₂ = 0.9·m₁ + 0.1·g₂ = [0.045 + 0.03, −0.09 + 0.02] = [0.075, −0.07]
  //   v₂ = 0.999·v₁ + 0.001·g₂² = [0.00024975 + 0.00009, 0.000999 + 0.00004] = [0.00033975, 0.001039]
  //   m̂₂ = [0.3947368, −0.3684211];  v̂₂ = [0.1699600, 0.5197599];  √v̂₂ = [0.4122620, 0.7209437]
  //   θ₂ = [0.9 − 0.1·0.3947368/0.4122620, −1.9 + 0.1·0.3684211/0.7209437] = [0.9 − 0.0957490, −1.9 + 0.0511026]
  //      = [0.8042510, −1.8488974]
  close(thetas[1], [0.8042509867, -1.848897394], 'θ₂');
  // t = 3: c₁ = 1 − 0.729 = 0.271, c₂ = 1 − 0.997002999 = 0.002997001
  //   m₃ = 0.9·m₂ + 0.1·g₃ = [0.0675 − 0.04, −0.063 + 0.06] = [0.0275, −0.003]
  //   v₃ = 0.999·v₂ + 0.001·g₃² = [0.00033941025 + 0.00016, 0.001037961 + 0.00036] = [0.00049941025, 0.001397961]
  //   m̂₃ = [0.1014760, −0.0110701];  v̂₃ = [0.1666367, 0.4664533];  √v̂₃ = [0.4082115, 0.6829739]
  //   θ₃ = [0.8042510 − 0.1·0.1014760/0.4082115, −1.8488974 + 0.1·0.0110701/0.6829739]
  //      = [0.8042510 − 0.0248587, −1.8488974 + 0.0016209] = [0.7793923, −1.8472765]
  close(thetas[2], [0.779392304, -1.8472765251], 'θ₃');

  const s = opt.inspect(0, 2);
  if (s.kind !== 'adam') assert.fail(`kind ${s.kind}`);
  assert.equal(s.t, 3);
  close(s.m, [0.0275, -0.003], 'm₃');
  close(s.v, [0.00049941025, 0.001397961], 'v₃');
  close(s.mHat, [0.1014760148, -0.0110701107], 'm̂₃');
  close(s.vHat, [0.1666366645, 0.4664532978], 'v̂₃');
  close(s.step, [-0.0248586827, 0.0016208688], 'step₃ = θ₃ − θ₂', 2e-5);
  // A slice: just the second parameter.
  const one = opt.inspect(1, 1);
  if (one.kind !== 'adam') assert.fail(`kind ${one.kind}`);
  close(one.mHat, [-0.0110701107], 'm̂₃ of θ[1]');
});

test('adam with weight decay puts λθ into the gradient before the moments (L2, as PyTorch Adam)', () => {
  const { thetas } = run({ kind: 'adam', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
  // t = 1: g̃₁ = g₁ + 0.1·θ₀ = [0.6, −1.2]; m̂₁ = g̃₁, v̂₁ = g̃₁²  →  θ₁ = [1 − 0.1, −2 + 0.1] = [0.9, −1.9]
  //   (the decay vanishes into the normalisation: the first step is still exactly ±lr)
  close(thetas[0], [0.9, -1.9], 'θ₁');
  // t = 2: g̃₂ = g₂ + 0.1·θ₁ = [0.39, 0.01]
  //   m₂ = 0.9·[0.06, −0.12] + 0.1·[0.39, 0.01] = [0.093, −0.107]
  //   v₂ = 0.999·[0.00036, 0.00144] + 0.001·[0.1521, 0.0001] = [0.00051174, 0.00143866]
  //   m̂₂ = m₂/0.19 = [0.4894737, −0.5631579];  v̂₂ = v₂/0.001999 = [0.2559980, 0.7196898]
  //   θ₂ = [0.9 − 0.1·0.4894737/0.5059624, −1.9 + 0.1·0.5631579/0.8483454] = [0.8032589, −1.8336169]
  close(thetas[1], [0.8032588944, -1.8336169077], 'θ₂');
  // t = 3: g̃₃ = g₃ + 0.1·θ₂ = [−0.3196741, 0.4166383]
  //   m₃ = [0.0517326, −0.0546362];  v₃ = [0.00061342, 0.00161081]
  //   m̂₃ = m₃/0.271 = [0.1908952, −0.2016095];  v̂₃ = v₃/0.002997001 = [0.2046779, 0.5374736]
  //   θ₃ = [0.8032589 − 0.1·0.1908952/0.4524134, −1.8336169 + 0.1·0.2016095/0.7331259] = [0.7610640, −1.8061169]
  close(thetas[2], [0.7610640429, -1.8061169271], 'θ₃');
});

test('adamw: decoupled decay exactly as seed 000, θ ← θ − lr·m̂/(√v̂+ε) − lr·λ·θ', () => {
  const { thetas, opt } = run({ kind: 'adamw', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
  // m, v, m̂, v̂ are those of plain adam (the decay never enters the moments); only θ differs:
  // θ₁ = θ₀ − 0.1·[1, −1] − 0.1·0.1·θ₀ = [1 − 0.1 − 0.01, −2 + 0.1 + 0.02] = [0.89, −1.88]
  close(thetas[0], [0.89, -1.88], 'θ₁');
  // θ₂ = θ₁ − 0.1·[0.3947368/0.4122620, −0.3684211/0.7209437] − 0.01·θ₁
  //    = [0.89 − 0.0957490 − 0.0089, −1.88 + 0.0511026 + 0.0188] = [0.7853510, −1.8100974]
  close(thetas[1], [0.7853509867, -1.810097394], 'θ₂');
  // θ₃ = θ₂ − 0.1·[0.1014760/0.4082115, −0.0110701/0.6829739] − 0.01·θ₂
  //    = [0.7853510 − 0.0248587 − 0.0078535, −1.8100974 + 0.0016209 + 0.0181010] = [0.7526388, −1.7903756]
  close(thetas[2], [0.7526387942, -1.7903755512], 'θ₃');
  const s = opt.inspect(0, 2);
  if (s.kind !== 'adamw') assert.fail(`kind ${s.kind}`);
  close(s.mHat, [0.1014760148, -0.0110701107], 'm̂₃ (same as plain adam)');
  close(s.vHat, [0.1666366645, 0.4664532978], 'v̂₃ (same as plain adam)');
  close(s.step, [-0.0327121925, 0.0197218428], 'step₃ includes −lr·λ·θ₂', 2e-5);
  // Adam+L2 on the same data ends elsewhere: [0.7610640, −1.8061169].
  const l2 = run({ kind: 'adam', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 }).thetas[2];
  assert.ok(Math.abs(l2[0] - thetas[2][0]) > 0.005 && Math.abs(l2[1] - thetas[2][1]) > 0.01);
});

test('seed 000: Adam+L2 decays parameters with a large gradient history less; AdamW decays all alike', () => {
  // Two parameters both at 1; the first sees large gradients (±10), the second small ones (±0.01), same signs.
  // Without decay Adam moves both the same (it is scale invariant), so "decay effect" = θ(λ) − θ(λ = 0) isolates λ.
  const grads = [
    [10, 0.01],
    [-10, -0.01],
    [10, 0.01],
  ];
  const final = (kind: 'adam' | 'adamw', weightDecay: number) => {
    const params = Float32Array.of(1, 1);
    const opt = createOptimizer({ kind, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay }, 2);
    for (const g of grads) opt.step(params, Float32Array.from(g), 0.01);
    return Array.from(params);
  };
  const base = final('adam', 0);
  const l2 = final('adam', 0.1).map((p, i) => p - base[i]);
  const w = final('adamw', 0.1).map((p, i) => p - base[i]);
  // AdamW: each step removes lr·λ·θ ≈ 0.001 from both, ≈ 0.003 in total, whatever the gradients were.
  assert.ok(Math.abs(w[0] - w[1]) < 1e-5, `adamw decay effects ${w}`);
  assert.ok(Math.abs(w[0] + 0.003) < 1e-4, `adamw decay effect ${w[0]}`);
  // Adam+L2: λθ = 0.1 is divided by √v̂ ≈ 10 for the first parameter but ≈ 0.1 for the second.
  assert.ok(Math.abs(l2[0]) < Math.abs(l2[1]) / 10, `adam+L2 decay effects ${l2}`);
});

test('weight decay in sgd, momentum and rmsprop is the same as adding λθ to the gradient', () => {
  for (const config of [
    { kind: 'sgd', lr: 0.1, weightDecay: 0.05 },
    { kind: 'momentum', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.05 },
    { kind: 'rmsprop', lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.05 },
  ] as const) {
    const a = Float32Array.from(THETA0),
      b = Float32Array.from(THETA0);
    const withDecay = createOptimizer(config, 2),
      manual = createOptimizer({ ...config, weightDecay: 0 }, 2);
    for (const g of G) {
      const gb = Float32Array.from(g, (x, i) => x + 0.05 * b[i]);
      withDecay.step(a, Float32Array.from(g), config.lr);
      manual.step(b, gb, config.lr);
    }
    close(a, Array.from(b), config.kind, 1e-6);
  }
});

test('the lr argument is the one used; grads are left untouched; inspect before any step is zeros', () => {
  const params = Float32Array.of(1, -2);
  const grads = Float32Array.of(0.5, -1);
  const opt = createOptimizer({ kind: 'adam', lr: 123, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5 }, 2);
  const s0 = opt.inspect(0, 2);
  if (s0.kind !== 'adam') assert.fail(`kind ${s0.kind}`);
  assert.equal(s0.t, 0);
  close(s0.mHat, [0, 0], 'm̂ before any step');
  close(s0.step, [0, 0], 'step before any step');
  opt.step(params, grads, 0.01);
  close(params, [0.99, -1.99], 'first Adam step is ±lr with the lr passed in, not config.lr');
  close(grads, [0.5, -1], 'grads are not modified by the decay');
  // inspect returns copies: writing to them leaves the optimizer alone.
  const s1 = opt.inspect(0, 2);
  s1.step.fill(7);
  close(opt.inspect(0, 2).step, [-0.01, 0.01], 'step after writing to a copy');
});

test('bad arguments throw RangeError', () => {
  const opt = createOptimizer(OPTIMIZER_DEFAULTS.momentum, 3);
  assert.throws(() => opt.step(new Float32Array(2), new Float32Array(3), 0.1), RangeError);
  assert.throws(() => opt.step(new Float32Array(3), new Float32Array(3), NaN), RangeError);
  assert.throws(() => opt.step(new Float32Array(3), new Float32Array(3), -1), RangeError);
  assert.throws(() => opt.inspect(2, 2), RangeError);
  assert.throws(() => opt.inspect(-1, 1), RangeError);
  assert.throws(() => createOptimizer(OPTIMIZER_DEFAULTS.sgd, -1), RangeError);
});

test('OPTIMIZER_DEFAULTS: PyTorch defaults, one config per kind, each usable as is', () => {
  assert.deepEqual(OPTIMIZER_DEFAULTS.adam, {
    kind: 'adam',
    lr: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
  });
  assert.deepEqual(OPTIMIZER_DEFAULTS.adamw, {
    kind: 'adamw',
    lr: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
  });
  assert.deepEqual(OPTIMIZER_DEFAULTS.rmsprop, { kind: 'rmsprop', lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0 });
  assert.deepEqual(OPTIMIZER_DEFAULTS.momentum, {
    kind: 'momentum',
    lr: 0.1,
    momentum: 0.9,
    nesterov: false,
    weightDecay: 0,
  });
  assert.deepEqual(OPTIMIZER_DEFAULTS.sgd, { kind: 'sgd', lr: 0.1, weightDecay: 0 });
  for (const kind of Object.keys(OPTIMIZER_DEFAULTS) as OptimizerKind[]) {
    const config = OPTIMIZER_DEFAULTS[kind];
    assert.equal(config.kind, kind);
    const params = Float32Array.of(1, 1);
    const opt = createOptimizer(config, 2);
    opt.step(params, Float32Array.of(1, -1), config.lr);
    assert.ok(params[0] < 1 && params[1] > 1, `${kind} moves against the gradient`);
    assert.equal(opt.t, 1);
    assert.equal(opt.inspect(0, 2).kind, kind);
  }
});

test('stepSquares sums the squares of the applied step over a slice, as inspect().step does, for every optimizer', () => {
  for (const kind of ['sgd', 'momentum', 'rmsprop', 'adam', 'adamw'] as const) {
    const opt = createOptimizer(
      kind === 'sgd'
        ? { kind, lr: 0.1, weightDecay: 0 }
        : kind === 'momentum'
          ? { kind, lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 }
          : kind === 'rmsprop'
            ? { kind, lr: 0.1, alpha: 0.99, eps: 1e-8, weightDecay: 0 }
            : { kind, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
      5,
    );
    const params = Float32Array.from([1, -2, 3, 0.5, -0.25]);
    assert.equal(opt.stepSquares(1, 3), 0, `${kind}: zero before the first step`);
    opt.step(params, Float32Array.from([0.1, 0.2, -0.3, 0.4, 0]), 0.1);
    opt.step(params, Float32Array.from([0.3, -0.2, 0.1, 0.4, 0.2]), 0.1);
    const want = Array.from(opt.inspect(1, 3).step).reduce((a, d) => a + d * d, 0);
    assert.ok(
      want > 0 && Math.abs(opt.stepSquares(1, 3) - want) <= 1e-12 * want,
      `${kind}: ${opt.stepSquares(1, 3)} vs ${want}`,
    );
    assert.throws(() => opt.stepSquares(3, 3), RangeError);
  }
});

test('sgd over float32 parameters: the bits of storing θ − lr·(g + λθ) and reading it back, the step included', () => {
  // Values across the float32 range, −0 and subnormals, with and without decay; in WebAssembly SIMD (sgdSimd.ts: an
  // even and an odd length) and in the optimizer's loop (too short for the kernel, or with the kernels off).
  for (const [n, simd] of [
    [4096, true],
    [4097, true],
    [1000, true],
    [4097, false],
  ] as const) {
    useSimdKernels(simd);
    try {
      sgdAgainstReference(n);
    } finally {
      useSimdKernels(true);
    }
  }
});

function sgdAgainstReference(n: number): void {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const wild = () => {
    const r = rnd();
    return r < -0.95 ? -0 : r < -0.9 ? 1e-40 * rnd() : rnd() * 10 ** Math.floor(rnd() * 12);
  };
  for (const weightDecay of [0, 0.01, 0.3]) {
    const p0 = Float32Array.from({ length: n }, wild),
      g = Float32Array.from({ length: n }, wild);
    const want = new Float32Array(p0),
      wantStep = new Float32Array(n);
    for (const lr of [0.1, 0.0123]) {
      for (let i = 0; i < n; i++) {
        const p = want[i];
        want[i] = p - lr * (g[i] + weightDecay * p);
        wantStep[i] = want[i] - p;
      }
    }
    const opt = createOptimizer({ kind: 'sgd', lr: 0.1, weightDecay }, n),
      params = new Float32Array(p0);
    opt.step(params, g, 0.1);
    opt.step(params, g, 0.0123);
    const got = (opt.inspect(0, n) as { step: Float32Array }).step;
    for (let i = 0; i < n; i++) {
      assert.ok(Object.is(params[i], want[i]), `θ[${i}] of ${n}, λ = ${weightDecay}: ${params[i]} ≠ ${want[i]}`);
      assert.ok(Object.is(got[i], wantStep[i]), `step[${i}] with λ = ${weightDecay}: ${got[i]} ≠ ${wantStep[i]}`);
    }
  }
}
