// The parts of the TextMate grammar and of docs/language.md that list the layer kinds, generated from the registry
// (engine/nn/layers/index.ts). reference.test.ts fails when the files disagree with it; to update them, run
//   node --import tsx scripts/generateLanguage.mjs

import { ACTIVATIONS } from '../nn/activations';
import { LAYER_KINDS } from '../nn/layers';
import { RESIDUAL_EBNF, RESIDUAL_REFERENCE } from '../nn/layers/residual';

/** The grammar's `layer` rule: a layer statement's keyword and its optional name (not an activation). */
export function grammarLayerMatch(): string {
  const keywords = ['input', ...LAYER_KINDS.map((k) => k.keyword)].join('|');
  return `^\\s*(${keywords})\\b(?:\\s+(?!(?:${ACTIVATIONS.join('|')})\\b)([A-Za-z_][\\w]*)(?![\\w=(]))?`;
}

/** The grammar file with its `layer` rule regenerated (the file is JSON as JSON.stringify(…, null, 2) writes it). */
export function generateGrammar(current: string): string {
  const g = JSON.parse(current) as { repository: { layer: { match: string } } };
  g.repository.layer.match = grammarLayerMatch();
  return `${JSON.stringify(g, null, 2)}\n`;
}

const production = (name: string, body: string) => `${name.padEnd(11)} = ${body}`;

/** The EBNF productions of the network's layers, from `layer = …` to `repeat = …`. */
export function ebnfLayers(): string {
  return [
    production('layer', `${[...LAYER_KINDS.map((k) => k.keyword), 'residual', 'repeat'].join(' | ')} ;`),
    ...LAYER_KINDS.map((k) => production(k.keyword, k.ebnf)),
    production('residual', RESIDUAL_EBNF),
    production('repeat', '"repeat" INT NEWLINE layer { layer } "end" NEWLINE ;'),
  ].join('\n');
}

/** The rows of the network statement table, `network NAME` to `repeat N`. */
export function networkTable(): string {
  const row = (statement: string, meaning: string, defaults: string) => `| ${statement} | ${meaning} | ${defaults} |`;
  return [
    row('`network NAME`', 'starts the network', '—'),
    row('`input N`', 'width of each sample; before the first layer', '—'),
    // The syntax as hover shows it, with defaults elided and ACT for the activation, as the table has room for.
    ...LAYER_KINDS.map((k) =>
      row(
        `\`${k.syntax.replace(/=[^\s\]]+/g, '=…').replace('ACTIVATION', 'ACT')}\``,
        k.reference.meaning,
        k.reference.defaults,
      ),
    ),
    row(RESIDUAL_REFERENCE.statement, RESIDUAL_REFERENCE.meaning, RESIDUAL_REFERENCE.defaults),
    row('`repeat N` … `end`', 'the layers N times (1 ≤ N ≤ 256), named `_1` … `_N`', '—'),
  ].join('\n');
}

/** docs/language.md with the generated parts replaced. */
export function generateDocs(current: string): string {
  return current
    .replace(/^layer {7}= [\s\S]*?^repeat {6}= [^\n]*$/m, ebnfLayers())
    .replace(/^\| `network NAME` \|[\s\S]*?^\| `repeat N` [^\n]*$/m, networkTable());
}
