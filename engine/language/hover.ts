// Hover text (markdown) for a position in a .nnet document: a layer's shapes, parameter count and forward/backward
// formulas, or what a keyword or parameter means and its default. Pure: the VS Code adapter only wraps it.

import { GENERATORS, GENERATOR_NAMES } from '../data/generators';
import { kindOf } from '../nn/layers';
import { residualHover } from '../nn/layers/residual';
import { commentStart, splitLines, type Token } from './lexer';
import { scanLines, type OutlineLine } from './outline';
import { parseNnet, type ParseResult } from './parser';
import { outputWidth, parameterCount, type LayerSpec, type SourceRange } from './spec';
import {
  ACTIVATION_DOCS,
  INIT_DOCS,
  LOSS_DOCS,
  OPTIMIZER_DOCS,
  OPTIMIZER_PARAM_DOCS,
  OPTION_DOCS,
  SCHEDULE_DOCS,
  STATEMENTS,
  datasetSyntax,
  optimizerParams,
} from './vocabulary';

/** Markdown for the hover and the range of the word it explains. */
export interface HoverResult {
  readonly markdown: string;
  readonly range: SourceRange;
}

/** A layer as placed in the network: the widths around it and how many copies a `repeat` made. */
export interface PlacedLayer {
  readonly layer: LayerSpec;
  readonly inWidth: number;
  readonly outWidth: number;
  readonly params: number;
  /** Every copy on this line (more than one inside `repeat`). */
  readonly names: readonly string[];
  readonly isOutput: boolean;
}

/** The layers whose statement (or, for residual blocks, `end`) is on `line`, with their input/output widths. */
export function layerOnLine(parsed: ParseResult, line: number): PlacedLayer | null {
  const { inputSize, layers } = parsed.partial;
  if (inputSize === null) return null;
  let found: PlacedLayer | null = null;
  const last = layers[layers.length - 1];
  const walk = (list: readonly LayerSpec[], w: number, top: boolean): number => {
    for (const l of list) {
      const out = outputWidth(l, w);
      const onLine = l.range.line === line || (l.kind === 'residual' && l.endRange.line === line);
      if (onLine) {
        if (found && found.layer.kind === l.kind) found = { ...found, names: [...found.names, l.name] };
        else if (!found)
          found = {
            layer: l,
            inWidth: w,
            outWidth: out,
            params: parameterCount(w, [l]),
            names: [l.name],
            isOutput: top && l === last,
          };
      }
      if (l.kind === 'residual') walk(l.body, w, false);
      w = out;
    }
    return w;
  };
  walk(layers, inputSize, true);
  return found;
}

const shape = (b: string, w: number) => `[${b}×${w}]`;

/** The hover for a layer: kind, shapes, parameters, forward and backward formulas. */
export function layerHover(p: PlacedLayer, parsed: ParseResult, loss: string | null): string {
  const l = p.layer;
  const B = parsed.partial.batch !== null ? String(parsed.partial.batch) : 'B';
  const copies =
    p.names.length > 1 ? ` · repeated ×${p.names.length} (${p.names[0]} … ${p.names[p.names.length - 1]})` : '';
  const params = p.params
    ? ` · **${(p.params * p.names.length).toLocaleString('en-US')} parameters**${p.names.length > 1 ? ` (${p.params.toLocaleString('en-US')} each)` : ''}`
    : ' · no parameters';
  const head = `**${l.kind} \`${p.names[0]}\`** — ${shape(B, p.inWidth)} → ${shape(B, p.outWidth)}${params}${copies}`;
  const h =
    l.kind === 'residual'
      ? { lines: residualHover(p.inWidth, p.outWidth) }
      : kindOf(l).hover(l, { inWidth: p.inWidth, outWidth: p.outWidth, B, isOutput: p.isOutput, loss });
  return `${head}\n\n\`\`\`\n${h.lines.join('\n')}\n\`\`\`${h.note ? `\n\n${h.note}` : ''}`;
}

const doc = (title: string, body: string) => `**${title}** — ${body}`;

/** Hover at a 0-based position, or null. Pass `parsed` to reuse a parse (with CSV data) the caller already has. */
export function hoverAt(
  text: string,
  line: number,
  col: number,
  parsed: ParseResult = parseNnet(text),
): HoverResult | null {
  const lineText = splitLines(text)[line] ?? '';
  const hash = commentStart(lineText);
  if (hash >= 0 && col >= hash) return null;
  const ol = scanLines(text).find((l) => l.line === line);
  if (!ol || !ol.toks.length) return null;
  const i = ol.toks.findIndex((t) => col >= t.col && col <= t.endCol);
  if (i < 0) return null;
  const tok = ol.toks[i];
  const range = { line, col: tok.col, endCol: tok.endCol };
  const md = explain(ol, i, tok, col, parsed);
  return md ? { markdown: md, range } : null;
}

function explain(ol: OutlineLine, i: number, tok: Token, col: number, parsed: ParseResult): string | null {
  const head = ol.toks[0].text,
    word = tok.text;
  const lossLine = parsed.spec?.loss ?? parsed.partial.loss;
  if (
    ol.section === 'network' &&
    (ol.role === 'statement' || ol.role === 'open' || ol.role === 'close') &&
    !word.includes('=')
  ) {
    const placed = layerOnLine(parsed, ol.line);
    if (placed && (i <= 1 || head === 'end' || !Object.prototype.hasOwnProperty.call(ACTIVATION_DOCS, word)))
      return layerHover(placed, parsed, lossLine);
    if (head === 'input' && parsed.partial.inputSize !== null) {
      return `${doc('input', STATEMENTS.input.doc)}\n\nEach batch x is [${parsed.partial.batch ?? 'B'}×${parsed.partial.inputSize}].`;
    }
  }
  const eq = word.indexOf('=');
  if (eq > 0) {
    const key = word.slice(0, eq),
      value = word.slice(eq + 1);
    if ((key === 'init' || key === 'bias_init') && col > tok.col + eq) {
      const name = value.replace(/\(.*$/, '');
      const entry =
        Object.entries(INIT_DOCS).find(([k]) => k.replace(/\(.*$/, '') === name) ??
        Object.entries(INIT_DOCS).find(
          ([, v]) => v.includes(`${name},`) || v.includes(`${name}.`) || v.includes(` ${name})`),
        );
      if (entry) return doc(entry[0], entry[1]);
    }
    return paramDoc(ol, key);
  }
  if (i === 0) {
    const s = STATEMENTS[word];
    if (s) return `${doc(word, s.doc)}\n\n\`${s.syntax}\``;
  }
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  if (own(ACTIVATION_DOCS, word)) {
    const a = ACTIVATION_DOCS[word];
    return `${doc(word, a.doc)}\n\n\`${a.forward}\` · \`${a.derivative}\``;
  }
  if (head === 'loss' && own(LOSS_DOCS, word)) return doc(`loss ${word}`, LOSS_DOCS[word]);
  if (head === 'optimizer' && i === 1 && own(OPTIMIZER_DOCS, word)) {
    const defaults = Object.entries(optimizerParams(word))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `${doc(`optimizer ${word}`, OPTIMIZER_DOCS[word])}\n\nDefaults: \`${defaults}\``;
  }
  if (head === 'optimizer' && word === 'nesterov') return doc('nesterov', OPTIMIZER_PARAM_DOCS.nesterov);
  if (head === 'schedule' && i === 1 && own(SCHEDULE_DOCS, word))
    return doc(`schedule ${word}`, SCHEDULE_DOCS[word].doc);
  for (const group of [head, ol.toks[1]?.text ?? '']) {
    if (own(OPTION_DOCS, group) && own(OPTION_DOCS[group], word)) return doc(word, OPTION_DOCS[group][word]);
  }
  if (head === 'data' && GENERATOR_NAMES.includes(word))
    return `${doc(`${word} dataset`, GENERATORS[word].doc)}\n\n\`${datasetSyntax(word)}\``;
  return null;
}

/** Docs of a `key=` parameter in the context of its statement. */
function paramDoc(ol: OutlineLine, key: string): string | null {
  const [head, second, third] = ol.toks.map((t) => t.text);
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  if (head === 'optimizer' && own(OPTIMIZER_PARAM_DOCS, key)) {
    const def = optimizerParams(second ?? '')[key];
    return doc(key, `${OPTIMIZER_PARAM_DOCS[key]}${def !== undefined ? ` Default for ${second}: ${def}.` : ''}`);
  }
  if (head === 'schedule')
    return key === 'every'
      ? doc(key, 'Steps between learning-rate drops.')
      : key === 'gamma'
        ? doc(key, 'Factor the learning rate is multiplied by.')
        : key === 'min_lr'
          ? doc(key, 'Learning rate at the end of the cosine (default 0).')
          : null;
  if (
    head === 'data' &&
    second === 'generate' &&
    third &&
    GENERATOR_NAMES.includes(third) &&
    own(GENERATORS[third].params, key)
  ) {
    const p = GENERATORS[third].params[key];
    return doc(key, `${p.doc[0].toUpperCase()}${p.doc.slice(1)}. Default ${p.default}.`);
  }
  const group = head === 'data' ? (second ?? '') : head;
  return own(OPTION_DOCS, group) && own(OPTION_DOCS[group], key) ? doc(key, OPTION_DOCS[group][key]) : null;
}
