// The gradient check of one paused layer: every gradient of the shipped examples' layers agrees with float64
// central differences (at a smaller step where h's truncation error is large), a dense backward broken by 1% is
// flagged, and the trainer is left exactly as it was.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { nodeOps } from '../nn/layers';
import { checkTrainerLayer, formatLayerCheck, GRADCHECK_TOLERANCE } from './layerGradcheck';
import { Trainer } from './trainer';

const examples = path.resolve(__dirname, '..', '..', 'examples');
const trainerOf = (file: string) => new Trainer(parseNnet(fs.readFileSync(path.join(examples, file), 'utf8')).spec!);

for (const file of ['xor.nnet', 'residual.nnet', 'batchnorm.nnet', 'layernorm.nnet', 'dropout.nnet']) {
  test(`${file}: W, b and δ of every node agree with central differences at a backward pause`, () => {
    const t = trainerOf(file);
    // Into the second step, so the parameters are no longer the initial ones, and up to its clip event.
    while (!(t.step === 1 && t.peek()?.phase === 'clip')) t.advance();
    let checked = 0;
    for (let i = 0; i < t.model.nodes.length; i++) {
      for (const c of checkTrainerLayer(t, i)) {
        assert.ok(c.maxRelError <= GRADCHECK_TOLERANCE, `${file} ${c.path}: ${c.maxRelError}`);
        assert.ok(c.ok && c.checked > 0);
        checked++;
      }
    }
    assert.ok(checked >= t.model.nodes.length, `${checked} tensors checked`);
  });
}

test("batch norm over a batch whose unit barely varies: δ's finite difference converges at a smaller step", () => {
  // At h = 1e-4 alone, h_1's δ at step 1 differs from the five-point difference by 2e-5 (its error shrinks as h⁴:
  // 1.3e-6 at h/2, 8e-8 at h/4), which called a right gradient WRONG. Entries are measured again at h/2 and h/4.
  for (const steps of [1, 3]) {
    const t = trainerOf('deep-sigmoid-batchnorm.nnet');
    while (t.step < steps && t.advance());
    t.advance();
    const delta = checkTrainerLayer(t, 0).find((c) => c.key === 'delta')!;
    assert.ok(delta.ok, `step ${steps}: h_1.delta max rel error ${delta.maxRelError}`);
    assert.ok(delta.maxRelError < 1e-7, `step ${steps}: ${delta.maxRelError}`);
  }
});

test('a dense backward whose parameter gradients are 1% too large is flagged; its δ is still right', (t) => {
  const ops = nodeOps('dense'),
    backward = ops.backward;
  ops.backward = (m, i, B, fused) => {
    backward(m, i, B, fused);
    const n = m.nodes[i];
    if (n.name !== 'h1') return;
    for (let k = n.wOff; k < n.bOff + n.outWidth; k++) m.grads[k] *= 1.01;
  };
  t.after(() => (ops.backward = backward));
  const tr = trainerOf('xor.nnet');
  while (tr.peek()?.phase !== 'clip') tr.advance();
  const checks = checkTrainerLayer(tr, 0);
  const by = Object.fromEntries(checks.map((c) => [c.key, c]));
  assert.ok(!by.gradW.ok && by.gradW.maxRelError > 1e-3, `W: ${by.gradW.maxRelError}`);
  assert.ok(!by.gradb.ok && by.gradb.maxRelError > 1e-3, `b: ${by.gradb.maxRelError}`);
  assert.ok(by.delta.ok, `δ: ${by.delta.maxRelError}`);
  assert.match(formatLayerCheck('h1', checks, 1), /2 of 3 gradients disagree[^]*h1\.W\.grad .* WRONG \(entry/);
  // The layer above is untouched by the break.
  assert.ok(checkTrainerLayer(tr, 1).every((c) => c.ok));
});

test('checking reads the trainer only: the run continues with bit-identical numbers', () => {
  const a = trainerOf('batchnorm.nnet'),
    b = trainerOf('batchnorm.nnet');
  const both = () => {
    a.advance();
    b.advance();
  };
  for (let k = 0; k < 7; k++) both();
  for (let i = 0; i < a.model.nodes.length; i++) checkTrainerLayer(a, i);
  while (a.step < 3) both();
  assert.deepEqual(a.model.params, b.model.params);
  assert.equal(a.loss, b.loss);
});

test('a work budget caps the entries checked per tensor (never below 2), and the report says how many', () => {
  const t = trainerOf('xor.nnet');
  while (t.peek()?.phase !== 'clip') t.advance();
  const full = checkTrainerLayer(t, 0),
    capped = checkTrainerLayer(t, 0, { maxWork: 1 });
  assert.deepEqual(
    full.map((c) => [c.checked, c.total]),
    [
      [8, 8],
      [4, 4],
      [16, 16],
    ],
  );
  assert.deepEqual(
    capped.map((c) => c.checked),
    [2, 2, 2],
  );
  assert.ok(capped.every((c) => c.ok));
  assert.match(formatLayerCheck('h1', capped, 1), /h1\.W\.grad +max rel error .* \(2 of 8 entries\) +ok/);
});
