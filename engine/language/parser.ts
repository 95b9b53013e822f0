// Parses and checks .nnet text into a NetworkSpec. Never throws; reports every problem it can with a precise range.
// Line-oriented: `network`, `loss`, `data` and `train` start sections; other lines belong to the current section.

import { LOSSES, type Loss } from '../nn/losses';
import { checkNetwork } from './checker';
import { ParseContext, at, type Line, type ParseOptions } from './context';
import { dataHeader, dataRow, emptyData } from './data';
import { lineBounds, tokenizeLine } from './lexer';
import { NetworkBuilder } from './layers';
import { LIMITS, type Diagnostic, type LayerSpec, type NetworkSpec, type SourceRange } from './spec';
import { defaultTrain, trainStatement } from './train';
import { loadWeights, warnReplacedInits } from './weights';

export type { ParseOptions, ReadFile, ReadWeights } from './context';
export type { RowDraft } from './data';

/** The result of parsing: a spec when there are no errors, and all diagnostics (errors and warnings). */
export interface ParseResult {
  readonly spec: NetworkSpec | null;
  readonly diagnostics: readonly Diagnostic[];
  /** Diagnostics beyond the first MAX_DIAGNOSTICS (1000), counted but not listed. */
  readonly omittedDiagnostics: number;
  /** The layers that did parse and the input width, even when there are errors (for hover and CodeLens). */
  readonly partial: {
    readonly inputSize: number | null;
    readonly layers: readonly LayerSpec[];
    readonly batch: number | null;
    readonly loss: Loss | null;
    /** Number of samples loaded (inline rows, CSV or generator). */
    readonly samples: number;
  };
}

type Section = 'none' | 'network' | 'data' | 'train';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A line that starts a section or is the `loss` line: what can end a data section. */
const SECTION_START = /^\s*(network|data|train|loss)(\s|#|$)/;
const BLANK = /^\s*(#|$)/;
/** Most words a statement line can use (a layer with every option has ~10); the rest of a longer line is not read. */
const MAX_STATEMENT_TOKENS = 64;
/** Most words a data row can use: the widest input and target, and the arrow. */
const MAX_ROW_TOKENS = 2 * LIMITS.maxUnits + 1;

/**
 * Parses and checks a .nnet document; `options.readFile` reads the CSV a `data csv` line names, `options.readWeights`
 * the .npz a `weights` line names. Never throws.
 */
export function parseNnet(text: string, options: ParseOptions = {}): ParseResult {
  const ctx = new ParseContext();
  const net = new NetworkBuilder(ctx);
  const train = defaultTrain();
  const data = emptyData();
  const seen = new Map<string, SourceRange>();
  let section: Section = 'none';
  let name: string | null = null,
    networkRange: SourceRange | null = null;
  let loss: { kind: Loss; range: SourceRange } | null = null;
  const bounds = lineBounds(text);
  // One line at a time, not an array of them all: a file of millions of lines makes no millions of strings at once.
  let line!: Line;
  const once = (key: string): boolean => {
    const prev = seen.get(key);
    if (prev) {
      ctx.error(line.whole, `'${key}' is already given on line ${prev.line + 1}`);
      return false;
    }
    seen.set(key, line.whole);
    return true;
  };

  for (let ln = 0; ln < bounds.count; ln++) {
    const src = text.slice(bounds.start[ln], bounds.end[ln]);
    // Rows past the sample limit are only counted (the file is refused): a huge data section stays cheap to parse.
    if (data.dropped > 0 && section === 'data' && !SECTION_START.test(src)) {
      if (!BLANK.test(src)) data.dropped++;
      continue;
    }
    let toks = tokenizeLine(src, MAX_ROW_TOKENS + 1);
    if (toks.length === 0) continue;
    const limit = section === 'data' && !SECTION_START.test(src) ? MAX_ROW_TOKENS : MAX_STATEMENT_TOKENS;
    if (toks.length > limit) {
      // One error for the line, and only its first words are read: a line of millions of words costs no more.
      const what =
        limit === MAX_ROW_TOKENS
          ? `a data row has at most ${limit.toLocaleString('en-US')} values and '->'`
          : `a statement has at most ${limit} words`;
      ctx.error(
        { line: ln, col: toks[limit].col, endCol: src.length },
        `this line is too long: ${what}; the rest is ignored`,
      );
      toks = toks.slice(0, limit);
    }
    line = { ln, toks, whole: { line: ln, col: toks[0].col, endCol: toks[toks.length - 1].endCol } };
    const head = toks[0].text;
    switch (head) {
      case 'network':
        section = 'network';
        if (!once('network')) continue;
        networkRange = line.whole;
        if (toks.length < 2) ctx.error(line.whole, "expected a name after 'network', e.g. 'network xor'");
        else if (!IDENT.test(toks[1].text))
          ctx.error(at(line, toks[1]), `'${toks[1].text}' is not a valid network name`);
        else name = toks[1].text;
        ctx.extra(line, 2);
        continue;
      case 'data':
        section = 'data';
        if (once('data')) dataHeader(ctx, line, data, options.readFile);
        continue;
      case 'train':
        section = 'train';
        once('train');
        ctx.extra(line, 1);
        continue;
      case 'loss': {
        if (!once('loss')) continue;
        const k = toks[1];
        if (!k) ctx.error(line.whole, `expected a loss after 'loss': ${LOSSES.join(', ')}`);
        else if (!(LOSSES as readonly string[]).includes(k.text))
          ctx.error(at(line, k), `unknown loss '${k.text}'; expected one of ${LOSSES.join(', ')}`);
        else loss = { kind: k.text as Loss, range: line.whole };
        ctx.extra(line, 2);
        continue;
      }
    }
    switch (section) {
      case 'network':
        net.statement(line);
        break;
      case 'data':
        dataRow(ctx, line, data);
        break;
      case 'train':
        trainStatement(ctx, line, train, once);
        break;
      case 'none':
        ctx.error(at(line, toks[0]), `unexpected '${head}'; a file starts with 'network NAME'`);
        break;
    }
  }
  const layers = net.finish();
  const weights =
    train.weights && net.input && !net.failed
      ? loadWeights(ctx, train.weights, net.input.size, layers, options.readWeights)
      : undefined;
  if (weights && train.weights && net.input)
    warnReplacedInits(ctx, train.weights, net.input.size, layers, (ln) => text.slice(bounds.start[ln], bounds.end[ln]));

  // The first line, as a place for whole-file errors; empty when the line is (editors widen it to one character).
  const top: SourceRange = { line: 0, col: 0, endCol: bounds.end[0] };
  if (!networkRange) ctx.error(top, "missing 'network NAME' section");
  else {
    if (!net.inputSeen && !seen.has('input')) ctx.error(networkRange, "the network needs an 'input N' line");
    if (!net.hasStatements) ctx.error(networkRange, "the network needs at least one layer, e.g. 'dense out 1 sigmoid'");
  }
  if (!loss && !seen.has('loss')) ctx.error(top, `missing 'loss' line (${LOSSES.join(', ')})`);
  if (!data.range) ctx.error(top, "missing 'data' section");
  else if (!data.rows.length && data.source.kind === 'inline' && !data.failed)
    ctx.error(data.range, "the 'data' section has no rows, e.g. '0 1 -> 1'");

  const spec = checkNetwork(ctx, {
    name,
    networkRange: networkRange ?? top,
    input: net.input,
    layers,
    layersComplete: !net.failed,
    loss,
    rows: data.rows,
    rowsDropped: data.dropped,
    dataRange: data.range ?? top,
    dataSource: data.source,
    train,
    memoryBudget: options.memoryBudget ?? LIMITS.memoryBudget,
  });
  ctx.diagnostics.sort((a, b) => a.range.line - b.range.line || a.range.col - b.range.col);
  return {
    spec: ctx.hasErrors || !spec ? null : weights ? { ...spec, weights } : spec,
    diagnostics: ctx.diagnostics,
    omittedDiagnostics: ctx.omitted,
    partial: {
      inputSize: net.input?.size ?? null,
      layers,
      batch: spec?.train.batch ?? train.batch,
      loss: loss?.kind ?? null,
      samples: data.rows.length,
    },
  };
}
