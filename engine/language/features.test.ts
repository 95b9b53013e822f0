// Editor features as pure functions: hover, completion, document symbols, folding and the formatter.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { completeAt } from './completion';
import { formatNnet } from './format';
import { hoverAt } from './hover';
import { parseNnet } from './parser';
import { documentSymbols, foldingRanges } from './symbols';

const examples = path.join(__dirname, '..', '..', 'examples');
const read = (f: string) => fs.readFileSync(path.join(examples, f), 'utf8');
const XOR = read('xor.nnet');
const labels = (text: string, line: number, col: number) => completeAt(text, line, col).items.map((i) => i.label);

test('hover on a layer: shapes with the batch size, parameter count, forward and backward formulas', () => {
  const h = hoverAt(XOR, 3, 4)!;
  assert.deepEqual(h.range, { line: 3, col: 2, endCol: 7 });
  assert.match(h.markdown, /\*\*dense `h1`\*\* — \[4×2\] → \[4×4\] · \*\*12 parameters\*\*/);
  assert.match(h.markdown, /z = x·Wᵀ \+ b/);
  assert.match(h.markdown, /a = tanh\(z\)/);
  assert.match(h.markdown, /δ = ∂L\/∂a ⊙ φ′\(z\), {2}φ′\(z\) = 1 − a²/);
  assert.match(h.markdown, /∂W = δᵀ·x {10}\[4×2\]/);
  const out = hoverAt(XOR, 4, 9)!.markdown;
  assert.match(out, /\[4×4\] → \[4×1\] · \*\*5 parameters\*\*/);
  assert.match(
    out,
    /δ = \(a − y\)\/4 {6}\(fused with bce: the per-sample a − y, averaged over the batch and outputs\)/,
    'the output layer shows the fused δ',
  );
});

test('hover inside repeat counts every copy; residual, batchnorm and dropout have their own formulas', () => {
  const res = read('residual.nnet');
  assert.match(hoverAt(res, 11, 8)!.markdown, /2,720 parameters\*\* \(272 each\) · repeated ×10 \(h_1 … h_10\)/);
  assert.match(hoverAt(res, 10, 6)!.markdown, /out = F\(x\) \+ x/);
  const cls = read('classify.nnet');
  assert.match(hoverAt(cls, 5, 4)!.markdown, /x̂ = \(x − μ_B\) \/ √\(σ²_B \+ ε\)/);
  assert.match(hoverAt(cls, 6, 4)!.markdown, /Bernoulli\(0\.9\)/);
  assert.match(
    hoverAt(cls, 7, 4)!.markdown,
    /δ = \(a − y\)\/3 {6}\(fused with cross_entropy: the per-sample a − y, averaged over the batch\)/,
  );
});

test('hover on keywords and parameters explains them with defaults; comments and blanks have none', () => {
  assert.match(hoverAt(XOR, 3, 24)!.markdown, /^\*\*xavier\*\* — Glorot\/Xavier uniform/);
  assert.match(hoverAt(XOR, 3, 19)!.markdown, /^\*\*init\*\* — Weight initialiser \(default xavier\)/);
  assert.match(hoverAt(XOR, 3, 13)!.markdown, /^\*\*tanh\*\* — .*`a = tanh\(z\)` · `φ′\(z\) = 1 − a²`/s);
  assert.match(hoverAt(XOR, 5, 6)!.markdown, /^\*\*loss bce\*\* — Binary cross-entropy/);
  assert.match(
    hoverAt(XOR, 16, 13)!.markdown,
    /^\*\*optimizer adam\*\* — Adam: .*Defaults: `lr=0\.001 beta1=0\.9 beta2=0\.999 eps=1e-8 weight_decay=0`/s,
  );
  assert.match(hoverAt(XOR, 16, 18)!.markdown, /^\*\*lr\*\* — Base learning rate\. Default for adam: 0\.001\./);
  assert.match(hoverAt(XOR, 17, 3)!.markdown, /^\*\*clip\*\* — Gradient clipping/);
  assert.match(hoverAt(XOR, 14, 3)!.markdown, /^\*\*epochs\*\* — .*Default 100/);
  assert.equal(hoverAt(XOR, 0, 3), null);
  assert.equal(hoverAt(XOR, 6, 0), null);
  const gen = 'network n\n  input 2\n  dense out 3 softmax\nloss cross_entropy\ndata generate spiral n=90 noise=0.1\n';
  assert.match(
    hoverAt(gen, 4, 16)!.markdown,
    /^\*\*spiral dataset\*\* — .*`data generate spiral n=300 classes=3 noise=0\.2 seed=0`/s,
  );
  assert.match(hoverAt(gen, 4, 30)!.markdown, /^\*\*noise\*\* — Standard deviation .* Default 0\.2\./);
});

test('hover still works on a layer when another line has an error', () => {
  const broken = XOR.replace('epochs 2000', 'epochs many');
  assert.equal(parseNnet(broken).spec, null);
  assert.match(hoverAt(broken, 3, 4)!.markdown, /12 parameters/);
});

test('completion: statements by section, then what fits after the words on the line', () => {
  assert.deepEqual(labels('', 0, 0), ['network', 'loss', 'data', 'train']);
  assert.ok(
    ['input', 'dense', 'residual', 'repeat', 'end', 'loss'].every((w) => labels('network n\n  \n', 1, 2).includes(w)),
  );
  assert.ok(['epochs', 'optimizer', 'clip', 'validation'].every((w) => labels('train\n  ep', 1, 4).includes(w)));
  assert.equal(completeAt('train\n  ep', 1, 4).from, 2);
  assert.deepEqual(labels('loss ', 0, 5), ['mse', 'half_mse', 'bce', 'cross_entropy']);
  assert.deepEqual(labels('  dense h 4 ', 0, 12), [
    'identity',
    'relu',
    'leaky_relu',
    'sigmoid',
    'tanh',
    'gelu',
    'softmax',
    'init=',
    'bias_init=',
    'W=',
    'b=',
  ]);
  assert.deepEqual(labels('  dense h 4 relu init=he ', 0, 25), ['bias_init=', 'b=']);
  assert.deepEqual(labels('  dense h 4 relu W=[[1]] ', 0, 25), ['bias_init=', 'b=']);
  const init = completeAt('  dense h 4 relu init=x', 0, 23);
  assert.equal(init.from, 22);
  assert.ok(['xavier', 'he', 'lecun', 'zeros', 'normal'].every((w) => init.items.some((i) => i.label === w)));
  assert.equal(init.items.find((i) => i.label === 'normal')!.insertText, 'normal(${1:STD})');
  assert.deepEqual(labels('  optimizer ', 0, 12), ['sgd', 'momentum', 'rmsprop', 'adam', 'adamw']);
  assert.deepEqual(labels('  optimizer adam lr=0.1 ', 0, 24), ['beta1=', 'beta2=', 'eps=', 'weight_decay=']);
  assert.ok(labels('  optimizer momentum ', 0, 21).includes('nesterov'));
  assert.deepEqual(labels('  schedule ', 0, 11), ['constant', 'step', 'exponential', 'cosine']);
  assert.deepEqual(labels('  schedule step ', 0, 16), ['every=', 'gamma=']);
  assert.deepEqual(labels('  clip ', 0, 7), ['norm', 'value']);
  assert.deepEqual(labels('data ', 0, 5), ['csv', 'generate']);
  assert.deepEqual(labels('data generate ', 0, 14), ['xor', 'spiral', 'circles', 'moons', 'blobs', 'sine']);
  assert.deepEqual(labels('data generate spiral n=3 ', 0, 25), ['classes=', 'noise=', 'seed=']);
  assert.deepEqual(labels('data csv "a.csv" onehot ', 0, 24), ['inputs=', 'target=', 'standardize']);
  assert.deepEqual(labels('  dense h 4 # ', 0, 14), []);
});

test('document symbols: the network with its layers and blocks, loss, data and train with settings', () => {
  const syms = documentSymbols(read('residual.nnet'));
  assert.deepEqual(
    syms.map((s) => [s.name, s.kind, s.startLine, s.endLine]),
    [
      ['deep_residual', 'network', 6, 14],
      ['loss', 'loss', 15, 15],
      ['data', 'section', 17, 21],
      ['train', 'section', 23, 27],
    ],
  );
  const net = syms[0];
  assert.deepEqual(
    net.children.map((c) => c.name),
    ['input', 'stem', 'repeat 10', 'out'],
  );
  assert.deepEqual(
    net.children[2].children[0].children.map((c) => [c.name, c.detail]),
    [['h', 'dense 16 sigmoid init=xavier']],
  );
  assert.equal(syms[2].detail, '4 rows');
  assert.deepEqual(
    syms[3].children.map((c) => c.name),
    ['epochs', 'batch', 'optimizer', 'seed'],
  );
  const unnamed = documentSymbols('network n\n  input 2\n  dense 4 relu\n  dropout 0.5\n')[0].children.map(
    (c) => c.name,
  );
  assert.deepEqual(unnamed, ['input', 'dense1', 'dropout2'], 'unnamed layers get the names the parser gives them');
});

test('folding: sections, blocks and comment runs', () => {
  assert.deepEqual(foldingRanges(read('residual.nnet')), [
    { start: 0, end: 5, kind: 'comment' },
    { start: 6, end: 14, kind: 'region' },
    { start: 9, end: 13, kind: 'region' },
    { start: 10, end: 12, kind: 'region' },
    { start: 17, end: 21, kind: 'region' },
    { start: 23, end: 27, kind: 'region' },
  ]);
});

test('formatter: canonical indentation and spacing, comments kept, lines never added or removed, idempotent', () => {
  const messy =
    '# top\nnetwork   n   # name\ninput 2\n      repeat 2\n  residual r\n# inside\ndense h 4 tanh   init=xavier\n  end\n   end\ndense out 1 sigmoid\nloss    bce\n\n\ndata\n0 0->0\n  0 1 -> 1\ntrain\n   epochs 3   # few\n\n\n';
  const want =
    '# top\nnetwork n  # name\n  input 2\n  repeat 2\n    residual r\n      # inside\n      dense h 4 tanh init=xavier\n    end\n  end\n  dense out 1 sigmoid\nloss bce\n\n\ndata\n  0 0 -> 0\n  0 1 -> 1\ntrain\n  epochs 3  # few\n';
  assert.equal(formatNnet(messy), want);
  assert.equal(formatNnet(want), want);
  for (const f of fs.readdirSync(examples).filter((f) => f.endsWith('.nnet'))) {
    const text = read(f);
    assert.equal(formatNnet(text), text.endsWith('\n') ? text : text + '\n', `${f} is already canonical`);
  }
  assert.equal(
    formatNnet('data csv  "my file.csv"   target=t'),
    'data csv "my file.csv" target=t\n',
    'quoted text is kept whole',
  );
});
