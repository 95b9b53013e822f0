// The TextMate grammar (syntaxes/nnet.tmLanguage.json) tokenized by VS Code's own engine (vscode-textmate on
// Oniguruma): every word of the language's vocabulary gets its scope, and every line of every example is scoped as
// the parser reads it — so a keyword added to the engine and not to the grammar fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { GENERATORS } from '../../engine/data/generators';
import {
  ACTIVATION_DOCS,
  INIT_DOCS,
  LOSS_DOCS,
  OPTIMIZER_DOCS,
  SCHEDULE_DOCS,
  STATEMENTS,
  type WordKind,
} from '../../engine/language/vocabulary';

const ROOT = path.resolve(__dirname, '..', '..');
const GRAMMAR = path.join(ROOT, 'syntaxes', 'nnet.tmLanguage.json');

/** One token of a line: its text and its innermost scope (the one a theme colours). */
interface Token {
  readonly text: string;
  readonly scope: string;
}

let grammar: textmate.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === 'source.nnet' ? textmate.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null,
  });
  const loaded = await registry.loadGrammar('source.nnet');
  assert.ok(loaded, 'the grammar loads');
  grammar = loaded;
});

/** Tokenizes a whole document, line by line, carrying the rule stack as VS Code does. */
function tokenize(text: string): Token[][] {
  let stack = textmate.INITIAL;
  return text.split(/\r?\n/).map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens
      .map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scope: t.scopes[t.scopes.length - 1] ?? '' }))
      .filter((t) => t.text.trim() !== '');
  });
}

/** The scope of `word` (a whole token, trimmed) on a one-line document. */
function scopeOf(line: string, word: string): string | undefined {
  return tokenize(line)[0]?.find((t) => t.text.trim() === word)?.scope;
}

const STATEMENT_SCOPE: Partial<Record<WordKind, RegExp>> = {
  section: /^keyword\.(control\.section|other\.setting)\.nnet$/, // `loss` is both a section and a setting
  layer: /^storage\.type\.layer\.nnet$/,
  block: /^keyword\.control\.block\.nnet$/,
  setting: /^keyword\.other\.setting\.nnet$/,
};

test('every statement keyword of the vocabulary is scoped as its kind at the start of a line', () => {
  for (const [word, doc] of Object.entries(STATEMENTS)) {
    const expected = STATEMENT_SCOPE[doc.kind];
    assert.ok(expected, `${word}: a statement of kind ${doc.kind} has a scope rule here`);
    assert.match(scopeOf(`  ${word} 4`, word) ?? '(none)', expected, `'${word}' (${doc.kind})`);
  }
});

test('every activation, loss, optimizer, schedule, dataset and initialiser is scoped', () => {
  for (const a of Object.keys(ACTIVATION_DOCS))
    assert.equal(scopeOf(`  dense h 4 ${a}`, a), 'support.function.activation.nnet', a);
  for (const l of Object.keys(LOSS_DOCS)) assert.equal(scopeOf(`loss ${l}`, l), 'support.function.loss.nnet', l);
  for (const o of Object.keys(OPTIMIZER_DOCS))
    assert.equal(scopeOf(`  optimizer ${o} lr=0.1`, o), 'support.class.optimizer.nnet', o);
  for (const s of Object.keys(SCHEDULE_DOCS)) assert.equal(scopeOf(`  schedule ${s}`, s), 'support.constant.nnet', s);
  for (const g of Object.keys(GENERATORS))
    assert.equal(scopeOf(`data generate ${g} n=100`, g), 'support.constant.dataset.nnet', g);
  for (const i of Object.keys(INIT_DOCS).map((k) => k.replace(/\(.*$/, ''))) {
    assert.equal(scopeOf(`  dense h 4 init=${i}`, i), 'support.function.init.nnet', i);
  }
});

test('a layer named like nothing special keeps its name scope, and a name that is an activation is not a name', () => {
  assert.equal(scopeOf('  dense hidden1 4 relu', 'hidden1'), 'entity.name.function.layer.nnet');
  assert.equal(scopeOf('  dense 4 relu', 'relu'), 'support.function.activation.nnet');
  assert.equal(scopeOf('  activation relu', 'relu'), 'support.function.activation.nnet');
  assert.equal(scopeOf('  dense h 4 # a comment with relu', '# a comment with relu'), 'comment.line.number-sign.nnet');
  const quoted = tokenize('data csv "data.csv" inputs=2')[0]!.filter((t) => /"|data\.csv/.test(t.text));
  assert.ok(quoted.length > 0 && quoted.every((t) => t.scope === 'string.quoted.double.nnet'), JSON.stringify(quoted));
  assert.equal(scopeOf('  0.5 -1e-3 -> 1', '->'), 'keyword.operator.arrow.nnet');
});

const EXAMPLES = fs
  .readdirSync(path.join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.nnet'))
  .sort();

test('every example: comments, statements, layer names, numbers and vocabulary words carry their scopes', () => {
  assert.ok(EXAMPLES.length >= 10, `examples found: ${EXAMPLES.length}`);
  const vocabulary = new Set([
    ...Object.keys(ACTIVATION_DOCS),
    ...Object.keys(LOSS_DOCS),
    ...Object.keys(OPTIMIZER_DOCS),
    ...Object.keys(GENERATORS),
  ]);
  for (const file of EXAMPLES) {
    const text = fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8');
    const lines = text.split(/\r?\n/);
    tokenize(text).forEach((tokens, i) => {
      const where = `${file}:${i + 1}: ${lines[i]}`;
      const code = lines[i]!.replace(/#.*$/, '').trim();
      if (lines[i]!.includes('#'))
        assert.ok(
          tokens.some((t) => t.scope.startsWith('comment.line')),
          `${where} — comment`,
        );
      if (code === '') return;
      const first = code.split(/\s+/)[0]!;
      const statement = STATEMENTS[first];
      if (statement) {
        const expected = STATEMENT_SCOPE[statement.kind]!;
        assert.match(tokens.find((t) => t.text.trim() === first)?.scope ?? '(none)', expected, `${where} — '${first}'`);
        const name = code.split(/\s+/)[1];
        if (
          (statement.kind === 'layer' || statement.kind === 'block') &&
          name &&
          /^[A-Za-z_]\w*$/.test(name) &&
          !vocabulary.has(name) &&
          first !== 'repeat'
        ) {
          assert.equal(
            tokens.find((t) => t.text.trim() === name)?.scope,
            'entity.name.function.layer.nnet',
            `${where} — name '${name}'`,
          );
        }
      } else {
        assert.match(code, /->/, `${where}: a line that is not a statement is a data row`);
      }
      for (const t of tokens) {
        const word = t.text.trim();
        if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(word))
          assert.equal(t.scope, 'constant.numeric.nnet', `${where} — number ${word}`);
        if (vocabulary.has(word) && word !== first)
          assert.notEqual(t.scope, 'source.nnet', `${where} — '${word}' unscoped`);
      }
    });
  }
});
