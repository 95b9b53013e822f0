// Every registered layer kind, through its own example statement, meets what the rest of the house relies on: the
// language knows it (keywords, statements, hover, completion, outline), its parameters and buffers are what the
// model allocates and the memory estimate counts, its Step Into formulas name tensors a stop has, and its gradients
// match float64 central differences. A new kind is checked here without editing this file.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completeAt } from '../../language/completion';
import { hoverAt } from '../../language/hover';
import { LAYER_KEYWORDS } from '../../language/layers';
import { parseNnet } from '../../language/parser';
import { estimateMemory } from '../../language/resources';
import { parameterCount } from '../../language/spec';
import { documentSymbols } from '../../language/symbols';
import { OPTION_DOCS, STATEMENTS } from '../../language/vocabulary';
import { checkTrainer } from '../../runtime/gradcheck';
import { nodeTensors } from '../../runtime/snapshot';
import { Trainer } from '../../runtime/trainer';
import { LAYER_KINDS, layerKind, nodeOps } from '.';

const network = (statement: string) => `network t
  input 3
  dense h0 4 tanh
  ${statement}
  dense out 2
loss mse

data
  1 2 3 -> 0 1
  0 1 0 -> 1 0
  -1 0 2 -> 0.5 0.5
  2 2 -1 -> 1 1
  0 -2 1 -> 0 0
  1 1 1 -> 1 0

train
  batch 3
  seed 3
`;
const LINE = 3;

test('keywords are unique, known to the parser, documented, and their options documented', () => {
  const keywords = LAYER_KINDS.map((k) => k.keyword);
  assert.equal(new Set(keywords).size, keywords.length);
  for (const k of LAYER_KINDS) {
    assert.equal(layerKind(k.keyword), k);
    assert.ok(LAYER_KEYWORDS.includes(k.keyword), k.keyword);
    assert.equal(STATEMENTS[k.keyword].syntax, k.syntax);
    for (const key of Object.keys(k.options)) assert.ok(OPTION_DOCS[k.keyword][key], `${k.keyword} ${key}=`);
    assert.ok(k.example.startsWith(`${k.keyword} `), `${k.keyword}'s example is one of its statements`);
  }
});

for (const kind of LAYER_KINDS) {
  test(`${kind.keyword}: its example parses, hovers, completes and shows in the outline`, () => {
    const text = network(kind.example);
    const r = parseNnet(text);
    assert.deepEqual(r.diagnostics, []);
    const layer = r.spec!.layers[1];
    assert.equal(layer.kind, kind.keyword);
    assert.match(
      hoverAt(text, LINE, 3)!.markdown,
      new RegExp(`^\\*\\*${kind.keyword} \`${layer.name}\`\\*\\* — \\[3×4\\]`),
    );
    assert.ok(completeAt(text, LINE, 2).items.some((i) => i.label === kind.keyword));
    completeAt(text, LINE, text.split('\n')[LINE].length); // after the statement: whatever the kind proposes, no throw
    assert.ok(
      documentSymbols(text)[0].children.some((c) => c.name === layer.name && c.detail.startsWith(kind.keyword)),
    );
  });

  test(`${kind.keyword}: parameters, buffers, stop tensors and Step Into keys agree with the model; gradients check`, () => {
    const spec = parseNnet(network(kind.example)).spec!;
    const t = new Trainer(spec),
      m = t.model,
      i = 1,
      n = m.nodes[i];
    assert.equal(n.kind, kind.keyword);
    assert.equal(m.params.length, parameterCount(3, spec.layers));
    // The memory estimate counts exactly the buffers the model allocated.
    const floats = [...m.acts, ...m.zs, ...m.deltas, ...m.dOuts, ...m.dSkips].reduce((s, a) => s + a.length, 0);
    assert.equal(estimateMemory(3, spec.layers, 3, 'sgd').valuesPerSample * 3, floats);
    // Forward events, then a gradient check at this batch (dropout's mask held as drawn).
    for (let k = 0; k < m.nodes.length; k++) t.advance();
    const checks = checkTrainer(t);
    assert.ok(checks.length >= 2);
    for (const c of checks) assert.ok(c.maxRelError <= 1e-6, `${c.name}: ${c.maxRelError}`);
    while (t.peek()?.phase !== 'clip') t.advance();
    const tensors = nodeTensors(t, i);
    if (n.wSize)
      assert.ok(tensors.W && tensors.gradW && tensors.b && tensors.gradb, 'parameters and their gradients are shown');
    for (const phase of ['forward', 'backward'] as const) {
      for (const s of nodeOps(n.kind).subSteps?.(n, phase, t.fusedOutput, false) ?? []) {
        for (const key of s.keys)
          assert.ok(
            key === 'dphi' || key in tensors,
            `${phase} sub-step '${s.formula}' shows '${key}', which the node has`,
          );
      }
    }
    for (const x of Object.values(tensors)) assert.ok(x!.values.every(Number.isFinite), x!.path);
  });
}
