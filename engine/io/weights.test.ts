// `weights "FILE.npz"`: files numpy writes at test time start training from their arrays (the first step's
// gradients equal those of the same network with the same values set directly), and each bad file is one clear
// error on the weights line: a missing or extra array, a wrong shape, NaN, ±Inf, float32 overflow, a truncated
// payload, a pickled array, a path outside the folder.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { nodeTensors } from '../runtime/snapshot';
import { Trainer } from '../runtime/trainer';
import { pythonForTests, runPython } from '../../test/python';
import { readNpz } from './npzRead';
import { nodeReadWeights } from './weightsFile';

const py = pythonForTests();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-weights-'));

const NET = (file: string) => `network t
  input 3
  dense h1 4 tanh
  residual r
    dense h2 5 relu
  end
  batchnorm bn
  dense out 2 softmax
loss cross_entropy

data
  0.1 0.2 0.3 -> 1 0
  -0.5 0.4 1.0 -> 0 1
  0.9 -0.7 0.2 -> 1 0
  0.0 0.3 -0.8 -> 0 1

train
  epochs 1
  optimizer adam lr=0.01
  weights "${file}"
`;
const WEIGHTS_LINE = 19;

if (!py.skip) {
  runPython(
    py.python,
    `
import numpy as np
g = np.random.default_rng(5)
good = {
  'h1.W': g.normal(size=(4, 3)).astype(np.float32), 'h1.b': g.normal(size=4),
  'h2.W': g.normal(size=(5, 4)).astype(np.float32), 'h2.b': g.normal(size=5).astype(np.float32),
  'r.W': g.normal(size=(5, 4)), 'r.b': g.normal(size=5),
  'bn.W': 1 + 0.1 * g.normal(size=5), 'bn.b': 0.1 * g.normal(size=5),
  'bn.running_mean': g.normal(size=5), 'bn.running_var': 1 + g.random(5),
  'out.W': g.normal(size=(2, 5)).astype(np.float32), 'out.b': np.float32([0.5, -0.5]),
}
np.savez('good.npz', **good)
np.savez_compressed('packed.npz', **good)
def bad(name, **change):
  d = dict(good)
  for k, v in change.items():
    k = k.replace('__', '.')
    if v is None: del d[k]
    else: d[k] = v
  np.savez(name, **d)
bad('missing.npz', out__b=None)
bad('nostats.npz', bn__running_mean=None, bn__running_var=None)
bad('extra.npz', ghost__W=np.ones((2, 2)), h1__gamma=np.ones(4))
bad('shape.npz', h1__W=good['h1.W'].T.copy())
nan = good['h2.W'].copy(); nan[1, 2] = np.nan
bad('nan.npz', h2__W=nan)
inf = good['out.b'].copy(); inf[1] = -np.inf
bad('inf.npz', out__b=inf)
bad('overflow.npz', r__b=np.array([0, 0, 1e300, 0, 0]))
np.savez('pickled.npz', **{**good, 'h1.W': np.array([{'x': 1}], dtype=object)}, allow_pickle=True)
np.savez_compressed('bomb.npz', **{**good, 'pad': np.zeros((64, 1024, 1024), dtype=np.uint8)})
open('truncated.npz', 'wb').write(open('good.npz', 'rb').read()[:-400])
`,
    dir,
  );
}

const parse = (file: string) => {
  const nnet = path.join(dir, 'net.nnet');
  return parseNnet(NET(file), { readWeights: nodeReadWeights(nnet, dir) });
};

test(
  'a file written by numpy starts training: inspect shows its W, the first gradients match values set directly',
  { skip: py.skip },
  () => {
    const r = parse('good.npz');
    assert.deepEqual(r.diagnostics, []);
    const loaded = new Trainer(r.spec!);
    const read = readNpz(fs.readFileSync(path.join(dir, 'good.npz')));
    if ('error' in read) assert.fail(read.error);
    const arrays = read.arrays;
    const f32 = (k: string) => [...Float32Array.from(arrays.get(k)!.data)];
    // What `nnet inspect` shows for each layer is the file's array, reshaped [out, in].
    loaded.model.nodes.forEach((n, i) => {
      const s = nodeTensors(loaded, i);
      if (!s.W || n.kind === 'residual_begin') return;
      assert.deepEqual([...s.W.values], f32(`${n.name}.W`), n.name);
      assert.deepEqual([...s.b!.values], f32(`${n.name}.b`), n.name);
    });
    const bn = loaded.model.nodes.findIndex((n) => n.name === 'bn');
    assert.deepEqual([...loaded.model.carriedState(bn)![1]], f32('bn.running_var'));

    // The same network without the line, its parameters written by hand node by node.
    const plain = parseNnet(NET('good.npz').replace(/ {2}weights .*\n/, '')).spec!;
    const direct = new Trainer(plain);
    assert.notDeepEqual([...direct.model.params], [...loaded.model.params]);
    for (const n of direct.model.nodes) {
      if (n.wSize === 0) continue;
      direct.model.params.set(f32(`${n.name}.W`), n.wOff);
      direct.model.params.set(f32(`${n.name}.b`), n.bOff);
    }
    direct.model.carriedState(bn)![0].set(f32('bn.running_mean'));
    direct.model.carriedState(bn)![1].set(f32('bn.running_var'));
    for (const t of [loaded, direct]) for (let i = 0; i < 2 * t.model.nodes.length + 1; i++) t.advance();
    assert.equal(loaded.peek()?.phase, 'clip');
    assert.ok(loaded.model.grads.some((g) => g !== 0));
    assert.deepEqual([...loaded.model.grads], [...direct.model.grads]);
    assert.equal(loaded.loss, direct.loss);
    // And the whole first epoch stays identical (dropout and shuffling draw as without the file).
    while (loaded.advance());
    while (direct.advance());
    assert.deepEqual([...loaded.model.params], [...direct.model.params]);
  },
);

test('np.savez_compressed loads the same values as np.savez', { skip: py.skip }, () => {
  const a = new Trainer(parse('good.npz').spec!),
    b = new Trainer(parse('packed.npz').spec!);
  assert.deepEqual([...a.model.params], [...b.model.params]);
});

test('each bad file is an error on the weights path naming the array and the problem', { skip: py.skip }, () => {
  const col = NET('x').split('\n')[WEIGHTS_LINE].indexOf('"');
  const problems = (file: string, severity = 'error') => {
    const r = parse(file);
    const ds = r.diagnostics.filter((d) => d.severity === severity);
    for (const d of ds)
      assert.deepEqual(d.range, { line: WEIGHTS_LINE, col, endCol: col + file.length + 2 }, d.message);
    if (severity === 'error') assert.equal(r.spec, null, file);
    return ds.map((d) => d.message);
  };
  assert.deepEqual(problems('missing.npz'), ["'missing.npz' has no 'out.b' [2]"]);
  assert.deepEqual(problems('extra.npz'), [
    "'extra.npz' holds 'ghost.W', but the network has no layer 'ghost' with parameters",
    "'extra.npz' holds 'h1.gamma', which layer 'h1' does not have (it has W, b)",
  ]);
  assert.deepEqual(problems('shape.npz'), ["'h1.W' in 'shape.npz' has shape [3, 4]; the network's is [4, 3]"]);
  assert.deepEqual(problems('nan.npz'), ["'h2.W' in 'nan.npz' holds NaN at [1, 2]; weights must be finite"]);
  assert.deepEqual(problems('inf.npz'), ["'out.b' in 'inf.npz' holds -Infinity at [1]; weights must be finite"]);
  assert.deepEqual(problems('overflow.npz'), [
    "'r.b' in 'overflow.npz' holds 1e+300, too large for float32 at [2]; weights must be finite",
  ]);
  // 64 MiB of zeros deflate to 64 KiB: refused from the directory, before inflating, by what the network could use.
  assert.ok(fs.statSync(path.join(dir, 'bomb.npz')).size < 200_000);
  assert.match(
    problems('bomb.npz')[0],
    /^'bomb\.npz' holds more than 1\.\d MiB of arrays once inflated, more than this network can use$/,
  );
  assert.match(problems('truncated.npz')[0], /^'truncated\.npz' is not a complete \.npz \(zip\) file/);
  assert.match(problems('pickled.npz')[0], /^'pickled\.npz': 'h1\.W\.npy' holds Python objects .*never unpickles/);
  assert.deepEqual(problems('absent.npz'), [`file not found: 'absent.npz' (looked in ${dir})`]);
  assert.deepEqual(problems('../outside.npz'), [
    `'../outside.npz' is outside the .nnet file's folder; data files must be inside it`,
  ]);
  // Running statistics may be absent: a warning, and the file still loads.
  assert.deepEqual(problems('nostats.npz', 'warning'), [
    "'nostats.npz' has no 'bn.running_mean', 'bn.running_var': running statistics start at mean 0, variance 1",
  ]);
  assert.ok(parse('nostats.npz').spec?.weights);
});

test('the weights line itself: a path, relative, an .npz, once', () => {
  const msgs = (line: string) =>
    parseNnet(NET('x.npz').replace(/ {2}weights .*\n/, `  ${line}\n`), { readWeights: () => ({ error: 'unused' }) })
      .diagnostics.filter((d) => d.range.line === WEIGHTS_LINE)
      .map((d) => d.message);
  assert.deepEqual(msgs('weights'), ['expected the file after \'weights\', e.g. weights "trained.npz"']);
  assert.deepEqual(msgs('weights "w.pt"'), ["weights are read from numpy .npz files (np.savez), not 'w.pt'"]);
  assert.deepEqual(msgs('weights "/abs/w.npz"'), [
    `'/abs/w.npz' must be a path relative to the .nnet file, e.g. "trained.npz"`,
  ]);
  assert.deepEqual(msgs('weights "w.npz" now'), ['unused', "unexpected 'now'"]);
  const twice = parseNnet(NET('w.npz') + '  weights "v.npz"\n', { readWeights: () => ({ error: 'unused' }) });
  assert.ok(twice.diagnostics.some((d) => d.message === `'weights' is already given on line ${WEIGHTS_LINE + 1}`));
  const noReader = parseNnet(NET('w.npz')).diagnostics.map((d) => d.message);
  assert.deepEqual(noReader, ["cannot read 'w.npz' here: no file reader was supplied to the parser"]);
});

test('an init=, bias_init=, W= or b= on a layer the file replaces is an unused-text warning on that option', () => {
  const src = `network t
  input 2
  dense h1 3 tanh init=he bias_init=constant(0.1)
  dense out 1 sigmoid W=[[1,2,3]]
loss mse
data
  0 1 -> 1
train
  epochs 1
  weights "w.npz"
`;
  const f32 = (shape: number[], v = 0.5) => ({
    shape,
    dtype: 'float32' as const,
    data: new Float32Array(shape.reduce((a, d) => a * d, 1)).fill(v),
  });
  const arrays = new Map([
    ['h1.W', f32([3, 2])],
    ['h1.b', f32([3])],
    ['out.W', f32([1, 3])],
    ['out.b', f32([1])],
  ]);
  const r = parseNnet(src, { readWeights: () => ({ arrays }) });
  const lines = src.split('\n');
  assert.deepEqual(
    r.diagnostics.map((d) => [
      d.severity,
      d.unused,
      d.range.line,
      lines[d.range.line].slice(d.range.col, d.range.endCol),
    ]),
    [
      ['warning', true, 2, 'init=he'],
      ['warning', true, 2, 'bias_init=constant(0.1)'],
      ['warning', true, 3, 'W=[[1,2,3]]'],
    ],
  );
  assert.match(r.diagnostics[0].message, /^init=… is not used: this layer starts from the arrays of 'w\.npz'/);
  assert.ok(r.spec?.weights, 'a warning: the file still trains');
  // Without the weights line the same options are what they say: no warning.
  assert.deepEqual(parseNnet(src.replace(/ {2}weights .*\n/, '')).diagnostics, []);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
