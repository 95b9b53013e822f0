// exploding and vanishing: each fires on a network built for it, on the right line, and not on its cure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../../language/parser';
import { Trainer } from '../../runtime/trainer';
import { Doctor } from '../doctor';
import { doctoredStep } from '../run';
import { findingsOf, lineOf, net } from '../testing';
import { exploding, vanishing } from './gradients';

const deep = (act: string, init: string, train: string) =>
  net(
    `  repeat 8\n    dense h 16 ${act} init=${init}\n  end\n  dense out 1`,
    `  epochs 5\n  batch 16\n${train}\n  seed 3`,
    { input: 1, loss: 'mse', data: 'generate sine n=64 noise=0.05 seed=2' },
  );

test('exploding: eight linear layers with std 0.4 and no clip, on the optimizer line', () => {
  const text = deep('identity', 'normal(0.4)', '  optimizer sgd lr=0.00003');
  const [f] = findingsOf(text, 'exploding');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'optimizer'));
  assert.ok(f.evidence.measured > 100, `measured ${f.evidence.measured}`);
  assert.equal(f.evidence.threshold, 100);
  assert.equal(f.firstStep, 0);
});

test('exploding: the same network with clip norm 1.0 (the fix) is silent; so is one with xavier init', () => {
  assert.deepEqual(
    findingsOf(deep('identity', 'normal(0.4)', '  optimizer sgd lr=0.001\n  clip norm 1.0'), 'exploding'),
    [],
  );
  assert.deepEqual(findingsOf(deep('identity', 'xavier', '  optimizer sgd lr=0.01'), 'exploding'), []);
});

const stack = (act: string, init: string) =>
  net(
    `  repeat 10\n    dense h 16 ${act} init=${init}\n  end\n  dense out 1 sigmoid`,
    '  epochs 20\n  batch 16\n  optimizer sgd lr=0.02\n  seed 1',
  );

test('vanishing: ten sigmoid layers, on the repeated layer line', () => {
  const text = stack('sigmoid', 'xavier');
  const [f] = findingsOf(text, 'vanishing');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h 16 sigmoid'));
  assert.equal(f.column, 4);
  assert.ok(f.count > 20 / 2, `held on ${f.count} steps`);
});

test('vanishing: the same depth with ReLU and He init is silent', () => {
  assert.deepEqual(findingsOf(stack('relu', 'he'), 'vanishing'), []);
});

test('vanishing: silent on a run that converged, whose gradients vanish because its loss does', () => {
  // Two tanh layers fit XOR until the loss is ~1e-8 (the output sigmoid's a − y): from step ~4200 on every layer's
  // mean |∇W| is below the floor, on more than half of the 24000 steps.
  const xor = (epochs: number) =>
    net(
      '  dense h1 8 tanh init=xavier\n  dense h2 8 tanh init=xavier\n  dense out 1 sigmoid',
      `  epochs ${epochs}\n  batch 16\n  optimizer adam lr=0.05\n  seed 1`,
    );
  assert.deepEqual(findingsOf(xor(6000), 'vanishing'), []);
  // The gradients are tiny all the same: with the loss check off (a factor of 0), the floor holds on every layer.
  const { spec } = parseNnet(xor(6000));
  assert.ok(spec);
  const t = new Trainer(spec),
    d = new Doctor(t, { rules: [vanishing(0)] });
  for (let ev = t.advance(); ev; ev = t.advance()) d.observe(ev);
  const off = d.findings();
  assert.deepEqual(
    off.map((f) => f.layer),
    ['h1', 'h2', 'out'],
  );
  assert.ok(off.every((f) => f.evidence.measured < 1e-7 && f.firstStep > 1000));
});

test('exploding and vanishing hit the steps a check of each step finds, batches passed over by their bounds or not', () => {
  const text = net(
    '  dense h1 6 tanh\n  dense h2 6 tanh\n  dense out 1',
    '  epochs 40\n  batch 4\n  optimizer sgd lr=0.05\n  seed 4',
    { input: 1, loss: 'mse', data: 'generate sine n=64 noise=0.05 seed=2' },
  );
  const { spec } = parseNnet(text);
  assert.ok(spec);
  // Each step's numbers, as the trainer leaves them.
  const steps: { loss: number; before: number; after: number; norm: number[]; mean: number[] }[] = [];
  const a = new Trainer(spec),
    weighted = a.model.nodes.flatMap((n, i) => (n.wSize ? [i] : []));
  while (a.advanceStep())
    steps.push({
      loss: a.loss,
      before: a.clip.normBefore,
      after: a.clip.normAfter,
      norm: weighted.map((i) => a.gradNorm[i]),
      mean: weighted.map((i) => a.meanAbsGrad[i]),
    });
  a.dispose();
  // Thresholds among the run's own numbers, which few steps cross: batches with hits, and batches their bounds pass over.
  const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.floor(q * xs.length)];
  const th = {
    explodingNorm: quantile(
      steps.map((s) => s.before),
      0.98,
    ),
    vanishingFloor: quantile(
      steps.flatMap((s) => s.mean),
      0.01,
    ),
    vanishingRatio: quantile(
      steps.map((s) => s.norm[0] / s.norm[2]),
      0.02,
    ),
  };
  const want: string[] = [];
  steps.forEach((s, k) => {
    if (s.before > th.explodingNorm && !(s.after <= th.explodingNorm)) want.push(`exploding ${k}`);
    if (s.loss <= 1e-4 * steps[0].loss) return;
    const below = s.norm[2] > 0 ? th.vanishingRatio * s.norm[2] : -Infinity;
    s.mean.forEach((m, j) => {
      if (m < th.vanishingFloor || (j < 2 && s.norm[j] < below)) want.push(`vanishing ${weighted[j]} ${k}`);
    });
  });
  const got: string[] = [];
  const b = new Trainer(spec),
    d = new Doctor(b, {
      thresholds: th,
      rules: [exploding(), vanishing()],
      deferred: true,
      batchSteps: 32,
      onHit: (rule, h) =>
        got.push(h.anchor.kind === 'layer' ? `${rule} ${h.anchor.node} ${h.step}` : `${rule} ${h.step}`),
    });
  while (doctoredStep(d));
  d.findings();
  b.dispose();
  assert.equal(steps.length, 640);
  // Both kinds of batch (32 steps): some with hits of both rules, and some with none.
  const batches = new Set(want.map((w) => Math.floor(Number(w.split(' ').at(-1)) / 32)));
  assert.ok(want.some((w) => w.startsWith('exploding')) && want.some((w) => w.startsWith('vanishing')));
  assert.ok(batches.size >= 3 && batches.size <= 17, `${batches.size} of 20 batches hit`);
  assert.deepEqual(got.sort(), want.sort());
});
