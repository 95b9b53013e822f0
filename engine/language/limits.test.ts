// Hostile .nnet files: nesting and repetition are refused on their line before anything expands, and every
// editor feature stays shallow and bounded on them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenLayers } from '../nn/model';
import { completeAt } from './completion';
import { formatNnet } from './format';
import { hoverAt } from './hover';
import { parseNnet } from './parser';
import { LIMITS, type LayerSpec } from './spec';
import { documentSymbols, foldingRanges } from './symbols';

const file = (body: string) => `network n\ninput 2\n${body}\ndense out 1 sigmoid\nloss bce\ndata generate xor\n`;
const nested = (open: string, depth: number, inner = 'dense h 2') =>
  `${`${open}\n`.repeat(depth)}${inner}\n${'end\n'.repeat(depth)}`.trimEnd();
const errors = (text: string) =>
  parseNnet(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.range.line + 1}: ${d.message}`);

/** Expanded layers of a layer tree, counted without recursion. */
function countLayers(layers: readonly LayerSpec[]): number {
  let n = 0;
  const todo = [...layers];
  while (todo.length) {
    const l = todo.pop()!;
    n++;
    if (l.kind === 'residual') todo.push(...l.body);
  }
  return n;
}

/** Every editor feature on every line: none may throw. */
function allFeatures(text: string): void {
  const r = parseNnet(text);
  const lines = text.split('\n');
  for (let line = 0; line < lines.length; line += Math.max(1, Math.floor(lines.length / 50))) {
    hoverAt(text, line, 1, r);
    completeAt(text, line, 1);
  }
  documentSymbols(text);
  foldingRanges(text);
  formatNnet(text);
}

test('three nested repeat 256 are refused on the repeat line that crosses the layer limit, before expanding', () => {
  const text = file(nested('repeat 256', 3));
  const r = parseNnet(text);
  assert.deepEqual(errors(text), [
    `4: repeating 256 layer(s) 256 times makes the network 65,536 layers, more than the limit of ${LIMITS.maxLayers}`,
  ]);
  assert.equal(r.spec, null);
  assert.ok(countLayers(r.partial.layers) <= LIMITS.maxLayers, `${countLayers(r.partial.layers)} layers were built`);
  allFeatures(text);
});

test('18 nested repeat 2 (2^18 copies) stop at the limit with one error', () => {
  const text = file(nested('repeat 2', 18));
  const e = errors(text);
  assert.equal(e.length, 1, e.join('\n'));
  assert.equal(e[0], '10: repeating 1024 layer(s) 2 times makes the network 2,048 layers, more than the limit of 1024');
  assert.ok(countLayers(parseNnet(text).partial.layers) <= LIMITS.maxLayers);
  allFeatures(text);
});

test('the worst repeat nesting the limits allow builds exactly the layer limit; one layer more is refused', () => {
  // 4^5 = 1024: every level within limits, the whole expansion exactly at the layer limit.
  const text = `network n\ninput 2\n${nested('repeat 4', 5, 'dense h 1 sigmoid')}\nloss bce\ndata generate xor\n`;
  assert.deepEqual(errors(text), []);
  assert.equal(countLayers(parseNnet(text).spec!.layers), 1024);
  const more = parseNnet(text.replace('repeat 4', 'dense first 2\nrepeat 4'));
  assert.equal(more.diagnostics.length, 1);
  assert.ok(countLayers(more.partial.layers) <= LIMITS.maxLayers);
});

test('3,000 nested residual blocks: one error on the line past the nesting limit, no stack overflow anywhere', () => {
  const text = file(nested('residual', 3000));
  assert.deepEqual(errors(text), [
    `${3 + LIMITS.maxNesting}: blocks nest ${LIMITS.maxNesting + 1} deep here, more than the limit of ${LIMITS.maxNesting}: close some with 'end'`,
  ]);
  allFeatures(text);
  const depth = (items: readonly { children: readonly unknown[] }[]): number =>
    Math.max(0, ...items.map((c) => 1 + depth(c.children as { children: readonly unknown[] }[])));
  assert.ok(
    depth(documentSymbols(text)) <= LIMITS.maxNesting + 2,
    'symbols nest no deeper than the blocks the parser keeps',
  );
});

test('nesting up to the limit is fine, one more is refused; unclosed deep blocks do not cascade', () => {
  assert.deepEqual(errors(file(nested('residual', LIMITS.maxNesting))), []);
  assert.equal(errors(file(nested('residual', LIMITS.maxNesting + 1))).length, 1);
  const unclosed = errors(file(`${'repeat 1\n'.repeat(100)}dense h 2`));
  assert.ok(
    unclosed.every((e) => /never closed|nest 33 deep/.test(e)),
    unclosed.join('\n'),
  );
});

test('flattenLayers refuses a hand-built tree deeper than the nesting limit with a clear error', () => {
  let layers: LayerSpec[] = [
    {
      kind: 'dense',
      name: 'h',
      range: { line: 0, col: 0, endCol: 1 },
      units: 2,
      activation: 'relu',
      slope: 0,
      init: { kind: 'zeros' },
      biasInit: { kind: 'zeros' },
    },
  ];
  for (let i = 0; i < LIMITS.maxNesting + 1; i++)
    layers = [
      {
        kind: 'residual',
        name: `r${i}`,
        range: { line: 0, col: 0, endCol: 1 },
        endRange: { line: 0, col: 0, endCol: 1 },
        body: layers,
      },
    ];
  assert.throws(() => flattenLayers(2, layers), /nest more than 32 deep/);
});

test('CR-only line endings separate lines, as in the editor', () => {
  const r = parseNnet('network c\rinput 2\rdense out 1 sigmoid\rloss bce\rdata\r0 0 -> 0\r1 1 -> 1\r');
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.spec?.layers[0].range.line, 2);
  assert.deepEqual(
    documentSymbols('network c\rinput 2\rdense out 1\r').map((s) => [s.name, s.startLine, s.endLine]),
    [['c', 0, 2]],
  );
});

test('a batch whose activation buffers exceed the memory budget is refused on the line that drives it', () => {
  const wide = 'network m\ninput 2\ndense h 8192 relu\ndense out 1 sigmoid\nloss bce\ndata generate xor n=100000\n';
  assert.deepEqual(errors(wide), [
    "3: batch 100,000 × width 8,192 needs 12.2 GiB for activations (32,774 values per sample); the memory budget is 2 GiB — add 'batch N' (N ≤ 16,378) to the train section",
  ]);
  const batched = errors(`${wide}train\n  batch 50000\n`);
  assert.equal(batched.length, 1);
  assert.match(batched[0], /^8: batch 50,000 × width 8,192 needs 6\.1 GiB .* set 'batch' to at most 16,378$/);
  assert.deepEqual(errors(`${wide}train\n  batch 16378\n`), []);
  assert.match(errors(`${wide}train\n  batch 16379\n`)[0] ?? '', /at most 16,378/);
  // A smaller budget can be passed in (the CLI and the extension use the default).
  assert.equal(parseNnet(file('dense h 64 relu'), { memoryBudget: 1000 }).diagnostics.length, 1);
});

test('estimateMemory mirrors the buffers Model allocates', async () => {
  const { estimateMemory } = await import('./resources');
  const { Model } = await import('../nn/model');
  const { spec } = parseNnet(file('residual r\n  dense a 5 relu\n  batchnorm\n  dropout 0.1\nend\nactivation tanh'));
  assert.ok(spec);
  const m = new Model(spec.inputSize, spec.layers, 7);
  const floats = [m.acts, m.zs, m.deltas, m.dOuts, m.dSkips].flat().reduce((s, a) => s + a.length, 0);
  const e = estimateMemory(spec.inputSize, spec.layers, 7, 'adam');
  assert.equal(e.activations, floats * 4);
  assert.equal(e.parameters, m.params.length * 4);
  assert.equal(e.total, e.activations + 5 * m.params.length * 4);
});

test('huge files are cut short: layers past the limit and rows past the sample limit are counted, not kept', () => {
  const layers = parseNnet(
    `network f\ninput 2\n${'dense 2\n'.repeat(50_000)}dense out 1 sigmoid\nloss bce\ndata generate xor\n`,
  );
  assert.deepEqual(
    layers.diagnostics.map((d) => `${d.range.line + 1}: ${d.message}`),
    [`${3 + LIMITS.maxLayers}: this layer makes the network longer than the limit of ${LIMITS.maxLayers} layers`],
  );
  assert.equal(countLayers(layers.partial.layers), LIMITS.maxLayers);
  const rows = parseNnet(
    `network f\ninput 2\ndense out 1 sigmoid\nloss bce\ndata\n${'0 1 -> 1\n# comment\n\n'.repeat(LIMITS.maxSamples + 5000)}train\n  epochs 7\n  bogus\n`,
  );
  assert.equal(rows.partial.samples, LIMITS.maxSamples + 1);
  assert.deepEqual(
    rows.diagnostics.map((d) => d.message),
    [
      `${LIMITS.maxSamples + 5000} samples exceed the limit of ${LIMITS.maxSamples}`,
      "unknown training setting 'bogus'; expected epochs, batch, accumulate, optimizer, schedule, warmup, clip, seed, validation, shuffle, weights",
    ],
  );
});

test('at most 1000 diagnostics are kept; the rest are counted', () => {
  const r = parseNnet(`network x\ninput 2\n${'bogus\n'.repeat(5000)}dense out 1 sigmoid\nloss bce\ndata\n0 0 -> 0\n`);
  assert.equal(r.diagnostics.length, 1000);
  assert.equal(r.omittedDiagnostics, 4000);
  assert.equal(r.spec, null);
});
