// Runs test_nnet_torch.py (unittest) against the nnet_torch.py every export ships, with fixtures computed by nnet's
// engine: the generator, shuffles, learning rates and optimizer steps must be nnet's own, and nnet's npz loads in numpy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { NNET_TORCH_PY } from '../../engine/export/pytorch/runtimePy';
import { writeNpz } from '../../engine/io/npzWrite';
import { createOptimizer, type OptimizerConfig } from '../../engine/nn/optimizers';
import { Prng } from '../../engine/nn/prng';
import { learningRateAt, type LrSchedule } from '../../engine/nn/schedules';
import { findTorchPython, torchOrSkip } from '../python';

function fixtures(dir: string): object {
  const rng = new Prng(12345);
  const values = Array.from({ length: 50 }, () => rng.next());
  const next = rng.next();
  const shuffled = Array.from({ length: 40 }, (_, i) => i);
  new Prng(12345).shuffle(shuffled);
  const schedules: [LrSchedule, Record<string, unknown>][] = [
    [
      { schedule: { kind: 'constant' }, warmupSteps: 0 },
      { schedule: 'constant', warmup: 0 },
    ],
    [
      { schedule: { kind: 'cosine', minLr: 0.001 }, warmupSteps: 10 },
      { schedule: 'cosine', warmup: 10, min_lr: 0.001 },
    ],
    [
      { schedule: { kind: 'step', every: 7, gamma: 0.5 }, warmupSteps: 3 },
      { schedule: 'step', warmup: 3, every: 7, gamma: 0.5 },
    ],
    [
      { schedule: { kind: 'exponential', gamma: 0.97 }, warmupSteps: 0 },
      { schedule: 'exponential', warmup: 0, gamma: 0.97 },
    ],
  ];
  const lr = schedules.flatMap(([s, py]) =>
    [0, 1, 5, 9, 10, 11, 40, 99, 120].map((step) => ({
      step,
      base: 0.05,
      total: 100,
      schedule: py,
      lr: learningRateAt(s, 0.05, step, 100),
    })),
  );
  const configs: [OptimizerConfig, Record<string, unknown>][] = [
    [
      { kind: 'sgd', lr: 0.1, weightDecay: 0.01 },
      { kind: 'sgd', lr: 0.1, weight_decay: 0.01 },
    ],
    [
      { kind: 'momentum', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.001 },
      { kind: 'momentum', lr: 0.1, weight_decay: 0.001, momentum: 0.9, nesterov: true },
    ],
    [
      { kind: 'rmsprop', lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0 },
      { kind: 'rmsprop', lr: 0.01, weight_decay: 0, alpha: 0.99, eps: 1e-8 },
    ],
    [
      { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
      { kind: 'adam', lr: 0.01, weight_decay: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    ],
    [
      { kind: 'adamw', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 },
      { kind: 'adamw', lr: 0.01, weight_decay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    ],
  ];
  const optimizers = configs.map(([c, py]) => {
    const params = Float32Array.from([0.5, -1.25, 3, 1e-3]);
    const start = [...params];
    const grads = [
      [0.1, -0.2, 0.3, 1e-6],
      [0.05, 0.4, -0.3, 0],
      [-0.2, 0.1, 0.01, 2],
    ].map((g) => Float32Array.from(g));
    const opt = createOptimizer(c, params.length);
    const after = grads.map((g) => (opt.step(params, g, c.lr), [...params]));
    return { config: py, lr: c.lr, params: start, grads: grads.map((g) => [...g]), after };
  });
  const npz = path.join(dir, 'nnet.npz');
  fs.writeFileSync(
    npz,
    writeNpz([
      { name: 'h1.W', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -0.5]) },
      { name: 'rows', shape: [2], data: Int32Array.from([7, -1]) },
    ]),
  );
  return { rng: { seed: 12345, values, next, shuffled }, lr, optimizers, npz };
}

test('nnet_torch.py computes what nnet computes (python -m unittest)', { skip: torchOrSkip() }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-torch-'));
  fs.writeFileSync(path.join(dir, 'nnet_torch.py'), NNET_TORCH_PY);
  fs.writeFileSync(path.join(dir, 'fixtures.json'), JSON.stringify(fixtures(dir)));
  const r = spawnSync(findTorchPython().python!, ['-m', 'unittest', '-v', 'test_nnet_torch'], {
    cwd: __dirname,
    encoding: 'utf8',
    env: { ...process.env, NNET_TORCH_DIR: dir, NNET_FIXTURES: path.join(dir, 'fixtures.json') },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Ran \d+ tests[\s\S]*OK/);
});
