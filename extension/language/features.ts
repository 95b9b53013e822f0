// Thin VS Code adapters over the pure language modules: hover, completion, document symbols, folding, formatting.

import * as vscode from 'vscode';
import { completeAt } from '../../engine/language/completion';
import { formatNnet } from '../../engine/language/format';
import { hoverAt } from '../../engine/language/hover';
import { documentSymbols, foldingRanges, type NnetSymbol } from '../../engine/language/symbols';
import type { WordKind } from '../../engine/language/vocabulary';
import { deriveFromDocument, parseDocument } from './documents';

const SELECTOR: vscode.DocumentSelector = { language: 'nnet' };

const COMPLETION_KIND: Record<WordKind, vscode.CompletionItemKind> = {
  section: vscode.CompletionItemKind.Module,
  layer: vscode.CompletionItemKind.Class,
  block: vscode.CompletionItemKind.Struct,
  setting: vscode.CompletionItemKind.Property,
  activation: vscode.CompletionItemKind.Function,
  loss: vscode.CompletionItemKind.Function,
  init: vscode.CompletionItemKind.Constructor,
  optimizer: vscode.CompletionItemKind.Method,
  schedule: vscode.CompletionItemKind.Event,
  dataset: vscode.CompletionItemKind.File,
  option: vscode.CompletionItemKind.Field,
  value: vscode.CompletionItemKind.EnumMember,
};

const SYMBOL_KIND: Record<NnetSymbol['kind'], vscode.SymbolKind> = {
  network: vscode.SymbolKind.Module,
  layer: vscode.SymbolKind.Function,
  block: vscode.SymbolKind.Namespace,
  section: vscode.SymbolKind.Namespace,
  setting: vscode.SymbolKind.Property,
  loss: vscode.SymbolKind.Event,
};

function toDocumentSymbol(doc: vscode.TextDocument, s: NnetSymbol): vscode.DocumentSymbol {
  const end = Math.min(s.endLine, doc.lineCount - 1);
  const range = new vscode.Range(s.startLine, 0, end, doc.lineAt(end).text.length);
  const selection = new vscode.Range(s.selection.line, s.selection.col, s.selection.line, s.selection.endCol);
  const d = new vscode.DocumentSymbol(
    s.name,
    s.detail,
    SYMBOL_KIND[s.kind],
    range,
    range.contains(selection) ? selection : range,
  );
  d.children = s.children.map((c) => toDocumentSymbol(doc, c));
  return d;
}

/** Registers hover, completion, symbols, folding and the formatter for .nnet files. */
export function registerLanguageFeatures(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.languages.registerHoverProvider(SELECTOR, {
      async provideHover(doc, pos) {
        const version = doc.version;
        const parsed = await parseDocument(doc);
        // The text must be the one parsed: an edit while the CSV was read makes this hover stale.
        if (doc.version !== version) return undefined;
        const h = hoverAt(doc.getText(), pos.line, pos.character, parsed);
        if (!h) return undefined;
        const md = new vscode.MarkdownString(h.markdown);
        return new vscode.Hover(md, new vscode.Range(h.range.line, h.range.col, h.range.line, h.range.endCol));
      },
    }),
    vscode.languages.registerCompletionItemProvider(
      SELECTOR,
      {
        provideCompletionItems(doc, pos) {
          const r = completeAt(doc.getText(), pos.line, pos.character);
          const range = new vscode.Range(pos.line, Math.min(r.from, pos.character), pos.line, pos.character);
          return r.items.map((c) => {
            const it = new vscode.CompletionItem(c.label, COMPLETION_KIND[c.kind]);
            it.detail = c.detail;
            it.documentation = new vscode.MarkdownString(c.documentation);
            if (c.insertText !== undefined)
              it.insertText = c.snippet ? new vscode.SnippetString(c.insertText) : c.insertText;
            it.range = range;
            // Re-open suggestions after `key=` so the value list follows (e.g. init= → initialisers).
            if (c.label.endsWith('=')) it.command = { command: 'editor.action.triggerSuggest', title: 'Suggest' };
            return it;
          });
        },
      },
      ' ',
      '=',
    ),
    vscode.languages.registerDocumentSymbolProvider(
      SELECTOR,
      {
        provideDocumentSymbols: (doc) =>
          deriveFromDocument(doc, 'symbols', documentSymbols).map((s) => toDocumentSymbol(doc, s)),
      },
      { label: 'nnet' },
    ),
    vscode.languages.registerFoldingRangeProvider(SELECTOR, {
      provideFoldingRanges: (doc) =>
        deriveFromDocument(doc, 'folding', foldingRanges).map(
          (f) =>
            new vscode.FoldingRange(
              f.start,
              f.end,
              f.kind === 'comment' ? vscode.FoldingRangeKind.Comment : vscode.FoldingRangeKind.Region,
            ),
        ),
    }),
    vscode.languages.registerDocumentFormattingEditProvider(SELECTOR, {
      provideDocumentFormattingEdits(doc) {
        const text = doc.getText();
        const formatted = formatNnet(text).replace(/\n/g, doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');
        if (formatted === text) return [];
        return [vscode.TextEdit.replace(new vscode.Range(0, 0, doc.lineCount, 0), formatted)];
      },
    }),
  );
}
