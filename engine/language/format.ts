// The document formatter: canonical indentation (two spaces per level), one space between tokens, comments kept.
// It never adds or removes a line, so breakpoints and diagnostics stay on their lines after formatting.

import { commentStart, splitLines, tokenizeLine } from './lexer';
import { scanLines } from './outline';

/** Spaces per nesting level. */
export const INDENT = '  ';

/** Formats a whole document. Idempotent; the parse result is unchanged apart from columns. */
export function formatNnet(text: string): string {
  const lines = splitLines(text);
  const depth = new Map<number, number>();
  for (const l of scanLines(text)) depth.set(l.line, l.depth);
  const out = lines.map((raw, i) => formatLine(raw, depth.get(i) ?? 0));
  while (out.length > 1 && out[out.length - 1] === '' && out[out.length - 2] === '') out.pop();
  if (out[out.length - 1] !== '') out.push('');
  return out.join('\n');
}

/** One line at a given depth: tokens joined by single spaces, then the comment two spaces after the code. */
export function formatLine(raw: string, depth: number): string {
  const toks = tokenizeLine(raw);
  const hash = commentStart(raw);
  const comment = hash >= 0 ? raw.slice(hash).trimEnd() : '';
  if (!toks.length) return comment ? INDENT.repeat(depth) + comment : '';
  const code = INDENT.repeat(depth) + toks.map((t) => t.text).join(' ');
  return comment ? `${code}  ${comment}` : code;
}
