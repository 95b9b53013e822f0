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
import { documentSymbols, foldingRanges } from './symbols';

const dir = path.join(__dirname, '..', '..', 'examples');
const seeds = fs.readdirSync(dir).filter((f) => f.endsWith('.nnet')).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
const csv = fs.readFileSync(path.join(dir, 'csv-regression.csv'), 'utf8');
const readFile = (p: string) => (p === 'csv-regression.csv' ? { text: csv } : p === 'broken.csv' ? { text: csv.replace('120', 'NaN').slice(0, 300) } : { error: `file not found: '${p}'` });
const WORDS = ['network', 'dense', 'repeat', 'residual', 'end', 'input', '->', 'data', 'csv', 'generate', 'spiral', 'train', 'loss', 'init=he', 'lr=', 'n=99999', '"', '"broken.csv"', 'constructor=1', '__proto__', 'repeat 256', '8192', '1e308', '-0', 'NaN', '#', '=', '(', ')', ','];
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
      case 0: { const i = Math.floor(rng.next() * toks.length); toks.splice(i, 1); s = toks.join(''); break; }
      case 1: { const i = Math.floor(rng.next() * toks.length); toks.splice(i, 0, toks[i] ?? ''); s = toks.join(''); break; }
      case 2: { const i = Math.floor(rng.next() * toks.length), j = Math.floor(rng.next() * toks.length); [toks[i], toks[j]] = [toks[j], toks[i]]; s = toks.join(''); break; }
      case 3: s = s.slice(0, at) + s.slice(at + 1); break;
      case 4: s = s.slice(0, at) + pick([...CHARS]) + s.slice(at); break;
      case 5: { const i = Math.floor(rng.next() * lines.length); lines.splice(i, 0, lines[i] ?? ''); s = lines.join('\n'); break; }
      case 6: { const i = Math.floor(rng.next() * lines.length); lines.splice(i, 1); s = lines.join('\n'); break; }
      case 7: { const i = Math.floor(rng.next() * lines.length), j = Math.floor(rng.next() * lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; s = lines.join('\n'); break; }
      case 8: s = s.slice(0, at) + ' ' + pick(WORDS) + ' ' + s.slice(at); break;
      default: s = s.slice(0, at) + String.fromCharCode(...Array.from({ length: 1 + Math.floor(rng.next() * 8) }, () => Math.floor(rng.next() * 65536))) + s.slice(at);
    }
  }
  return s;
}

const key = (d: { severity: string; message: string; range: { line: number } }) => `${d.range.line} ${d.severity} ${d.message}`;

test('10,000 mutated examples: no throw, fast, ranges inside the document, formatting safe', () => {
  const rng = new Prng(20240607);
  let slowest = 0, errors = 0;
  const N = 10_000;
  for (let i = 0; i < N; i++) {
    const text = mutate(seeds[i % seeds.length], rng);
    const t0 = performance.now();
    const r = parseNnet(text, { readFile });
    const lines = splitLines(text);
    for (const d of r.diagnostics) {
      const ok = d.range.line >= 0 && d.range.line < lines.length && d.range.col >= 0 && d.range.col <= d.range.endCol && d.range.endCol <= lines[d.range.line].length;
      assert.ok(ok, `range ${JSON.stringify(d)} outside the document:\n${text}`);
    }
    errors += r.diagnostics.length;
    const line = Math.floor(rng.next() * lines.length), col = Math.floor(rng.next() * (lines[line].length + 1));
    hoverAt(text, line, col, r);
    completeAt(text, line, col);
    documentSymbols(text);
    for (const f of foldingRanges(text)) assert.ok(f.start <= f.end && f.end < lines.length);
    const formatted = formatNnet(text);
    slowest = Math.max(slowest, performance.now() - t0);
    // Cheap enough for a sample: idempotence and unchanged diagnostics (same lines, same messages).
    if (i % 10 === 0) {
      assert.equal(formatNnet(formatted), formatted, `not idempotent:\n${text}`);
      assert.deepEqual(parseNnet(formatted, { readFile }).diagnostics.map(key).sort(), r.diagnostics.map(key).sort(), `formatting changed the diagnostics of:\n${JSON.stringify(text)}`);
    }
  }
  assert.ok(errors > N, 'the mutations produce errors');
  assert.ok(slowest < 1000, `slowest input took ${slowest.toFixed(0)} ms`);
});
