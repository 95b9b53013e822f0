// The training lessons' claims (normalisation, dropout, input scaling, optimizers on the ill-conditioned valley),
// checked against runs of the shipped files and the one-line variations their comments suggest.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epoch, readExample as read, valuesOf, trained } from './claimsTesting';

test('batchnorm.nnet: without the batchnorm lines the validation loss at epoch 50 is 0.52 instead of 0.05', () => {
  const src = read('batchnorm.nnet');
  assert.match(src, /at epoch 50 the validation loss is 0\.52 instead of 0\.05/);
  const on = epoch(trained(src), 50);
  const off = epoch(trained(src.replace(/^ {2}batchnorm bn\d\n/gm, '')), 50);
  assert.ok(on.valLoss! < 0.1 && off.valLoss! > 0.4, `with ${on.valLoss}, without ${off.valLoss}`);
});

test('dropout.nnet: without the dropout lines the net overfits — lower training loss, far higher validation loss', () => {
  const src = read('dropout.nnet');
  assert.match(src, /a big network on 60 noisy samples overfits without them/);
  const on = epoch(trained(src), -1);
  const off = epoch(trained(src.replace(/^ {2}dropout d\d .*\n/gm, '')), -1);
  assert.ok(off.loss < on.loss, `training loss: without ${off.loss}, with ${on.loss}`); // 0.010 vs 0.20
  assert.ok(off.valLoss! > 2 * on.valLoss!, `validation loss: without ${off.valLoss}, with ${on.valLoss}`); // 2.16 vs 0.77
});

test('csv-regression.nnet: standardized inputs get gradients of a similar size; without it size dominates', () => {
  const src = read('csv-regression.nnet');
  assert.match(src, /remove it and the size column \(hundreds of m²\) dominates and training needs a much smaller lr/);
  const raw = src.replace(' standardize', '');
  /** Mean |∂L/∂W| of h1's size column over its rooms column, at step 1. */
  const columnRatio = (s: string) => {
    const g = valuesOf(trained(s, 1), 'h1', 'gradW'); // [8 × 2]: size, rooms
    let size = 0,
      rooms = 0;
    for (let u = 0; u < 8; u++) [size, rooms] = [size + Math.abs(g[2 * u]), rooms + Math.abs(g[2 * u + 1])];
    return size / rooms;
  };
  const std = columnRatio(src),
    unscaled = columnRatio(raw);
  assert.ok(std > 0.1 && std < 10, `standardized: ${std}`);
  assert.ok(unscaled > 10, `unscaled: ${unscaled}`);
  const good = epoch(trained(src), -1).loss;
  const stalled = epoch(trained(raw), -1).loss;
  const smaller = epoch(trained(raw.replace('lr=0.02', 'lr=0.002')), -1).loss;
  assert.ok(stalled > 10 * good, `unscaled at lr 0.02: ${stalled}, standardized ${good}`); // 0.78 vs 0.017
  assert.ok(smaller < stalled / 5, `unscaled at lr 0.002: ${smaller}`); // 0.069
});

test('layernorm.nnet: trains with batch 1, where batch norm in its place outputs β whatever the input', () => {
  const src = read('layernorm.nnet');
  assert.match(src, /it trains with batch 1, where batch norm's output would be β whatever the input/);
  const end = epoch(trained(src), -1);
  assert.ok(end.valAccuracy! > 0.95, JSON.stringify(end)); // measured 98 %
  const t = trained(src.replace('  layernorm ln1', '  batchnorm ln1'), 3);
  assert.deepEqual([...valuesOf(t, 'ln1', 'a')], [...valuesOf(t, 'ln1', 'b')], 'a = β');
});

const VALLEY = ['ill-conditioned-sgd.nnet', 'ill-conditioned-momentum.nnet', 'ill-conditioned-adam.nnet'];

test('ill-conditioned-*.nnet: the same data; curvature ~400× larger along w2; momentum and Adam beat SGD', () => {
  const [sgd, momentum, adam] = VALLEY.map(read);
  const data = (s: string) => s.slice(s.indexOf('\ndata'), s.indexOf('\ntrain'));
  assert.equal(data(momentum), data(sgd));
  assert.equal(data(adam), data(sgd));
  for (const s of [sgd, momentum, adam]) assert.match(s, /curvature ~400× larger along w2 than w1/);
  // The Hessian of half_mse for a linear fit is the inputs' second moments: E[x2²] / E[x1²] along the two axes.
  const rows = [...data(sgd).matchAll(/^ {2}(\S+) (\S+) ->/gm)].map((m) => [Number(m[1]), Number(m[2])]);
  const moment = (k: number) => rows.reduce((s, r) => s + r[k] ** 2, 0) / rows.length;
  const curvature = moment(1) / moment(0);
  assert.ok(curvature > 300 && curvature < 500, `curvature ratio ${curvature}`);
  const [lSgd, lMom, lAdam] = [sgd, momentum, adam].map((s) => epoch(trained(s), -1).loss);
  assert.ok(lMom < lSgd / 5, `momentum ${lMom} vs sgd ${lSgd}`); // 0.039 vs 0.46
  assert.ok(lAdam < lSgd / 100, `adam ${lAdam} vs sgd ${lSgd}`); // 3e-5
});
