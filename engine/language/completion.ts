// Completion for a position in a .nnet document: statements for the section, then what fits after the words
// already on the line (activations, initialisers, optimizers and their unused parameters, datasets, options).

import { GENERATORS, GENERATOR_NAMES } from '../data/generators';
import { layerKind } from '../nn/layers';
import { LOSSES } from '../nn/losses';
import { CSV_OPTIONS } from './data';
import { LAYER_KEYWORDS } from './layers';
import { commentStart, splitLines, tokenizeLine } from './lexer';
import { sectionAt } from './outline';
import { TRAIN_SETTINGS } from './train';
import {
  INIT_DOCS,
  LOSS_DOCS,
  OPTIMIZER_DOCS,
  OPTIMIZER_PARAM_DOCS,
  OPTION_DOCS,
  SCHEDULE_DOCS,
  STATEMENTS,
  datasetSyntax,
  optimizerParams,
  type WordKind,
} from './vocabulary';

/** One proposal. `insertText` may be a VS Code snippet string when `snippet` is true. */
export interface Completion {
  readonly label: string;
  readonly kind: WordKind;
  readonly detail: string;
  readonly documentation: string;
  readonly insertText?: string;
  readonly snippet?: boolean;
}

/** Proposals and the column from which they replace text (the start of the word, or just after `=`). */
export interface CompletionResult {
  readonly items: Completion[];
  readonly from: number;
}

const item = (
  label: string,
  kind: WordKind,
  detail: string,
  documentation: string,
  insertText?: string,
  snippet = false,
): Completion => ({ label, kind, detail, documentation, ...(insertText !== undefined ? { insertText, snippet } : {}) });
const statement = (w: string) => item(w, STATEMENTS[w].kind, STATEMENTS[w].syntax, STATEMENTS[w].doc);
const option = (key: string, kind: WordKind, doc: string, flag = false) =>
  item(flag ? key : `${key}=`, kind, flag ? 'flag' : `${key}=…`, doc);

/** Completions at a 0-based position. */
export function completeAt(text: string, line: number, col: number): CompletionResult {
  const lineText = splitLines(text)[line] ?? '';
  const hash = commentStart(lineText);
  if (hash >= 0 && col > hash) return { items: [], from: col };
  const before = lineText.slice(0, col);
  const toks = tokenizeLine(before);
  const typing = toks.length && toks[toks.length - 1].endCol === col ? toks.pop()! : null;
  const from = typing ? typing.col : col;
  const words = toks.map((t) => t.text);
  const section = sectionAt(text, line);

  // `key=` being typed: complete the value.
  if (typing && typing.text.includes('=')) {
    const key = typing.text.slice(0, typing.text.indexOf('='));
    const valueFrom = typing.col + key.length + 1;
    if (key === 'init' || key === 'bias_init') {
      return {
        from: valueFrom,
        items: Object.entries(INIT_DOCS).map(([k, d]) =>
          k.includes('(')
            ? item(
                k.replace(/\(.*/, ''),
                'init',
                k,
                d,
                `${k.replace(/\(.*/, '')}(${k
                  .replace(/^.*\((.*)\)$/, '$1')
                  .split(',')
                  .map((a, i) => `\${${i + 1}:${a}}`)
                  .join(',')})`,
                true,
              )
            : item(k, 'init', k, d),
        ),
      };
    }
    return { from: valueFrom, items: [] };
  }

  if (!words.length) {
    const tops = ['network', 'loss', 'data', 'train'].map(statement);
    if (section === 'network') return { from, items: [...LAYER_KEYWORDS.map(statement), ...tops] };
    if (section === 'train') return { from, items: [...TRAIN_SETTINGS.map(statement), ...tops] };
    return { from, items: tops };
  }
  const head = words[0];
  const used = new Set(words.slice(1).map((w) => w.replace(/=.*/, '')));
  const kind = layerKind(head);
  if (kind) return { from, items: kind.complete?.(words, used) ?? [] };
  switch (head) {
    case 'loss':
      return { from, items: words.length === 1 ? LOSSES.map((l) => item(l, 'loss', `loss ${l}`, LOSS_DOCS[l])) : [] };
    case 'optimizer': {
      if (words.length === 1)
        return {
          from,
          items: Object.entries(OPTIMIZER_DOCS).map(([k, d]) => item(k, 'optimizer', `optimizer ${k}`, d)),
        };
      const params = Object.entries(optimizerParams(words[1])).filter(([k]) => !used.has(k));
      return {
        from,
        items: params.map(([k, v]) =>
          k === 'nesterov'
            ? option(k, 'option', OPTIMIZER_PARAM_DOCS[k], true)
            : item(`${k}=`, 'option', `${k}=${v} (default)`, OPTIMIZER_PARAM_DOCS[k] ?? ''),
        ),
      };
    }
    case 'schedule': {
      if (words.length === 1)
        return {
          from,
          items: Object.entries(SCHEDULE_DOCS).map(([k, d]) =>
            item(k, 'schedule', `schedule ${k} ${d.params.map((p) => `${p}=…`).join(' ')}`.trim(), d.doc),
          ),
        };
      const d = Object.prototype.hasOwnProperty.call(SCHEDULE_DOCS, words[1]) ? SCHEDULE_DOCS[words[1]] : null;
      return {
        from,
        items: (d?.params ?? []).filter((p) => !used.has(p)).map((p) => item(`${p}=`, 'option', `${p}=…`, d!.doc)),
      };
    }
    case 'clip':
      return {
        from,
        items:
          words.length === 1
            ? Object.entries(OPTION_DOCS.clip).map(([k, d]) => item(k, 'value', `clip ${k} MAX`, d))
            : [],
      };
    case 'shuffle':
      return {
        from,
        items:
          words.length === 1
            ? Object.entries(OPTION_DOCS.shuffle).map(([k, d]) => item(k, 'value', `shuffle ${k}`, d))
            : [],
      };
    case 'data': {
      if (words.length === 1) {
        return {
          from,
          items: [
            item(
              'csv',
              'value',
              'data csv "FILE.csv" inputs=… target=… [onehot] [standardize]',
              OPTION_DOCS.data.csv,
              'csv "${1:data.csv}"$0',
              true,
            ),
            item('generate', 'value', 'data generate NAME [n=…] [noise=…] [seed=…]', OPTION_DOCS.data.generate),
          ],
        };
      }
      if (words[1] === 'generate' && words.length === 2)
        return { from, items: GENERATOR_NAMES.map((g) => item(g, 'dataset', datasetSyntax(g), GENERATORS[g].doc)) };
      if (words[1] === 'generate' && GENERATOR_NAMES.includes(words[2])) {
        return {
          from,
          items: Object.entries(GENERATORS[words[2]].params)
            .filter(([k]) => !used.has(k))
            .map(([k, p]) => item(`${k}=`, 'option', `${k}=${p.default} (default)`, p.doc)),
        };
      }
      if (words[1] === 'csv' && words.length >= 3)
        return {
          from,
          items: CSV_OPTIONS.filter((k) => !used.has(k)).map((k) =>
            option(k, 'option', OPTION_DOCS.csv[k], k === 'onehot' || k === 'standardize'),
          ),
        };
      return { from, items: [] };
    }
  }
  return { from, items: [] };
}
