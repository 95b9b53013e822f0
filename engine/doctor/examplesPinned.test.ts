// Every tally of the doctor on every example pinned: rule, position, layer, first and last step, count, the first
// steps and the worst measurement. Run with persistence 0, so every tally is a finding (the default findings, which
// examples.test.ts checks, are a subset): an optimisation of how rules are fed or when they look must leave every
// number here unchanged.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import { diagnoseRun } from './run';
import type { Finding } from './types';

const DIR = path.join(__dirname, '..', '..', 'examples');

const row = (f: Finding) =>
  `${f.rule} ${f.line + 1}:${f.column + 1} ${f.layer ?? '-'} steps ${f.firstStep}-${f.lastStep} x${f.count} at ${f.evidence.steps.join(',')} measured ${f.evidence.measured.toPrecision(6)} threshold ${f.evidence.threshold}`;

/** Per example, every tally in the doctor's order (source line, column, rule). */
const PINNED: Record<string, readonly string[]> = {
  'accumulate-batch32.nnet': [],
  'accumulate.nnet': [],
  'adam-l2.nnet': [],
  'adamw.nnet': [],
  'batch-1.nnet': [
    'loss-not-decreasing 8:1 - steps 19-1969 x56 at 19,29,49,59,69 measured 2.23883 threshold 0.99',
    'loss-spike 15:3 - steps 153-2358 x166 at 153,154,155,156,260 measured 34.3710 threshold 3',
  ],
  'batch-full.nnet': [],
  'batchnorm.nnet': ['update-ratio 20:3 - steps 0-160 x4 at 0,40,120,160 measured 0.516951 threshold 0.1'],
  'bowl-lr-too-high.nnet': [
    'loss-not-decreasing 10:1 - steps 19-19 x1 at 19 measured 38.1108 threshold 0.99',
    'exploding 25:3 - steps 7-19 x13 at 7,8,9,10,11 measured 1022.34 threshold 100',
    'loss-spike 25:3 - steps 19-19 x1 at 19 measured 38.1108 threshold 3',
    'update-ratio 25:3 - steps 0-0 x1 at 0 measured 1.73925 threshold 0.1',
  ],
  'bowl-lr-too-low.nnet': [],
  'bowl.nnet': ['update-ratio 24:3 - steps 0-0 x1 at 0 measured 0.316228 threshold 0.1'],
  'classify.nnet': [
    'vanishing 5:3 h1 steps 530-530 x1 at 530 measured 0.000659592 threshold 0.001',
    'update-ratio 28:3 - steps 560-560 x1 at 560 measured 0.0000843941 threshold 0.0001',
  ],
  'csv-regression.nnet': [],
  'deep-gelu.nnet': ['poor-init 9:5 h_8 steps 0-0 x1 at 0 measured 0.0820680 threshold 10'],
  'deep-relu.nnet': [],
  'deep-sigmoid-batchnorm.nnet': [
    'vanishing 11:5 bn_1 steps 134-199 x42 at 134,142,149,153,157 measured 0.000676011 threshold 0.001',
  ],
  'deep-sigmoid.nnet': [
    'unchanged-weights 6:5 h_1 steps 2-162 x5 at 2,42,82,122,162 measured 3.00000 threshold 3',
    'vanishing 6:5 h_4 steps 0-199 x200 at 0,1,2,3,4 measured 3.32011e-11 threshold 1e-7',
    'update-ratio 20:3 - steps 120-160 x2 at 120,160 measured 0.00000394147 threshold 0.0001',
  ],
  'deep-tanh.nnet': [],
  'dropout.nnet': ['overfitting 13:1 - steps 275-599 x2 at 275,599 measured 0.395887 threshold 0.1'],
  'dying-relu-training.nnet': [
    'dead-relu 8:3 h1 steps 19-199 x19 at 19,29,39,49,59 measured 0.687500 threshold 0.5',
    'vanishing 8:3 h1 steps 97-198 x8 at 97,132,166,174,183 measured 1.79825e-14 threshold 1e-7',
    'dead-relu 9:3 h2 steps 19-199 x19 at 19,29,39,49,59 measured 0.750000 threshold 0.5',
    'vanishing 9:3 h2 steps 58-198 x29 at 58,97,98,125,130 measured 8.17971e-16 threshold 1e-7',
    'vanishing 10:3 out steps 97-198 x4 at 97,166,192,198 measured 1.54610e-14 threshold 1e-7',
    'update-ratio 18:3 - steps 0-0 x1 at 0 measured 1.68866 threshold 0.1',
  ],
  'dying-relu.nnet': [
    'dead-relu 7:3 h1 steps 9-399 x40 at 9,19,29,39,49 measured 1.00000 threshold 0.5',
    'unchanged-weights 7:3 h1 steps 2-362 x10 at 2,42,82,122,162 measured 3.00000 threshold 3',
    'vanishing 7:3 h1 steps 0-399 x400 at 0,1,2,3,4 measured 0.00000 threshold 1e-7',
    'unchanged-weights 8:3 out steps 2-362 x10 at 2,42,82,122,162 measured 3.00000 threshold 3',
    'vanishing 8:3 out steps 0-399 x400 at 0,1,2,3,4 measured 0.00000 threshold 1e-7',
    'loss-not-decreasing 9:1 - steps 19-399 x39 at 19,29,39,49,59 measured 1.00026 threshold 0.99',
    'update-ratio 16:3 - steps 0-360 x10 at 0,40,80,120,160 measured 0.00000 threshold 0.0001',
  ],
  'exploding-clipped-value.nnet': ['poor-init 8:5 h_4 steps 0-0 x1 at 0 measured 13.3140 threshold 10'],
  'exploding-clipped.nnet': ['poor-init 7:5 h_4 steps 0-0 x1 at 0 measured 13.3140 threshold 10'],
  'exploding.nnet': [
    'poor-init 8:5 h_4 steps 0-0 x1 at 0 measured 13.3140 threshold 10',
    'exploding 18:3 - steps 0-6 x6 at 0,1,2,3,4 measured 9840.56 threshold 100',
    'update-ratio 18:3 - steps 80-80 x1 at 80 measured 0.0000979947 threshold 0.0001',
  ],
  'ill-conditioned-adam.nnet': ['unscaled-inputs 10:1 - steps 0-0 x1 at 0 measured 10.9176 threshold 10'],
  'ill-conditioned-momentum.nnet': ['unscaled-inputs 10:1 - steps 0-0 x1 at 0 measured 10.9176 threshold 10'],
  'ill-conditioned-rmsprop.nnet': [
    'unchanged-weights 7:3 out steps 82-82 x1 at 82 measured 3.00000 threshold 3',
    'unscaled-inputs 10:1 - steps 0-0 x1 at 0 measured 10.9176 threshold 10',
    'update-ratio 47:3 - steps 80-80 x1 at 80 measured 5.95303e-8 threshold 0.0001',
  ],
  'ill-conditioned-sgd.nnet': ['unscaled-inputs 10:1 - steps 0-0 x1 at 0 measured 10.9176 threshold 10'],
  'layernorm.nnet': [
    'loss-not-decreasing 13:1 - steps 19-4269 x8 at 19,49,59,89,189 measured 2.30388 threshold 0.99',
    'loss-spike 20:3 - steps 1510-4269 x24 at 1510,1511,1512,1513,1514 measured 380.570 threshold 3',
    'update-ratio 20:3 - steps 2880-3280 x2 at 2880,3280 measured 0.0000736006 threshold 0.0001',
  ],
  'regression.nnet': [
    'update-ratio 19:3 - steps 0-0 x1 at 0 measured 0.165491 threshold 0.1',
    'update-ratio 19:3 - steps 800-960 x2 at 800,960 measured 0.0000327276 threshold 0.0001',
  ],
  'residual.nnet': ['update-ratio 27:3 - steps 0-0 x1 at 0 measured 0.146907 threshold 0.1'],
  'saturation.nnet': ['saturated 7:3 h1 steps 9-9 x1 at 9 measured 0.639062 threshold 0.5'],
  'schedule-constant.nnet': ['update-ratio 23:3 - steps 0-0 x1 at 0 measured 1.42302 threshold 0.1'],
  'schedule-cosine.nnet': ['update-ratio 26:3 - steps 0-0 x1 at 0 measured 1.42302 threshold 0.1'],
  'single-neuron.nnet': ['update-ratio 17:3 - steps 0-0 x1 at 0 measured 0.236918 threshold 0.1'],
  'spiral.nnet': [],
  'worked-example.nnet': [],
  'xor.nnet': ['update-ratio 17:3 - steps 1920-1960 x2 at 1920,1960 measured 0.0000974733 threshold 0.0001'],
  'xor-numpy.nnet': [
    'update-ratio 21:3 - steps 9280-9960 x18 at 9280,9320,9360,9400,9440 measured 0.0000748859 threshold 0.0001',
  ],
  'zero-init.nnet': [
    'all-zero 7:3 h1 steps 0-0 x1 at 0 measured 0.00000 threshold 0',
    'symmetric-units 7:3 h1 steps 0-1199 x2 at 0,1199 measured 4.00000 threshold 2',
    'vanishing 7:3 h1 steps 669-1199 x4 at 669,974,1178,1199 measured 0.000220581 threshold 0.001',
    'vanishing 8:3 out steps 0-0 x1 at 0 measured 0.00000 threshold 1e-7',
    'loss-not-decreasing 9:1 - steps 19-169 x15 at 19,29,39,49,59 measured 0.997835 threshold 0.99',
    'update-ratio 16:3 - steps 0-0 x1 at 0 measured 0.00000 threshold 0.0001',
  ],
};

test('every example is pinned', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.nnet'));
  assert.deepEqual(files.sort(), Object.keys(PINNED).sort());
});

for (const [file, want] of Object.entries(PINNED))
  test(`${file}: every tally of every rule as pinned`, () => {
    const full = path.join(DIR, file);
    const text = readFileSync(full, 'utf8');
    const { spec } = parseNnet(text, { readFile: nodeReadFile(full, DIR) });
    assert.ok(spec, `${file} parses`);
    const got = diagnoseRun(spec, { source: text, thresholds: { persistence: 0 } }).findings.map(row);
    assert.deepEqual(got, want);
  });
