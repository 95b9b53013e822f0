// model.py as text: layer names as attributes, repeats as ModuleLists, source lines as comments, and NNET_LAYERS
// naming exactly nnet's parameterised layers in nnet's order (the parity test runs the code itself).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../../language/parser';
import { flattenLayers } from '../../nn/model';
import { nodeReadFile } from '../../data/files';
import { modelPy } from './modelPy';
import { PYTORCH_KINDS } from './kinds';
import { LAYER_KINDS } from '../../nn/layers';

const ROOT = path.join(__dirname, '..', '..', '..');
const files = [
  ...fs.readdirSync(path.join(ROOT, 'examples')).map((f) => path.join(ROOT, 'examples', f)),
  ...fs
    .readdirSync(path.join(ROOT, 'test', 'pytorch', 'nets'))
    .map((f) => path.join(ROOT, 'test', 'pytorch', 'nets', f)),
].filter((f) => f.endsWith('.nnet'));

function load(file: string) {
  const text = fs.readFileSync(file, 'utf8');
  const { spec } = parseNnet(text, { readFile: nodeReadFile(file, path.dirname(file)) });
  assert.ok(spec, file);
  return { spec, text };
}

test('every layer kind has a PyTorch export', () => {
  assert.deepEqual(Object.keys(PYTORCH_KINDS).sort(), LAYER_KINDS.map((k) => k.keyword).sort());
});

test('NNET_LAYERS names every layer with parameters, in nnet order', () => {
  for (const file of files) {
    const { spec, text } = load(file);
    const want = flattenLayers(spec.inputSize, spec.layers)
      .nodes.filter((n) => n.wOff >= 0)
      .map((n) => n.name);
    const got = [...modelPy(spec, text).text.matchAll(/^ {4}\("([^"]+)", "[^"]+"\),$/gm)].map((m) => m[1]);
    assert.deepEqual(got, want, file);
  }
});

test('repeats become ModuleLists, residual blocks a Residual with a body class, each with its source line', () => {
  const { spec, text } = load(path.join(ROOT, 'examples', 'residual.nnet'));
  const py = modelPy(spec, text);
  assert.equal(py.fused, true);
  assert.match(
    py.text,
    /self\.block = nn\.ModuleList\(\[Residual\(BlockBody\(16\), 16, 16\) for _ in range\(10\)\]\) {2}# line 11: residual block \(repeated 10 times\)/,
  );
  assert.match(py.text, /x = self\.out\(x\) {2}# logits: the loss applies the activation/);
  assert.match(py.text, /\("h_10", "block\.9\.body\.h"\)/);
  const every = load(path.join(ROOT, 'test', 'pytorch', 'nets', 'everything.nnet'));
  const e = modelPy(every.spec, every.text).text;
  assert.match(e, /nn\.ModuleList\(\[Linear\(in_width, 6\)\] \+ \[Linear\(6, 6\) for _ in range\(1\)\]\)/);
  assert.match(e, /\("proj_block", "proj_block\.proj"\)/);
  assert.match(e, /x = F\.leaky_relu\(self\.wide\(x\), 0\.2\)/);
});
