// Document symbols (Outline, breadcrumbs) and folding ranges, from the document's outline so they work mid-edit.

import { ACTIVATIONS } from '../nn/activations';
import { LAYER_KINDS } from '../nn/layers';
import { LAYER_KEYWORDS } from './layers';
import { isNode, outline, scanLines, type OutlineLine, type OutlineNode } from './outline';

/** A symbol in editor-neutral terms; the VS Code adapter maps `kind` to a SymbolKind. */
export interface NnetSymbol {
  readonly name: string;
  readonly detail: string;
  readonly kind: 'network' | 'layer' | 'block' | 'section' | 'setting' | 'loss';
  /** Whole lines the symbol covers (inclusive). */
  readonly startLine: number;
  readonly endLine: number;
  /** The part to highlight: the name if written, else the keyword. */
  readonly selection: { readonly line: number; readonly col: number; readonly endCol: number };
  readonly children: readonly NnetSymbol[];
}

/** Statements that are one layer each: `input` and every registered layer kind. */
const LAYERS = new Set(['input', ...LAYER_KINDS.map((k) => k.keyword)]);
const IDENT = /^[A-Za-z_]\w*$/;
/** Words that cannot be layer names (as in the parser), so `dense 4 relu` is unnamed. */
const RESERVED = new Set<string>([...LAYER_KEYWORDS, 'network', 'loss', 'data', 'train', ...ACTIVATIONS]);
/** The name the parser gives a layer: the explicit one, or KIND + its position among named statements. */
const explicitName = (t: { text: string } | undefined) => !!t && IDENT.test(t.text) && !RESERVED.has(t.text);

/** The symbol tree: network (with its layers and blocks), loss, data and train (with its settings). */
export function documentSymbols(text: string): NnetSymbol[] {
  const out: NnetSymbol[] = [];
  let counter = 0;
  const lineSymbol = (l: OutlineLine, section: string): NnetSymbol | null => {
    const [head, second] = l.toks;
    const sel = { line: l.line, col: head.col, endCol: head.endCol };
    const rest = l.toks
      .slice(1)
      .map((t) => t.text)
      .join(' ');
    if (section === 'network' && LAYERS.has(head.text)) {
      if (head.text === 'input')
        return {
          name: 'input',
          detail: rest,
          kind: 'layer',
          startLine: l.line,
          endLine: l.line,
          selection: sel,
          children: [],
        };
      counter++;
      const named = explicitName(second);
      const name = named ? second.text : `${head.text}${counter}`;
      const detail = `${head.text} ${l.toks
        .slice(named ? 2 : 1)
        .map((t) => t.text)
        .join(' ')}`.trim();
      return {
        name,
        detail,
        kind: 'layer',
        startLine: l.line,
        endLine: l.line,
        selection: named ? { line: l.line, col: second.col, endCol: second.endCol } : sel,
        children: [],
      };
    }
    if (section === 'train')
      return {
        name: head.text,
        detail: rest,
        kind: 'setting',
        startLine: l.line,
        endLine: l.line,
        selection: sel,
        children: [],
      };
    return null;
  };
  const nodeSymbol = (n: OutlineNode, section: string): NnetSymbol => {
    const [head, second] = n.head.toks;
    const children = n.children
      .map((c) => (isNode(c) ? nodeSymbol(c, section) : lineSymbol(c, section)))
      .filter((s): s is NnetSymbol => s !== null);
    const base = { startLine: n.head.line, endLine: n.endLine, children };
    switch (head.text) {
      case 'network':
        return {
          ...base,
          name: second?.text ?? 'network',
          detail: 'network',
          kind: 'network',
          selection: tokSel(n.head, second ?? head),
        };
      case 'residual':
        counter++;
        return {
          ...base,
          name: explicitName(second) ? second.text : `residual${counter}`,
          detail: 'residual … end',
          kind: 'block',
          selection: tokSel(n.head, second ?? head),
        };
      case 'repeat':
        return {
          ...base,
          name: `repeat ${second?.text ?? ''}`.trim(),
          detail: `× ${second?.text ?? '?'}`,
          kind: 'block',
          selection: tokSel(n.head, head),
        };
      case 'data': {
        const rows = n.children.filter((c) => !isNode(c) && c.toks.some((t) => t.text === '->')).length;
        const detail =
          n.head.toks.length > 1
            ? n.head.toks
                .slice(1)
                .map((t) => t.text)
                .join(' ')
            : `${rows} row${rows === 1 ? '' : 's'}`;
        return { ...base, children: [], name: 'data', detail, kind: 'section', selection: tokSel(n.head, head) };
      }
      default:
        return { ...base, name: head.text, detail: '', kind: 'section', selection: tokSel(n.head, head) };
    }
  };
  for (const item of outline(text)) {
    if (isNode(item)) out.push(nodeSymbol(item, item.head.toks[0].text));
    else if (item.role === 'top') {
      const [head, kind] = item.toks;
      out.push({
        name: 'loss',
        detail: kind?.text ?? '',
        kind: 'loss',
        startLine: item.line,
        endLine: item.line,
        selection: tokSel(item, head),
        children: [],
      });
    }
  }
  return out;
}

function tokSel(l: OutlineLine, t: { col: number; endCol: number }) {
  return { line: l.line, col: t.col, endCol: t.endCol };
}

/** A foldable span of lines (inclusive); `comment` for runs of comment lines. */
export interface Fold {
  readonly start: number;
  readonly end: number;
  readonly kind: 'region' | 'comment';
}

/** Sections, residual/repeat blocks, and runs of two or more comment lines. */
export function foldingRanges(text: string): Fold[] {
  const folds: Fold[] = [];
  const visit = (items: readonly (OutlineNode | OutlineLine)[]) => {
    for (const n of items) {
      if (!isNode(n)) continue;
      if (n.endLine > n.head.line) folds.push({ start: n.head.line, end: n.endLine, kind: 'region' });
      visit(n.children);
    }
  };
  visit(outline(text));
  let runStart = -1,
    prev = -2;
  const lines = scanLines(text).filter((l) => l.role === 'comment');
  for (const l of lines) {
    if (l.line !== prev + 1) {
      if (runStart >= 0 && prev > runStart) folds.push({ start: runStart, end: prev, kind: 'comment' });
      runStart = l.line;
    }
    prev = l.line;
  }
  if (runStart >= 0 && prev > runStart) folds.push({ start: runStart, end: prev, kind: 'comment' });
  return folds.sort((a, b) => a.start - b.start);
}
