// The outline's scan of a document, and the memo that lets symbols, folding, formatting and hover share it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanLines } from './outline';
import { documentSymbols, foldingRanges } from './symbols';

const DOC = 'network xor\n  input 2\n  # hidden\n  dense h 4 tanh\n  dense out 1 sigmoid\nloss bce\n';

test('a document scanned again is not scanned again; an edited one is', () => {
  const first = scanLines(DOC);
  assert.equal(scanLines(DOC), first, 'the same text: the same scan');
  // Equal content in a different string (as an editor hands each request a fresh copy): still the same scan.
  assert.equal(scanLines([...DOC].join('')), first);
  const edited = DOC.replace('dense h 4 tanh', 'repeat 2\n    dense h 4 tanh\n  end');
  const second = scanLines(edited);
  assert.notEqual(second, first);
  assert.deepEqual(
    second.map((l) => [l.line, l.role, l.depth]),
    [
      [0, 'section', 0],
      [1, 'statement', 1],
      [2, 'comment', 1],
      [3, 'open', 1],
      [4, 'statement', 2],
      [5, 'close', 1],
      [6, 'statement', 1],
      [7, 'top', 0],
    ],
  );
  // Back to the first text: scanned afresh (one entry), and the same lines as before.
  assert.deepEqual(scanLines(DOC), first);
});

test('a hostile document of many words is scanned each time rather than kept in memory', () => {
  const huge = `network a\n  input 2\n  dense 8${' relu'.repeat(150_000)}\n`;
  const once = scanLines(huge);
  assert.equal(once[2].toks.length, 150_002);
  assert.notEqual(scanLines(huge), once, 'not kept: ~80 bytes a token would stay after its editor closed');
  // A small document after it is kept again.
  const small = scanLines(DOC);
  assert.equal(scanLines(DOC), small);
});

test('symbols and folding ranges of one text after another follow each text', () => {
  const edited = DOC.replace('network xor', 'network other');
  assert.equal(documentSymbols(DOC)[0].name, 'xor');
  assert.equal(documentSymbols(edited)[0].name, 'other');
  assert.deepEqual(foldingRanges(DOC), foldingRanges(DOC.slice(0)));
  assert.notDeepEqual(foldingRanges(DOC), foldingRanges('network a\n  input 2\n'));
});
