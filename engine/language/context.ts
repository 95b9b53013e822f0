// What the parts of the parser share: the diagnostics being collected and helpers to read one line's tokens.

import type { CsvDataset, CsvOptions } from '../data/csv';
import type { NpzArrays } from '../io/npy';
import { parseNumber, type Token } from './lexer';
import type { Diagnostic, SourceRange } from './spec';

/**
 * Answers the text of a data file named in the document (a path relative to the .nnet file), or why it cannot be
 * read. Supplied by the caller (CLI, extension, worker), so the parser itself never touches the file system.
 * `load`, when given, turns the text into rows in place of `loadCsv(text, options, relPath)`: the editor answers
 * it from a cache so that an edit to the .nnet file does not split a 16 MB CSV again. Its rows are shared between
 * parses and must not be changed.
 */
export type ReadFile = (
  relPath: string,
) => { readonly text: string; readonly load?: (options: CsvOptions) => CsvDataset } | { readonly error: string };

/**
 * Answers the arrays of the weights file a `weights "FILE.npz"` line names (relative to the .nnet file), or why it
 * cannot be read. Supplied by the caller like `ReadFile`: the parser never touches the file system. `maxBytes` is
 * what the network's arrays could take (twice their float64 size, and headers): a reader may refuse to inflate more.
 */
export type ReadWeights = (
  relPath: string,
  maxBytes: number,
) => { readonly arrays: NpzArrays } | { readonly error: string };

/** Options of `parseNnet`. */
export interface ParseOptions {
  /** How to read `data csv "FILE"`; without it such a line is an error that says so. */
  readonly readFile?: ReadFile;
  /** How to read `weights "FILE.npz"`; without it such a line is an error that says so. */
  readonly readWeights?: ReadWeights;
  /**
   * Bytes training may use for parameters, gradients, optimizer state and activations; a file that needs more is an
   * error. Default LIMITS.memoryBudget (2 GiB).
   */
  readonly memoryBudget?: number;
}

/** One line being parsed: its tokens and where they are. */
export interface Line {
  /** 0-based line number. */
  readonly ln: number;
  readonly toks: readonly Token[];
  /** From the first token to the last. */
  readonly whole: SourceRange;
}

/** Diagnostics kept per document; a file of a million bad lines is counted, not listed. */
export const MAX_DIAGNOSTICS = 1000;

/** Collects diagnostics; the parts of the parser report through it and never throw. */
export class ParseContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Diagnostics past MAX_DIAGNOSTICS, counted but not kept. */
  omitted = 0;
  private errors = 0;

  error(range: SourceRange, message: string): void {
    this.errors++;
    this.add({ severity: 'error', message, range });
  }

  warn(range: SourceRange, message: string): void {
    this.add({ severity: 'warning', message, range });
  }

  /** Reports text that is written but has no effect (see Diagnostic.unused). */
  unused(range: SourceRange, message: string): void {
    this.add({ severity: 'warning', message, range, unused: true });
  }

  get hasErrors(): boolean {
    return this.errors > 0;
  }

  private add(d: Diagnostic): void {
    if (this.diagnostics.length < MAX_DIAGNOSTICS) this.diagnostics.push(d);
    else this.omitted++;
  }

  /** Reports every token from `from` on as unexpected. */
  extra(line: Line, from: number): void {
    if (line.toks.length > from) {
      const t = line.toks[from];
      this.error(
        { line: line.ln, col: t.col, endCol: line.toks[line.toks.length - 1].endCol },
        `unexpected '${t.text}'`,
      );
    }
  }
}

/** The range of one token on a line. */
export function at(line: Line, t: Token): SourceRange {
  return { line: line.ln, col: t.col, endCol: t.endCol };
}

/**
 * Reads `key=value` options of a statement into numbers (or strings for the keys in `strings`), reporting
 * unknown keys and bad values. Returns null if any was bad.
 */
export function readOptions(
  ctx: ParseContext,
  line: Line,
  toks: readonly Token[],
  allowed: Readonly<Record<string, { min?: number; max?: number; minExclusive?: boolean; integer?: boolean }>>,
  what: string,
): Record<string, number> | null {
  const out: Record<string, number> = {};
  let ok = true;
  for (const t of toks) {
    const eq = t.text.indexOf('=');
    const key = eq > 0 ? t.text.slice(0, eq) : t.text,
      value = eq > 0 ? t.text.slice(eq + 1) : '';
    // Own keys only: `constructor=1` must not find Object.prototype.constructor.
    const rule = Object.prototype.hasOwnProperty.call(allowed, key) ? allowed[key] : undefined;
    if (!rule) {
      ctx.error(
        at(line, t),
        `unknown ${what} parameter '${key}'; expected ${
          Object.keys(allowed)
            .map((k) => `${k}=…`)
            .join(', ') || 'none'
        }`,
      );
      ok = false;
      continue;
    }
    const v = parseNumber(value);
    const bad =
      v === null ||
      (rule.integer && !Number.isInteger(v)) ||
      (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) ||
      (rule.max !== undefined && v > rule.max);
    if (bad) {
      const range =
        rule.min !== undefined
          ? ` (${rule.minExclusive ? '>' : '≥'} ${rule.min}${rule.max !== undefined ? `, ≤ ${rule.max}` : ''})`
          : '';
      ctx.error(
        at(line, t),
        `invalid value for ${key}: '${value}'; expected a${rule.integer ? 'n integer' : ' number'}${range}`,
      );
      ok = false;
    } else out[key] = v!;
  }
  return ok ? out : null;
}
