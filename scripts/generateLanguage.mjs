// Regenerates the layer-kind lists of the TextMate grammar and docs/language.md from the layer registry.
// Run: node --import tsx scripts/generateLanguage.mjs   (engine/language/reference.test.ts checks they are current)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDocs, generateGrammar } from '../engine/language/reference.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
for (const [file, generate] of [
  ['syntaxes/nnet.tmLanguage.json', generateGrammar],
  ['docs/language.md', generateDocs],
]) {
  const p = path.join(root, file),
    before = fs.readFileSync(p, 'utf8'),
    after = generate(before);
  if (after !== before) fs.writeFileSync(p, after);
  process.stdout.write(`${file}: ${after === before ? 'up to date' : 'updated'}\n`);
}
