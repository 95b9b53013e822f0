// Seed 001's worked example, written with explicit weights: the debugger's numbers are the seed's, to 1e-6; and
// weights written for the wrong shape are precise errors on the line.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeTensors } from '../runtime/snapshot';
import { Trainer } from '../runtime/trainer';
import { parseNnet } from './parser';

const source = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'worked-example.nnet'), 'utf8');

const close = (actual: ArrayLike<number>, expected: readonly number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-6, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
};

test('worked-example.nnet reproduces the seed: z1 = [0.7, 1.0], ŷ = 0.95, L = 0.00125, δ2 = −0.05 and every gradient', () => {
  const { spec, diagnostics } = parseNnet(source);
  assert.deepEqual(diagnostics, []);
  const t = new Trainer(spec!);
  const perStep = 2 * t.model.nodes.length + 1; // forward per node, the loss, backward per node
  for (let i = 0; i < perStep; i++) assert.ok(t.advance());
  const h1 = nodeTensors(t, 0),
    out = nodeTensors(t, 1);
  close(h1.W!.values, [0.1, 0.3, 0.2, 0.4], 'W1');
  close(h1.z!.values, [0.7, 1.0], 'z1');
  close(h1.a!.values, [0.7, 1.0], 'a1');
  close(out.a!.values, [0.95], 'ŷ');
  assert.ok(Math.abs(t.loss - 0.00125) <= 1e-6, `L = ${t.loss}`);
  close(out.delta!.values, [-0.05], 'δ2');
  close(out.gradW!.values, [-0.035, -0.05], '∂L/∂W2');
  close(out.gradb!.values, [-0.05], '∂L/∂b2');
  close(h1.delta!.values, [-0.025, -0.03], 'δ1');
  close(h1.gradW!.values, [-0.025, -0.05, -0.03, -0.06], '∂L/∂W1');
  close(h1.gradb!.values, [-0.025, -0.03], '∂L/∂b1');
  // The SGD update, θ ← θ − 0.1·∂L/∂θ.
  while (t.step < 1 && t.advance());
  close(nodeTensors(t, 1).W!.values, [0.5035, 0.605], 'W2 after one step');
  close(nodeTensors(t, 0).W!.values, [0.1025, 0.305, 0.203, 0.406], 'W1 after one step');
});

test('weights written for another shape are errors at the option, naming both shapes', () => {
  const errors = (text: string) => parseNnet(text).diagnostics.map((d) => `${d.range.line + 1}: ${d.message}`);
  const rows = source.replace('W=[[0.1,0.3],[0.2,0.4]]', 'W=[[0.1,0.3]]');
  assert.deepEqual(errors(rows), ['8: W has 1 row but the layer has 2 units: one row per unit, [2 × inputs]']);
  const cols = source.replace('W=[[0.5,0.6]]', 'W=[[0.5,0.6,0.7]]');
  assert.deepEqual(errors(cols), ["9: W has 3 columns but the layer's input is 2 wide: one column per input, [1 × 2]"]);
  assert.deepEqual(errors(source.replace('b=[0,0]', 'b=[0]')), [
    '8: b has 1 value but the layer has 2 units: one per unit',
  ]);
  assert.match(errors(source.replace('b=[0,0]', 'b=[0,NaN]'))[0], /^8: b=…: write numbers in brackets/);
  assert.match(
    errors(source.replace('W=[[0.5,0.6]]', 'W=[[0.5],[0.6,1]]'))[0],
    /^9: W=…: row 2 has 2 values, row 1 has 1/,
  );
});

test('an initialiser and written values for the same tensor are refused together', () => {
  const both = parseNnet(source.replace('b=[0,0]', 'b=[0,0] bias_init=zeros')).diagnostics.map((d) => d.message);
  assert.deepEqual(both, ["write either b=… or bias_init=…, not both: they both set the layer's starting values"]);
});
