// The .nnet parser and checker: the examples parse clean; every kind of mistake gets a precise range.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { parseNnet } from './parser';

const examples = path.join(__dirname, '..', '..', 'examples');

test('every example parses with no diagnostics', () => {
  for (const f of fs.readdirSync(examples).filter((f) => f.endsWith('.nnet'))) {
    const r = parseNnet(fs.readFileSync(path.join(examples, f), 'utf8'), {
      readFile: nodeReadFile(path.join(examples, f)),
    });
    assert.deepEqual(r.diagnostics, [], f);
    assert.ok(r.spec, f);
  }
});

test('xor: layers, lines, settings', () => {
  const { spec } = parseNnet(fs.readFileSync(path.join(examples, 'xor.nnet'), 'utf8'));
  assert.ok(spec);
  assert.deepEqual(
    spec.layers.map((l) => l.kind === 'dense' && [l.name, l.units, l.activation, l.range.line]),
    [
      ['h1', 4, 'tanh', 3],
      ['out', 1, 'sigmoid', 4],
    ],
  );
  assert.equal(spec.loss, 'bce');
  assert.equal(spec.data.x.length, 4);
  assert.deepEqual(spec.train.optimizer, {
    kind: 'adam',
    lr: 0.05,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
  });
  assert.deepEqual(spec.train.clip, { kind: 'norm', max: 1 });
  assert.equal(spec.train.seed, 7);
});

const base = (body: string) => `network n\n  input 2\n${body}\nloss mse\ndata\n  0 1 -> 1\n`;

test('an unknown activation is reported on exactly its token', () => {
  const r = parseNnet(base('  dense h1 4 tanhh'));
  assert.equal(r.spec, null);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.range.line, d.range.col, d.range.endCol, d.severity]),
    [[2, 13, 18, 'error']],
  );
  assert.match(r.diagnostics[0].message, /unknown activation 'tanhh'/);
});

test('an absurd width is refused with the limit', () => {
  const r = parseNnet(base('  dense h1 100000000 relu\n  dense out 1'));
  assert.match(r.diagnostics[0].message, /larger than the limit/);
  assert.equal(r.diagnostics[0].range.line, 2);
});

test('a malformed input line is reported there, not also as a missing one', () => {
  for (const input of ['input 0', 'input', 'input two', 'input 100000000']) {
    const r = parseNnet(`network n\n  ${input}\n  dense out 1\nloss mse\ndata\n  0 0 -> 0\n`);
    const messages = r.diagnostics.map((d) => `${d.range.line}: ${d.message}`);
    assert.equal(messages.length, 1, `${input}:\n${messages.join('\n')}`);
    assert.match(messages[0], /^1: (expected the input width|input width \d+ is larger)/);
  }
  const none = parseNnet('network n\n  dense out 1\nloss mse\ndata\n  0 0 -> 0\n');
  assert.deepEqual(
    none.diagnostics.map((d) => `${d.range.line}: ${d.message}`),
    ["0: the network needs an 'input N' line"],
  );
});

test('too many parameters in total is refused with the count', () => {
  const r = parseNnet(base('  dense a 8000 relu\n  dense b 8000 relu\n  dense c 1'));
  assert.ok(
    r.diagnostics.some((d) => /64,0\d\d,\d\d\d parameters, more than the limit/.test(d.message)),
    JSON.stringify(r.diagnostics),
  );
});

test('data rows must fit the input and output widths, and be finite numbers', () => {
  const r = parseNnet('network n\n  input 2\n  dense out 1\nloss mse\ndata\n  0 1 2 -> 1\n  0 x -> 1\n  0 NaN -> 1\n');
  assert.deepEqual(
    r.diagnostics.map((d) => d.range.line),
    [5, 6, 7],
  );
  assert.match(r.diagnostics[0].message, /3 input value\(s\) but the network's input is 2 wide/);
  assert.match(r.diagnostics[1].message, /'x' is not a finite number/);
  assert.match(r.diagnostics[2].message, /'NaN' is not a finite number/);
});

test('a word where a layer name goes that is not a name says what a name is, once', () => {
  for (const [layer, col] of [
    ['dense h-1 3 relu', 8],
    ['dense héllo 3', 8],
    ['batchnorm b.n', 12],
  ] as const) {
    const r = parseNnet(`network n\n  input 2\n  ${layer}\n  dense out 1\nloss mse\ndata\n  0 1 -> 1\n`);
    const name = layer.split(' ')[1];
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.range.line, d.range.col, d.message]),
      [[2, col, `'${name}' is not a valid layer name: a name is a letter or _ followed by letters, digits or _`]],
    );
  }
});

test('a data value beyond float32 is an error on its token, not a NaN loss at step 1', () => {
  const r = parseNnet(
    'network n\n  input 2\n  dense out 1\nloss mse\ndata\n  0 1e39 -> 1\n  3.4e38 0 -> -1e39\n  1 2 -> 3\n',
  );
  assert.deepEqual(
    r.diagnostics.map((d) => [d.range.line, d.range.col, d.message]),
    [
      [5, 4, "'1e39' is beyond the float32 range of samples (|x| ≤ 3.4e38)"],
      [6, 14, "'-1e39' is beyond the float32 range of samples (|x| ≤ 3.4e38)"],
    ],
  );
});

test('bce on a non-sigmoid output is an error on the output layer', () => {
  const r = parseNnet('network n\n  input 2\n  dense out 1 relu\nloss bce\ndata\n  0 1 -> 1\n');
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].range.line, 2);
  assert.match(r.diagnostics[0].message, /sigmoid/);
});

test('missing sections, duplicates and unknown settings are all reported (error recovery)', () => {
  const r = parseNnet(
    'network n\n  input 2\n  dense h 2\n  dense h 1\ntrain\n  epochs 0\n  speed 3\n  optimizer adam lr=x\n',
  );
  const messages = r.diagnostics.map((d) => `${d.range.line}: ${d.message}`);
  assert.ok(
    messages.some((m) => m.startsWith("3: a layer named 'h' already exists on line 3")),
    messages.join('\n'),
  );
  assert.ok(
    messages.some((m) => m.startsWith('5: expected the number of epochs')),
    messages.join('\n'),
  );
  assert.ok(
    messages.some((m) => m.startsWith("6: unknown training setting 'speed'")),
    messages.join('\n'),
  );
  assert.ok(
    messages.some((m) => m.startsWith('7: invalid value for lr')),
    messages.join('\n'),
  );
  assert.ok(messages.some((m) => /missing 'loss'/.test(m)));
  assert.ok(messages.some((m) => /missing 'data'/.test(m)));
});

test('never throws on arbitrary input', () => {
  const samples = [
    '',
    '\n\n',
    '->',
    'network',
    'data\n -> ->',
    'dense 1 2 3',
    '\u0000\uffff',
    'network a\n input 99999999999999999999',
  ];
  let seed = 1;
  for (let i = 0; i < 300; i++) {
    let s = '';
    for (let j = 0; j < 60; j++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      s += 'nid0 1->=#.\n-eatr'[seed % 18];
    }
    samples.push(s);
  }
  for (const s of samples) assert.doesNotThrow(() => parseNnet(s), JSON.stringify(s));
});

const net = (layers: string, loss = 'mse', data = '  0 1 -> 1', train = '') =>
  `network n\n  input 2\n${layers}\nloss ${loss}\ndata\n${data}\n${train ? `train\n${train}\n` : ''}`;
const errors = (text: string) =>
  parseNnet(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.range.line + 1}: ${d.message}`);

test('repeat expands its body with _1.._N names on the same line; residual blocks nest inside', () => {
  const { spec, diagnostics } = parseNnet(
    net('  repeat 3\n    residual r\n      dense h 2 relu\n    end\n  end\n  dense out 1'),
  );
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    spec!.layers.map((l) => [l.kind, l.name, l.range.line]),
    [
      ['residual', 'r_1', 3],
      ['residual', 'r_2', 3],
      ['residual', 'r_3', 3],
      ['dense', 'out', 7],
    ],
  );
  const r = spec!.layers[0];
  assert.ok(r.kind === 'residual');
  assert.deepEqual(
    r.body.map((l) => l.name),
    ['h_1'],
  );
  assert.equal(r.endRange.line, 5);
});

test('every layer statement and option parses', () => {
  const { spec, diagnostics } = parseNnet(
    net(
      '  dense h 8 leaky_relu slope=0.2 init=he_uniform bias_init=constant(0.1)\n  batchnorm bn momentum=0.2 eps=1e-3\n  activation act gelu\n  dropout d 0.25\n  dense out 3 softmax init=normal(0.02)',
      'cross_entropy',
      '  0 1 -> 2\n  1 0 -> 0 1 0',
      '  epochs 5\n  batch 1\n  accumulate 2\n  optimizer adamw lr=0.003 weight_decay=0.05 beta2=0.99\n  schedule cosine min_lr=1e-5\n  warmup 3\n  clip value 0.5\n  seed 9\n  validation 0.5\n  shuffle off',
    ),
  );
  // The one warning: batch norm on batches of a single sample passes no gradient back.
  assert.deepEqual(
    diagnostics.map((d) => [d.severity, d.range.line + 1]),
    [['warning', 14]],
  );
  assert.match(diagnostics[0].message, /batch norm sees a batch of 1 sample/);
  const [h, bn, act, d, out] = spec!.layers;
  assert.deepEqual(h, {
    kind: 'dense',
    name: 'h',
    range: h.range,
    units: 8,
    activation: 'leaky_relu',
    slope: 0.2,
    init: { kind: 'he_uniform' },
    biasInit: { kind: 'constant', value: 0.1 },
  });
  assert.deepEqual([bn.kind, act.kind, d.kind, out.kind], ['batchnorm', 'activation', 'dropout', 'dense']);
  assert.ok(bn.kind === 'batchnorm' && bn.momentum === 0.2 && bn.eps === 1e-3);
  assert.ok(d.kind === 'dropout' && d.p === 0.25);
  assert.deepEqual(
    spec!.data.y,
    [
      [0, 0, 1],
      [0, 1, 0],
    ],
    'class index 2 became one-hot',
  );
  const t = spec!.train;
  assert.deepEqual(t.optimizer, { kind: 'adamw', lr: 0.003, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.05 });
  assert.deepEqual(t.schedule, { schedule: { kind: 'cosine', minLr: 1e-5 }, warmupSteps: 3 });
  assert.deepEqual(t.clip, { kind: 'value', max: 0.5 });
  assert.deepEqual([t.accumulate, t.validation, t.shuffle, t.seed, t.epochs, t.batch], [2, 0.5, false, 9, 5, 1]);
});

test('blocks: unclosed, empty, and a stray end are reported on their lines', () => {
  assert.deepEqual(errors(net('  residual r\n    dense h 2\n  dense out 1')), [
    "3: 'residual' block is never closed: add a line 'end' after its layers",
  ]);
  assert.deepEqual(errors(net('  repeat 2\n  end\n  dense out 1')), ["3: the 'repeat' block has no layers"]);
  assert.deepEqual(errors(net('  dense out 1\n  end')), ["4: 'end' without a 'residual' or 'repeat' block to close"]);
  assert.match(
    errors(net('  repeat 0\n    dense h 2\n  end\n  dense out 1'))[0],
    /^3: expected how many times to repeat/,
  );
});

test('loss and output must fit: cross_entropy needs softmax (fused δ = (a − y)/B), softmax then bce is refused', () => {
  assert.match(
    errors(net('  dense out 3 relu', 'cross_entropy', '  0 1 -> 1'))[0],
    /^3: cross_entropy is fused with a softmax output so that δ = \(a − y\)\/B/,
  );
  assert.match(errors(net('  dense out 2 softmax', 'bce', '  0 1 -> 1 0'))[0], /^3: softmax followed by bce/);
  assert.match(
    errors(net('  dense out 3 softmax', 'cross_entropy', '  0 1 -> 3'))[0],
    /^6: class label 3 is not an integer from 0 to 2/,
  );
});

test('initialisers, optimizer parameters and schedules report bad values precisely', () => {
  assert.match(errors(net('  dense out 1 init=glorious'))[0], /^3: unknown initialiser 'glorious'/);
  assert.match(errors(net('  dense out 1 init=uniform(1,0)'))[0], /^3: write uniform\(LOW,HIGH\) with LOW < HIGH/);
  assert.match(
    errors(net('  dense out 1', 'mse', '  0 1 -> 1', '  optimizer momentum lr=0.1 beta1=0.9'))[0],
    /^8: unknown momentum parameter 'beta1'/,
  );
  assert.match(
    errors(net('  dense out 1', 'mse', '  0 1 -> 1', '  schedule step gamma=0.5'))[0],
    /^8: write 'schedule step every=N gamma=G'/,
  );
  assert.match(
    errors(net('  dense out 1', 'mse', '  0 1 -> 1', '  clip sideways 1'))[0],
    /^8: expected 'clip norm MAX' or 'clip value MAX'/,
  );
});
