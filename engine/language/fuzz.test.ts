// Fuzz: 10,000+ mutations of the examples (tokens and characters deleted, duplicated, swapped; lines shuffled;
// random bytes). The parser, checker and every editor feature must never throw, finish each input quickly, and
// report ranges inside the document; formatting must be idempotent and keep every diagnostic on its line.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Prng } from '../nn/prng';
import { completeAt } from './completion';
import { formatNnet } from './format';
import { hoverAt } from './hover';
import { splitLines } from './lexer';
import { parseNnet } from './parser';
import { estimateMemory } from './resources';
import { LIMITS, type LayerSpec } from './spec';
import { documentSymbols, foldingRanges } from './symbols';

const dir = path.join(__dirname, '..', '..', 'examples');
const seeds = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.nnet'))
  .sort()
  .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
const csv = fs.readFileSync(path.join(dir, 'csv-regression.csv'), 'utf8');
const readFile = (p: string) =>
  p === 'csv-regression.csv'
    ? { text: csv }
    : p === 'broken.csv'
      ? { text: csv.replace('120', 'NaN').slice(0, 300) }
      : { error: `file not found: '${p}'` };
const WORDS = [
  'network',
  'dense',
  'repeat',
  'residual',
  'end',
  'input',
  '->',
  'data',
  'csv',
  'generate',
  'spiral',
  'train',
  'loss',
  'init=he',
  'lr=',
  'n=99999',
  '"',
  '"broken.csv"',
  'constructor=1',
  '__proto__',
  'repeat 256',
  '8192',
  '1e308',
  '-0',
  'NaN',
  '#',
  '=',
  '(',
  ')',
  ',',
];
const CHARS = ' \t\n\r#"=->(),.0123456789eE+-_azAZ\u0000\u00a0\u2028\ud800\uffff';

function mutate(text: string, rng: Prng): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)];
  let s = text;
  const n = 1 + Math.floor(rng.next() * 4);
  for (let k = 0; k < n; k++) {
    const lines = s.split('\n');
    const toks = s.split(/(\s+)/);
    const at = Math.floor(rng.next() * (s.length + 1));
    switch (Math.floor(rng.next() * 10)) {
      case 0: {
        const i = Math.floor(rng.next() * toks.length);
        toks.splice(i, 1);
        s = toks.join('');
        break;
      }
      case 1: {
        const i = Math.floor(rng.next() * toks.length);
        toks.splice(i, 0, toks[i] ?? '');
        s = toks.join('');
        break;
      }
      case 2: {
        const i = Math.floor(rng.next() * toks.length),
          j = Math.floor(rng.next() * toks.length);
        [toks[i], toks[j]] = [toks[j], toks[i]];
        s = toks.join('');
        break;
      }
      case 3:
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      case 4:
        s = s.slice(0, at) + pick([...CHARS]) + s.slice(at);
        break;
      case 5: {
        const i = Math.floor(rng.next() * lines.length);
        lines.splice(i, 0, lines[i] ?? '');
        s = lines.join('\n');
        break;
      }
      case 6: {
        const i = Math.floor(rng.next() * lines.length);
        lines.splice(i, 1);
        s = lines.join('\n');
        break;
      }
      case 7: {
        const i = Math.floor(rng.next() * lines.length),
          j = Math.floor(rng.next() * lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        s = lines.join('\n');
        break;
      }
      case 8:
        s = s.slice(0, at) + ' ' + pick(WORDS) + ' ' + s.slice(at);
        break;
      default:
        s =
          s.slice(0, at) +
          String.fromCharCode(
            ...Array.from({ length: 1 + Math.floor(rng.next() * 8) }, () => Math.floor(rng.next() * 65536)),
          ) +
          s.slice(at);
    }
  }
  return s;
}

const key = (d: { severity: string; message: string; range: { line: number } }) =>
  `${d.range.line} ${d.severity} ${d.message}`;

test('10,000 mutated examples: no throw, fast, ranges inside the document, formatting safe', () => {
  const rng = new Prng(20240607);
  let slowest = 0,
    errors = 0;
  const N = 10_000;
  for (let i = 0; i < N; i++) {
    const text = mutate(seeds[i % seeds.length], rng);
    const t0 = performance.now();
    const r = parseNnet(text, { readFile });
    const lines = splitLines(text);
    for (const d of r.diagnostics) {
      const ok =
        d.range.line >= 0 &&
        d.range.line < lines.length &&
        d.range.col >= 0 &&
        d.range.col <= d.range.endCol &&
        d.range.endCol <= lines[d.range.line].length;
      assert.ok(ok, `range ${JSON.stringify(d)} outside the document:\n${text}`);
    }
    errors += r.diagnostics.length;
    const line = Math.floor(rng.next() * lines.length),
      col = Math.floor(rng.next() * (lines[line].length + 1));
    hoverAt(text, line, col, r);
    completeAt(text, line, col);
    documentSymbols(text);
    for (const f of foldingRanges(text)) assert.ok(f.start <= f.end && f.end < lines.length);
    const formatted = formatNnet(text);
    slowest = Math.max(slowest, performance.now() - t0);
    // Cheap enough for a sample: idempotence and unchanged diagnostics (same lines, same messages).
    if (i % 10 === 0) {
      assert.equal(formatNnet(formatted), formatted, `not idempotent:\n${text}`);
      assert.deepEqual(
        parseNnet(formatted, { readFile }).diagnostics.map(key).sort(),
        r.diagnostics.map(key).sort(),
        `formatting changed the diagnostics of:\n${JSON.stringify(text)}`,
      );
    }
  }
  assert.ok(errors > N, 'the mutations produce errors');
  // A hang detector, not a speed goal (the bench and worstCase.test.ts hold those): generous for a loaded machine.
  assert.ok(slowest < 5000, `slowest input took ${slowest.toFixed(0)} ms`);
});

/**
 * A random network built to stress the limits: deep and wide nesting, large repeat counts, huge widths and batches,
 * lines of up to a million words.
 */
function hostileNetwork(rng: Prng): string {
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)];
  const lines: string[] = ['network hostile', `input ${rng.next() < 0.03 ? 8193 : pick([1, 2, 2, 2, 64, 8192])}`];
  const open: number[] = []; // layers so far in each open block
  let budget = rng.next() < 0.6 ? int(1, 20) : int(1, 400);
  const maxDepth = pick([2, 8, 31, 32, 33, 60, 200]);
  while (budget-- > 0) {
    const r = rng.next();
    if (r < 0.3 && open.length < maxDepth) {
      lines.push(
        rng.next() < 0.5
          ? 'residual'
          : `repeat ${rng.next() < 0.03 ? pick([0, 257]) : rng.next() < 0.8 ? pick([1, 2, 3, 4]) : pick([16, 255, 256])}`,
      );
      open.push(0);
    } else if (r < 0.55 && open.length && open[open.length - 1] > 0) {
      lines.push('end');
      open.pop();
      if (open.length) open[open.length - 1]++;
    } else {
      if (open.length) open[open.length - 1]++;
      if (rng.next() < 0.02) lines.push(pick(['bogus', 'dense h 2', 'dense 0']));
      // eslint-disable-next-line no-dupe-else-if -- every rng.next() is a new draw
      else if (rng.next() < 0.02)
        lines.push(`dense ${pick([2, 8])}${pick([' relu', ' x', ' init=he', ' 3'] as const).repeat(int(10, 200_000))}`); // a line of many words
      else
        lines.push(
          pick([
            `dense ${pick([1, 2, 8, 64, 512, 8192])} ${pick(['relu', 'tanh', ''])}`,
            'dense 3',
            'batchnorm',
            'dropout 0.1',
            'activation relu',
          ]),
        );
    }
  }
  const leaveOpen = rng.next() < 0.1;
  while (open.length && !leaveOpen) {
    if (open[open.length - 1] === 0) lines.push('dense 2');
    lines.push('end');
    open.pop();
  }
  lines.push(`dense out ${pick([1, 2])} sigmoid`, 'loss bce', `data generate xor n=${pick([4, 100, 1000, 5000])}`);
  if (rng.next() < 0.7)
    lines.push('train', `  batch ${pick([1, 32, 1000, 100000])}`, `  optimizer ${pick(['sgd', 'adam', 'rmsprop'])}`);
  return lines.join(pick(['\n', '\r\n', '\r']));
}

test('400 generated networks with deep nesting, big repeats and huge widths: bounded trees, no throw', () => {
  const rng = new Prng(7_20260101);
  let refused = 0,
    accepted = 0;
  for (let i = 0; i < 400; i++) {
    const text = hostileNetwork(rng);
    const r = parseNnet(text);
    // Non-recursive walks: the trees must already be bounded, so these checks cannot overflow themselves.
    let count = 0,
      deepest = 0;
    const todo: [readonly LayerSpec[], number][] = [[r.partial.layers, 0]];
    while (todo.length) {
      const [layers, depth] = todo.pop()!;
      deepest = Math.max(deepest, depth);
      for (const l of layers) {
        count++;
        if (l.kind === 'residual') todo.push([l.body, depth + 1]);
      }
    }
    const flatLines = splitLines(text).length;
    assert.ok(count <= LIMITS.maxLayers + flatLines, `${count} layers built from:\n${text}`);
    assert.ok(deepest <= LIMITS.maxNesting, `a tree ${deepest} deep from:\n${text}`);
    if (r.spec) {
      accepted++;
      assert.ok(
        estimateMemory(r.spec.inputSize, r.spec.layers, r.spec.train.batch, r.spec.train.optimizer.kind).total <=
          LIMITS.memoryBudget,
        `accepted over the memory budget:\n${text}`,
      );
    } else refused++;
    const lines = splitLines(text);
    for (const d of r.diagnostics)
      assert.ok(
        d.range.line >= 0 && d.range.line < lines.length && d.range.endCol <= lines[d.range.line].length,
        `range outside the document: ${JSON.stringify(d)}`,
      );
    const line = Math.floor(rng.next() * lines.length);
    hoverAt(text, line, 1, r);
    completeAt(text, line, 1);
    documentSymbols(text);
    foldingRanges(text);
    formatNnet(text);
  }
  assert.ok(
    refused > 50 && accepted > 10,
    `${accepted} accepted, ${refused} refused: the generator reaches both sides of the limits`,
  );
});
