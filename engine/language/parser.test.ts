// The .nnet parser and checker: the examples parse clean; every kind of mistake gets a precise range.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from './parser';

const examples = path.join(__dirname, '..', '..', 'examples');

test('every example parses with no diagnostics', () => {
  for (const f of fs.readdirSync(examples).filter((f) => f.endsWith('.nnet'))) {
    const r = parseNnet(fs.readFileSync(path.join(examples, f), 'utf8'));
    assert.deepEqual(r.diagnostics, [], f);
    assert.ok(r.spec, f);
  }
});

test('xor: layers, lines, settings', () => {
  const { spec } = parseNnet(fs.readFileSync(path.join(examples, 'xor.nnet'), 'utf8'));
  assert.ok(spec);
  assert.deepEqual(spec.layers.map((l) => l.kind === 'dense' && [l.name, l.units, l.activation, l.range.line]), [['h1', 4, 'tanh', 3], ['out', 1, 'sigmoid', 4]]);
  assert.equal(spec.loss, 'bce');
  assert.equal(spec.data.x.length, 4);
  assert.deepEqual(spec.train.optimizer, { kind: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  assert.deepEqual(spec.train.clip, { kind: 'norm', max: 1 });
  assert.equal(spec.train.seed, 7);
});

const base = (body: string) => `network n\n  input 2\n${body}\nloss mse\ndata\n  0 1 -> 1\n`;

test('an unknown activation is reported on exactly its token', () => {
  const r = parseNnet(base('  dense h1 4 tanhh'));
  assert.equal(r.spec, null);
  assert.deepEqual(r.diagnostics.map((d) => [d.range.line, d.range.col, d.range.endCol, d.severity]), [[2, 13, 18, 'error']]);
  assert.match(r.diagnostics[0].message, /unknown activation 'tanhh'/);
});

test('an absurd width is refused with the limit', () => {
  const r = parseNnet(base('  dense h1 100000000 relu\n  dense out 1'));
  assert.match(r.diagnostics[0].message, /larger than the limit/);
  assert.equal(r.diagnostics[0].range.line, 2);
});

test('too many parameters in total is refused with the count', () => {
  const r = parseNnet(base('  dense a 8000 relu\n  dense b 8000 relu\n  dense c 1'));
  assert.ok(r.diagnostics.some((d) => /64,0\d\d,\d\d\d parameters, more than the limit/.test(d.message)), JSON.stringify(r.diagnostics));
});

test('data rows must fit the input and output widths, and be finite numbers', () => {
  const r = parseNnet('network n\n  input 2\n  dense out 1\nloss mse\ndata\n  0 1 2 -> 1\n  0 x -> 1\n  0 NaN -> 1\n');
  assert.deepEqual(r.diagnostics.map((d) => d.range.line), [5, 6, 7]);
  assert.match(r.diagnostics[0].message, /3 input value\(s\) but the network's input is 2 wide/);
  assert.match(r.diagnostics[1].message, /'x' is not a finite number/);
  assert.match(r.diagnostics[2].message, /'NaN' is not a finite number/);
});

test('bce on a non-sigmoid output is an error on the output layer', () => {
  const r = parseNnet('network n\n  input 2\n  dense out 1 relu\nloss bce\ndata\n  0 1 -> 1\n');
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].range.line, 2);
  assert.match(r.diagnostics[0].message, /sigmoid/);
});

test('missing sections, duplicates and unknown settings are all reported (error recovery)', () => {
  const r = parseNnet('network n\n  input 2\n  dense h 2\n  dense h 1\ntrain\n  epochs 0\n  speed 3\n  optimizer adam lr=x\n');
  const messages = r.diagnostics.map((d) => `${d.range.line}: ${d.message}`);
  assert.ok(messages.some((m) => m.startsWith("3: a layer named 'h' already exists on line 3")), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('5: expected the number of epochs')), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith("6: unknown training setting 'speed'")), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('7: invalid value for lr')), messages.join('\n'));
  assert.ok(messages.some((m) => /missing 'loss'/.test(m)));
  assert.ok(messages.some((m) => /missing 'data'/.test(m)));
});

test('never throws on arbitrary input', () => {
  const samples = ['', '\n\n', '->', 'network', 'data\n -> ->', 'dense 1 2 3', '\u0000\uffff', 'network a\n input 99999999999999999999'];
  let seed = 1;
  for (let i = 0; i < 300; i++) {
    let s = '';
    for (let j = 0; j < 60; j++) { seed = (seed * 1103515245 + 12345) >>> 0; s += 'nid0 1->=#.\n-eatr'[seed % 18]; }
    samples.push(s);
  }
  for (const s of samples) assert.doesNotThrow(() => parseNnet(s), JSON.stringify(s));
});
