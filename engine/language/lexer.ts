// Splits one line of a .nnet file into tokens with their columns; `#` starts a comment.

/** A word of a line with its 0-based column span. */
export interface Token {
  readonly text: string;
  readonly col: number;
  readonly endCol: number;
}

/** Tokens of one line, comments removed. `key=value` stays one token; `->` is its own token. */
export function tokenizeLine(line: string): Token[] {
  const tokens: Token[] = [];
  const hash = line.indexOf('#');
  const code = hash >= 0 ? line.slice(0, hash) : line;
  const re = /->|[^\s]+?(?=->|\s|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code)) !== null) {
    tokens.push({ text: m[0], col: m.index, endCol: m.index + m[0].length });
  }
  return tokens;
}

/** Parses a finite number token (decimal or exponent form), or returns null. */
export function parseNumber(text: string): number | null {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/** Parses a non-negative integer token, or returns null. */
export function parseInteger(text: string): number | null {
  return /^\d+$/.test(text) && text.length <= 15 ? Number(text) : null;
}
