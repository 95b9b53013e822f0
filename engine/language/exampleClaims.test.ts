// The numbers the examples' comments promise, checked against a run of the shipped file (and of the one-line
// variations the comments suggest), so a comment cannot drift from what the engine does.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Trainer } from '../runtime/trainer';
import { parseNnet } from './parser';

const read = (name: string) => fs.readFileSync(path.join(__dirname, '..', '..', 'examples', name), 'utf8');

/** Trains `source` to the end of its schedule; the last epoch's metrics. */
function finalMetrics(source: string) {
  const { spec, diagnostics } = parseNnet(source);
  assert.ok(spec, diagnostics.map((d) => d.message).join('\n'));
  const t = new Trainer(spec);
  while (t.advance());
  return t.epochs.last!;
}

test('spiral.nnet: no hidden layer stalls near 0.68 at ~56 %; one layer of 4 reaches ~92 %; the shipped net 100 %', () => {
  const source = read('spiral.nnet');
  assert.match(
    source,
    /the loss stalls near 0\.68 at 56 %.*\n# .*4 units already reaches about 92 %; two of 32 reach 100 %/,
  );
  const shipped = finalMetrics(source);
  assert.ok(shipped.accuracy! >= 0.995, `shipped: ${shipped.accuracy}`);
  const linear = finalMetrics(source.replace(/^ {2}dense h[12] .*\n/gm, ''));
  assert.ok(Math.abs(linear.loss - 0.68) < 0.03 && Math.abs(linear.accuracy! - 0.56) < 0.03, JSON.stringify(linear));
  const four = finalMetrics(source.replace(/^ {2}dense h1 32 /m, '  dense h1 4 ').replace(/^ {2}dense h2 .*\n/m, ''));
  assert.ok(Math.abs(four.accuracy! - 0.92) < 0.02, JSON.stringify(four));
});
