// Logpoint messages: `{expression}` holes in a template are evaluated and formatted; `{{` and `}}` are literal braces.

import { compile, evaluate, type CompiledExpr } from './evaluate';
import { formatValue } from './format';
import { ExprError, type ExprScope } from './values';

/** A logpoint template parsed once: literal text and compiled holes (or the syntax error of a hole). */
export interface Template {
  readonly source: string;
  readonly parts: ReadonlyArray<string | CompiledExpr | ExprError>;
  /** True if the template has no holes (so rendering needs no scope). */
  readonly isConstant: boolean;
}

/**
 * Parses a template such as `step {step}: ‖∇W‖ = {norm(h1.W.grad)}`. Never throws: a hole that does not parse,
 * or a `{` never closed, becomes an error part that renders as `<error: …>`.
 */
export function compileTemplate(template: string): Template {
  const parts: Array<string | CompiledExpr | ExprError> = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      text += c;
      i += 2;
      continue;
    }
    if (c !== '{') {
      text += c;
      i++;
      continue;
    }
    const close = closingBrace(template, i + 1);
    if (text) {
      parts.push(text);
      text = '';
    }
    if (close < 0) {
      parts.push(new ExprError(`'{' at ${i} is never closed (write '{{' for a literal brace)`, i, template.length));
      break;
    }
    const hole = template.slice(i + 1, close);
    try {
      parts.push(compile(hole));
    } catch (error) {
      parts.push(error as ExprError);
    }
    i = close + 1;
  }
  if (text) parts.push(text);
  return { source: template, parts, isConstant: parts.every((p) => typeof p === 'string') };
}

/** Renders a compiled template in `scope`; each hole that fails shows `<error: message>` in its place. */
export function renderTemplate(template: Template, scope: ExprScope): string {
  let out = '';
  for (const p of template.parts) {
    if (typeof p === 'string') out += p;
    else if (p instanceof ExprError) out += `<error: ${p.message}>`;
    else {
      try {
        out += formatValue(evaluate(p, scope));
      } catch (error) {
        out += `<error: ${(error as ExprError).message}>`;
      }
    }
  }
  return out;
}

/** Parses and renders a template in one go (use `compileTemplate` + `renderTemplate` for a logpoint hit often). */
export function interpolate(template: string, scope: ExprScope): string {
  return renderTemplate(compileTemplate(template), scope);
}

/** Index of the `}` closing a hole that starts at `from`, skipping braces inside string literals; -1 if none. */
function closingBrace(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '}') return i;
    if (s[i] === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
    }
  }
  return -1;
}
