// Splits one line of a .nnet file into tokens with their columns; `#` starts a comment outside "quoted" text.

/** The lines of a document, split at CRLF, LF or a lone CR, as VS Code splits them (so ranges agree with the editor). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * Where each line of a document starts and ends (splitting as splitLines does), without a string per line: a file of
 * millions of lines is read one line at a time instead of being held as millions of strings.
 */
export function lineBounds(text: string): {
  readonly count: number;
  readonly start: Uint32Array;
  readonly end: Uint32Array;
} {
  const n = text.length;
  let count = 1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) count++;
  }
  const start = new Uint32Array(count),
    end = new Uint32Array(count);
  let ln = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    end[ln++] = i;
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    start[ln] = i + 1;
  }
  end[ln] = n;
  return { count, start, end };
}

/** A word of a line with its 0-based column span. */
export interface Token {
  readonly text: string;
  readonly col: number;
  readonly endCol: number;
}

/**
 * Tokens of one line, comments removed. `key=value` stays one token; `->` is its own token; a double-quoted part
 * (`"my data.csv"`, `target="class label"`) keeps its spaces and `#` inside one token. An unterminated quote runs
 * to the end of the line, so the parser can report it with its whole range. Stops after `limit` tokens: a line of
 * millions of words costs no more than its first `limit`.
 */
export function tokenizeLine(line: string, limit = Infinity): Token[] {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n && tokens.length < limit) {
    const c = line.charCodeAt(i);
    if (isSpace(c, line, i)) {
      i++;
      continue;
    }
    if (c === 35 /* # */) break;
    if (c === 45 /* - */ && line.charCodeAt(i + 1) === 62 /* > */) {
      tokens.push({ text: '->', col: i, endCol: i + 2 });
      i += 2;
      continue;
    }
    const start = i;
    while (i < n) {
      const d = line.charCodeAt(i);
      if (d === 35 || isSpace(d, line, i) || (d === 45 && line.charCodeAt(i + 1) === 62)) break;
      if (d === 34 /* " */) {
        const close = line.indexOf('"', i + 1);
        i = close < 0 ? n : close + 1;
      } else i++;
    }
    tokens.push({ text: line.slice(start, i), col: start, endCol: i });
  }
  return tokens;
}

/** Whitespace as /\s/ defines it; the regular expression only for non-ASCII, since this runs on every character. */
function isSpace(c: number, line: string, i: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(line[i]));
}

/** Column where the line's comment starts (the `#` outside quotes), or -1. */
export function commentStart(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === '#' && !quoted) return i;
  }
  return -1;
}

/** The contents of a double-quoted token, or null if it is not one (or is unterminated). */
export function unquote(text: string): string | null {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') && text.indexOf('"', 1) === text.length - 1
    ? text.slice(1, -1)
    : null;
}

/** Parses a finite number token (decimal or exponent form), or returns null. */
export function parseNumber(text: string): number | null {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/**
 * Why a sample value cannot be trained on, or null if it can: the engine stores samples as float32, where a number
 * beyond ±3.4028235e38 becomes ±Infinity and the first step's loss NaN, with no line to point at.
 */
export function float32Overflow(v: number): string | null {
  return Number.isFinite(Math.fround(v)) ? null : 'beyond the float32 range of samples (|x| ≤ 3.4e38)';
}

/** Parses a non-negative integer token, or returns null. */
export function parseInteger(text: string): number | null {
  return /^\d+$/.test(text) && text.length <= 15 ? Number(text) : null;
}
