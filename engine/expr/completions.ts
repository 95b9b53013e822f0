// Debug Console completions: scope names segment by segment (`h1.` → `W`, `b`, `W.grad`), and function names.

import { FUNCTIONS, FUNCTION_NAMES } from './functions';
import type { ExprScope } from './values';

/** One completion: the text to insert, replacing `length` characters from `start` (DAP CompletionItem fields). */
export interface CompletionItem {
  readonly label: string;
  readonly start: number;
  readonly length: number;
  readonly type: 'variable' | 'property' | 'function' | 'keyword';
  /** For functions: signature and description. */
  readonly detail?: string;
}

/**
 * Completions at `offset` in `text`. Without a dot in the word being typed: top-level name segments (`h1`, `loss`,
 * `x`), functions and `true`/`false`. After `h1.`: what follows, one or more segments (`W`, `b`, `W.grad`, `W.m`).
 * Each item replaces the segment being typed. Nothing inside a string literal or after a number.
 */
export function completionItems(text: string, offset: number, scope: ExprScope): CompletionItem[] {
  const at = Math.max(0, Math.min(offset, text.length));
  if (insideString(text, at)) return [];
  let wordStart = at;
  while (wordStart > 0 && /[A-Za-z0-9_.]/.test(text[wordStart - 1])) wordStart--;
  const word = text.slice(wordStart, at);
  if (/^[0-9.]/.test(word)) return [];
  let names: string[] = [];
  try {
    names = scope.names();
  } catch {
    /* no names */
  }
  const dot = word.lastIndexOf('.');
  const parent = dot < 0 ? '' : word.slice(0, dot + 1);
  const partial = word.slice(dot + 1);
  const start = wordStart + parent.length;
  const found = new Map<string, CompletionItem['type']>();
  for (const name of names) {
    if (!name.startsWith(parent)) continue;
    const rest = name.slice(parent.length).split('.');
    const depth = dot < 0 ? 1 : rest.length; // top level: the first segment only
    for (let k = 1; k <= depth; k++) {
      const label = rest.slice(0, k).join('.');
      if (label && matches(label, partial) && !found.has(label)) found.set(label, dot < 0 ? 'variable' : 'property');
    }
  }
  const items: CompletionItem[] = [...found].map(([label, type]) => ({ label, start, length: partial.length, type }));
  if (dot < 0) {
    for (const f of FUNCTION_NAMES) {
      if (matches(f, partial))
        items.push({
          label: f,
          start,
          length: partial.length,
          type: 'function',
          detail: `${f}${FUNCTIONS[f].signature} — ${FUNCTIONS[f].doc}`,
        });
    }
    for (const k of ['true', 'false'])
      if (partial && matches(k, partial)) items.push({ label: k, start, length: partial.length, type: 'keyword' });
  }
  const rank = (i: CompletionItem) => (i.type === 'function' ? 1 : i.type === 'keyword' ? 2 : 0);
  const segments = (i: CompletionItem) => i.label.split('.').length;
  return items.sort((a, b) => segments(a) - segments(b) || rank(a) - rank(b) || compare(a.label, b.label));
}

/** The labels of `completionItems` (each replaces the dotted segment being typed at `offset`). */
export function completions(text: string, offset: number, scope: ExprScope): string[] {
  return completionItems(text, offset, scope).map((i) => i.label);
}

function matches(label: string, partial: string): boolean {
  return label.toLowerCase().startsWith(partial.toLowerCase());
}

function compare(a: string, b: string): number {
  const x = a.toLowerCase(),
    y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** True when `offset` falls inside a double-quoted string literal. */
function insideString(text: string, offset: number): boolean {
  let inside = false;
  for (let i = 0; i < offset; i++) {
    if (inside && text[i] === '\\') i++;
    else if (text[i] === '"') inside = !inside;
  }
  return inside;
}
