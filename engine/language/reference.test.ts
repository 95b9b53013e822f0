// The grammar and the language reference list the layer kinds of the registry: the generated parts of
// syntaxes/nnet.tmLanguage.json and docs/language.md are current, and the grammar colours every kind's keyword.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { LAYER_KINDS } from '../nn/layers';
import { generateDocs, generateGrammar } from './reference';

const root = path.join(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');
const FIX = 'run `node --import tsx scripts/generateLanguage.mjs` to regenerate it from engine/nn/layers/';

test('the grammar lists every registered layer kind (generated from the registry)', () => {
  const grammar = read('syntaxes/nnet.tmLanguage.json');
  assert.equal(generateGrammar(grammar), grammar, `syntaxes/nnet.tmLanguage.json is out of date: ${FIX}`);
});

test("docs/language.md's layer productions and network table list every registered kind (generated)", () => {
  const doc = read('docs/language.md');
  assert.equal(generateDocs(doc), doc, `docs/language.md is out of date: ${FIX}`);
  for (const k of LAYER_KINDS) {
    assert.ok(doc.includes(`\n${k.keyword.padEnd(11)} = `), `EBNF production of ${k.keyword}`);
    assert.ok(doc.includes(`| \`${k.keyword} [NAME]`), `table row of ${k.keyword}`);
  }
});

test('the generators would catch a missing kind: a stale grammar or table is rewritten', () => {
  const last = LAYER_KINDS[LAYER_KINDS.length - 1].keyword;
  const grammar = read('syntaxes/nnet.tmLanguage.json').replace(`|${last})`, ')');
  assert.notEqual(grammar, read('syntaxes/nnet.tmLanguage.json'));
  assert.notEqual(generateGrammar(grammar), grammar);
  const doc = read('docs/language.md').replace(new RegExp(`^\\| \`${last}.*\n`, 'm'), '');
  assert.notEqual(doc, read('docs/language.md'));
  assert.notEqual(generateDocs(doc), doc);
});

test('the grammar colours each layer keyword and its name (vscode-textmate with oniguruma)', async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(read('syntaxes/nnet.tmLanguage.json'), 'nnet.tmLanguage.json'),
  });
  const grammar = (await registry.loadGrammar('source.nnet'))!;
  for (const k of LAYER_KINDS) {
    const line = `  ${k.keyword} mylayer`;
    const { tokens } = grammar.tokenizeLine(line, textmate.INITIAL);
    const scopeOf = (word: string) => tokens.find((t) => line.slice(t.startIndex, t.endIndex) === word)?.scopes ?? [];
    assert.ok(scopeOf(k.keyword).includes('storage.type.layer.nnet'), `${k.keyword}: ${JSON.stringify(tokens)}`);
    assert.ok(scopeOf('mylayer').includes('entity.name.function.layer.nnet'), `${k.keyword}'s name`);
  }
  // An unknown word in its place is not coloured as a layer.
  const { tokens } = grammar.tokenizeLine('  denser mylayer', textmate.INITIAL);
  assert.ok(!tokens.some((t) => t.scopes.includes('storage.type.layer.nnet')));
});
