// The shape of a .nnet document without checking it: sections, blocks and statements with their lines. Editor
// features (symbols, folding, formatting, completion) use this, so they keep working while the file has errors.

import { splitLines, tokenizeLine, type Token } from './lexer';
import { LIMITS } from './spec';

/** Words that start a section (the parser's rule: `loss` is a one-line statement that does not start one). */
const SECTIONS = new Set(['network', 'data', 'train']);

/** One non-blank line: what it is and how deep it sits. */
export interface OutlineLine {
  readonly line: number;
  readonly toks: readonly Token[];
  /** `section` for network/data/train, `top` for loss, `open`/`close` for residual|repeat / end, `statement` otherwise, `comment` for a comment-only line. */
  readonly role: 'section' | 'top' | 'open' | 'close' | 'statement' | 'comment';
  /** The section the line belongs to ('none' before the first section). */
  readonly section: 'none' | 'network' | 'data' | 'train';
  /** Nesting: 0 for section heads and `loss`, 1 inside a section, +1 per open block. */
  readonly depth: number;
}

/** A section or block with the lines it spans (inclusive), for symbols and folding. */
export interface OutlineNode {
  readonly head: OutlineLine;
  /** Last line that belongs to it (its `end` for blocks, the last non-blank line for sections). */
  endLine: number;
  readonly children: (OutlineNode | OutlineLine)[];
}

/**
 * The last document scanned and its lines: symbols, folding ranges, formatting and hover each ask for the same text
 * in turn after an edit (a hover for every position the pointer rests on), and a large document's scan is most of
 * what each costs. One entry, compared by content: a new version replaces it. Kept only up to MEMO_TOKENS tokens:
 * a scan holds ~80 bytes a token, and a hostile document of a million words would otherwise stay in memory (~80 MB)
 * after its editor closed.
 */
let lastScan: { readonly text: string; readonly lines: readonly OutlineLine[] } | null = null;
const MEMO_TOKENS = 100_000;

/** Scans every line (or returns the last scan of the same text, shared: read-only); never throws. */
export function scanLines(text: string): readonly OutlineLine[] {
  if (lastScan !== null && lastScan.text === text) return lastScan.lines;
  const lines = scan(text);
  let tokens = 0;
  for (let i = 0; i < lines.length && tokens <= MEMO_TOKENS; i++) tokens += lines[i].toks.length;
  lastScan = tokens <= MEMO_TOKENS ? { text, lines } : null;
  return lines;
}

function scan(text: string): OutlineLine[] {
  const out: OutlineLine[] = [];
  let section: OutlineLine['section'] = 'none',
    blocks = 0;
  const lines = splitLines(text);
  for (let line = 0; line < lines.length; line++) {
    const toks = tokenizeLine(lines[line]);
    if (!toks.length) {
      if (lines[line].trim()) out.push({ line, toks, role: 'comment', section, depth: 0 });
      continue;
    }
    const head = toks[0].text;
    if (SECTIONS.has(head)) {
      section = head as OutlineLine['section'];
      blocks = 0;
      out.push({ line, toks, role: 'section', section, depth: 0 });
    } else if (head === 'loss') out.push({ line, toks, role: 'top', section, depth: 0 });
    else if (section === 'network' && (head === 'residual' || head === 'repeat'))
      out.push({ line, toks, role: 'open', section, depth: 1 + blocks++ });
    else if (section === 'network' && head === 'end' && blocks > 0)
      out.push({ line, toks, role: 'close', section, depth: 1 + --blocks });
    else out.push({ line, toks, role: 'statement', section, depth: section === 'none' ? 0 : 1 + blocks });
  }
  // A comment sits at the depth of the code after it (a comment above `end` stays inside the block).
  let next = 0;
  for (let i = out.length - 1; i >= 0; i--) {
    const l = out[i];
    if (l.role === 'comment') out[i] = { ...l, section: l.section, depth: next };
    else next = l.role === 'close' ? l.depth + 1 : l.depth;
  }
  return out;
}

/** Groups the scanned lines into sections and blocks (top level: sections, `loss` lines and stray statements). */
export function outline(text: string): (OutlineNode | OutlineLine)[] {
  const top: (OutlineNode | OutlineLine)[] = [];
  const stack: OutlineNode[] = [];
  // Blocks nested past the parser's limit stay flat, so the recursive walks of symbols and folding stay shallow.
  let flat = 0;
  for (const l of scanLines(text)) {
    if (l.role === 'comment') continue;
    if (l.role === 'section' || l.role === 'top') {
      stack.length = 0;
      flat = 0;
      if (l.role === 'top') {
        top.push(l);
        continue;
      }
      const node: OutlineNode = { head: l, endLine: l.line, children: [] };
      top.push(node);
      stack.push(node);
      continue;
    }
    for (const n of stack) n.endLine = l.line;
    const parent = stack[stack.length - 1];
    if (l.role === 'open' && (flat > 0 || stack.length > LIMITS.maxNesting)) {
      flat++;
      (parent ? parent.children : top).push(l);
    } else if (l.role === 'close' && flat > 0) flat--;
    else if (l.role === 'open') {
      const node: OutlineNode = { head: l, endLine: l.line, children: [] };
      (parent ? parent.children : top).push(node);
      stack.push(node);
    } else if (l.role === 'close') {
      if (stack.length > 1) stack.pop();
    } else (parent ? parent.children : top).push(l);
  }
  return top;
}

/** True for a node (section or block) rather than a single line. */
export function isNode(x: OutlineNode | OutlineLine): x is OutlineNode {
  return 'children' in x;
}

/** The section a position is in, and the tokens of its line (for completion and hover). */
export function sectionAt(text: string, line: number): OutlineLine['section'] {
  let section: OutlineLine['section'] = 'none';
  const lines = splitLines(text);
  for (let i = 0; i < Math.min(line, lines.length); i++) {
    const head = tokenizeLine(lines[i], 1)[0]?.text;
    if (head && SECTIONS.has(head)) section = head as OutlineLine['section'];
  }
  return section;
}
