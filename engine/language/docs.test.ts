// docs/language.md matches the implementation: every `nnet` block in it parses and checks clean, and every word of
// the language (statements, activations, losses, initialisers, optimizers, schedules, datasets, options) is in it.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { GENERATOR_NAMES } from '../data/generators';
import { ACTIVATIONS } from '../nn/activations';
import { INIT_NAMES } from '../nn/init';
import { LOSSES } from '../nn/losses';
import { CSV_OPTIONS } from './data';
import { parseNnet } from './parser';
import { OPTIMIZER_PARAM_DOCS, SCHEDULE_DOCS, STATEMENTS, optimizerParams } from './vocabulary';

const root = path.join(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(root, 'docs', 'language.md'), 'utf8');
const blocks = [...doc.matchAll(/```nnet\n([\s\S]*?)```/g)].map((m) => m[1]);

test('every nnet example in docs/language.md parses and checks clean (CSV paths resolve in examples/)', () => {
  assert.ok(blocks.length >= 8, `only ${blocks.length} examples`);
  for (const b of blocks) {
    const r = parseNnet(b, { readFile: nodeReadFile(path.join(root, 'examples', 'doc.nnet')) });
    assert.deepEqual(r.diagnostics, [], b);
    assert.ok(r.spec);
  }
});

test('every word of the language is documented, with optimizer defaults matching the engine', () => {
  const words = [
    ...Object.keys(STATEMENTS),
    ...ACTIVATIONS,
    ...LOSSES,
    ...Object.keys(INIT_NAMES),
    ...Object.keys(SCHEDULE_DOCS),
    ...GENERATOR_NAMES,
    ...CSV_OPTIONS,
    ...Object.keys(OPTIMIZER_PARAM_DOCS),
    'csv',
    'generate',
    'norm',
    'value',
    'on',
    'off',
    'every',
    'gamma',
    'min_lr',
    'slope',
    'bias_init',
  ];
  assert.deepEqual(
    words.filter((w) => !new RegExp(`\\b${w}\\b`).test(doc)),
    [],
  );
  for (const kind of ['sgd', 'momentum', 'rmsprop', 'adam', 'adamw']) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${kind}\` |`));
    assert.ok(row, kind);
    for (const [k, v] of Object.entries(optimizerParams(kind)))
      if (typeof v === 'number') assert.ok(row!.includes(`${k}=${v}`), `${kind} ${k}=${v} in: ${row}`);
  }
});
