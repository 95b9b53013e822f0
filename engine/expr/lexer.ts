// Splits an expression into tokens with source offsets: numbers, strings, dotted names, operators and punctuation.

import { ExprError } from './values';

/** Longest expression source accepted, in UTF-16 code units. */
export const MAX_SOURCE_LENGTH = 10_000;

/** Token kinds; `op` covers operators and punctuation, `eof` ends every token list. */
export type TokenKind = 'number' | 'string' | 'name' | 'op' | 'eof';

/** One token: its kind, its text (operator text, name path, or the decoded string), and its span. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Numeric value for `number` tokens. */
  readonly value?: number;
  readonly start: number;
  readonly end: number;
}

const OPERATORS = [
  '&&',
  '||',
  '<=',
  '>=',
  '==',
  '!=',
  '+',
  '-',
  '*',
  '/',
  '^',
  '<',
  '>',
  '!',
  '(',
  ')',
  '[',
  ']',
  ',',
  ':',
];
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };

/** Tokenizes `source`; throws ExprError on a bad character, an unterminated string or a malformed name or number. */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExprError(
      `expression is too long (${source.length} characters; the limit is ${MAX_SOURCE_LENGTH})`,
      MAX_SOURCE_LENGTH,
      source.length,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      i = lexNumber(source, i, tokens);
      continue;
    }
    if (IDENT_START.test(c)) {
      i = lexName(source, i, tokens);
      continue;
    }
    if (c === '"') {
      i = lexString(source, i, tokens);
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    const hint =
      c === '='
        ? " (use '==' to compare)"
        : c === '&'
          ? " (use '&&')"
          : c === '|'
            ? " (use '||')"
            : c === "'"
              ? ' (strings use double quotes)'
              : '';
    const ch = source.codePointAt(i)!;
    throw new ExprError(
      `unexpected character '${String.fromCodePoint(ch)}' at ${i}${hint}`,
      i,
      i + (ch > 0xffff ? 2 : 1),
    );
  }
  tokens.push({ kind: 'eof', text: '', start: source.length, end: source.length });
  return tokens;
}

function lexNumber(source: string, i: number, tokens: Token[]): number {
  NUMBER.lastIndex = i;
  const m = NUMBER.exec(source)!;
  let end = i + m[0].length;
  // `1e` or `1e+` without digits, or a number running straight into a letter (`2x`), is a typo, not two tokens.
  if (end < source.length && (IDENT_PART.test(source[end]) || source[end] === '.')) {
    while (end < source.length && (IDENT_PART.test(source[end]) || source[end] === '.')) end++;
    throw new ExprError(`malformed number '${source.slice(i, end)}' at ${i}`, i, end);
  }
  tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), start: i, end });
  return end;
}

function lexName(source: string, i: number, tokens: Token[]): number {
  let end = i;
  for (;;) {
    while (end < source.length && IDENT_PART.test(source[end])) end++;
    if (source[end] !== '.') break;
    const next = source[end + 1] ?? '';
    // A segment is a name or, as in PyTorch's module paths (`encoder.layers.0.fc1`), an index of digits only.
    if (/[0-9]/.test(next)) {
      const start = end + 1;
      end = start;
      while (end < source.length && /[0-9]/.test(source[end])) end++;
      if (end < source.length && IDENT_PART.test(source[end])) {
        while (end < source.length && IDENT_PART.test(source[end])) end++;
        throw new ExprError(`malformed name segment '${source.slice(start, end)}' at ${start}`, start, end);
      }
      continue;
    }
    if (!IDENT_START.test(next)) {
      throw new ExprError(`expected a name after '.' at ${end + 1}`, end, end + 1);
    }
    end++;
  }
  tokens.push({ kind: 'name', text: source.slice(i, end), start: i, end });
  return end;
}

function lexString(source: string, i: number, tokens: Token[]): number {
  let text = '';
  let j = i + 1;
  while (j < source.length && source[j] !== '"') {
    if (source[j] === '\\') {
      const e = ESCAPES[source[j + 1] ?? ''];
      if (e === undefined)
        throw new ExprError(
          `unknown escape '\\${source[j + 1] ?? ''}' in string at ${j}`,
          j,
          Math.min(j + 2, source.length),
        );
      text += e;
      j += 2;
    } else {
      text += source[j++];
    }
  }
  if (j >= source.length) throw new ExprError(`unterminated string starting at ${i}`, i, source.length);
  tokens.push({ kind: 'string', text, start: i, end: j + 1 });
  return j + 1;
}
