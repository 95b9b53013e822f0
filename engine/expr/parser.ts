// Recursive-descent (Pratt) parser: tokens to an Expr tree with source spans; syntax errors say what was expected where.

import type { BinaryOp, Expr, IndexPart, SliceNode } from './ast';
import { FUNCTION_NAMES, getFunction } from './functions';
import { tokenize, type Token } from './lexer';
import { didYouMean } from './suggest';
import { ExprError } from './values';

/** Deepest syntax tree accepted (parentheses, operator chains, calls); deeper input is an error, never a stack overflow. */
export const MAX_DEPTH = 200;

/** Binding power of each infix operator; higher binds tighter. `^` is handled above unary minus, right-associative. */
const INFIX: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};
const COMPARISON = 3;

/**
 * Parses an expression. Precedence, loosest first: `||`, `&&`, comparisons (not chainable), `+ -`, `* /`,
 * unary `- !`, `^` (right-associative, so `-2^2` is −4 and `2^3^2` is 512), then calls and indexing.
 * Throws ExprError for any syntax error, an unknown function or a wrong number of arguments.
 */
export function parse(source: string): Expr {
  return new Parser(source).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  private depth = 0;
  private readonly heights = new WeakMap<object, number>();

  constructor(source: string) {
    this.tokens = tokenize(source);
  }

  parseAll(): Expr {
    if (this.peek().kind === 'eof') throw new ExprError('empty expression', 0, 0);
    const e = this.expression();
    const t = this.peek();
    if (t.kind !== 'eof') {
      throw new ExprError(
        `expected an operator or the end of the expression at ${t.start}, found ${describe(t)}`,
        t.start,
        t.end,
      );
    }
    return e;
  }

  private expression(): Expr {
    return this.nested(() => this.binary(0));
  }

  /** Runs `f` one level deeper, refusing input nested beyond MAX_DEPTH. */
  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      const t = this.peek();
      throw new ExprError(
        `expression is nested too deeply (more than ${MAX_DEPTH} levels) at ${t.start}`,
        t.start,
        t.end,
      );
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private binary(minPower: number): Expr {
    let left = this.unary();
    let sawComparison = false;
    for (;;) {
      const t = this.peek();
      const power = t.kind === 'op' ? INFIX[t.text] : undefined;
      if (power === undefined || power < minPower) return left;
      if (power === COMPARISON) {
        if (sawComparison) {
          throw new ExprError(
            `comparisons cannot be chained at ${t.start}; combine them with && (e.g. 0 < x && x < 1)`,
            t.start,
            t.end,
          );
        }
        sawComparison = true;
      }
      this.pos++;
      const right = this.nested(() => this.binary(power + 1));
      const op = t.text;
      left =
        op === '&&' || op === '||'
          ? this.node({ type: 'logical', op, left, right, start: left.start, end: right.end }, left, right)
          : this.node(
              { type: 'binary', op: op as BinaryOp, left, right, start: left.start, end: right.end },
              left,
              right,
            );
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '!')) {
      this.pos++;
      const operand = this.nested(() => this.unary());
      return this.node({ type: 'unary', op: t.text, operand, start: t.start, end: operand.end }, operand);
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.postfix();
    if (!this.isOp('^')) return base;
    this.pos++;
    const exponent = this.nested(() => this.unary());
    return this.node(
      { type: 'binary', op: '^', left: base, right: exponent, start: base.start, end: exponent.end },
      base,
      exponent,
    );
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('(')) {
        const t = this.peek();
        throw new ExprError(
          `${e.type === 'name' ? `'${e.path}'` : 'this'} is not a function at ${t.start}`,
          e.start,
          t.end,
        );
      }
      if (!this.isOp('[')) return e;
      this.pos++;
      const parts: IndexPart[] = [];
      do parts.push(this.nested(() => this.indexPart()));
      while (this.acceptOp(','));
      const close = this.expectOp(']', "']' or ','");
      e = this.node({ type: 'index', target: e, parts, start: e.start, end: close.end }, e, ...parts);
    }
  }

  private indexPart(): IndexPart {
    const first = this.peek();
    let lower: Expr | undefined;
    if (!this.isOp(':')) {
      if (this.isOp(']') || this.isOp(',')) throw this.expected('an index or a slice', first);
      lower = this.expression();
      if (!this.isOp(':')) return lower;
    }
    this.pos++;
    const bound = () => (this.isOp(':') || this.isOp(',') || this.isOp(']') ? undefined : this.expression());
    const upper = bound();
    let step: Expr | undefined;
    if (this.acceptOp(':')) step = bound();
    const end = this.tokens[this.pos - 1].end;
    const slice: SliceNode = { type: 'slice', start: first.start, end, lower, upper, step };
    return this.node(slice, ...[lower, upper, step].filter((x): x is Expr => x !== undefined));
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.pos++;
        return this.node({ type: 'number', value: t.value!, start: t.start, end: t.end });
      case 'string':
        this.pos++;
        return this.node({ type: 'string', value: t.text, start: t.start, end: t.end });
      case 'name':
        this.pos++;
        if (t.text === 'true' || t.text === 'false')
          return this.node({ type: 'boolean', value: t.text === 'true', start: t.start, end: t.end });
        return this.isOp('(') ? this.call(t) : this.node({ type: 'name', path: t.text, start: t.start, end: t.end });
      case 'op':
        if (t.text === '(') {
          this.pos++;
          const inner = this.expression();
          const close = this.expectOp(')', "')'");
          return this.node({ ...inner, start: t.start, end: close.end } as Expr, inner);
        }
        throw this.expected('a value', t);
      default:
        throw this.expected('a value', t);
    }
  }

  private call(name: Token): Expr {
    this.pos++; // '('
    const def = getFunction(name.text);
    if (!def) {
      const what = name.text.includes('.') ? `'${name.text}' is not a function` : `unknown function '${name.text}'`;
      throw new ExprError(`${what} at ${name.start}${didYouMean(name.text, FUNCTION_NAMES)}`, name.start, name.end);
    }
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do args.push(this.expression());
      while (this.acceptOp(','));
    }
    const close = this.expectOp(')', args.length ? "',' or ')'" : "an argument or ')'");
    if (args.length < def.minArgs || args.length > def.maxArgs) {
      const want = def.minArgs === def.maxArgs ? `${def.minArgs}` : `${def.minArgs} or ${def.maxArgs}`;
      throw new ExprError(
        `${name.text}${def.signature} takes ${want} argument${want === '1' ? '' : 's'}, not ${args.length}`,
        name.start,
        close.end,
      );
    }
    return this.node(
      { type: 'call', callee: name.text, calleeEnd: name.end, args, start: name.start, end: close.end },
      ...args,
    );
  }

  /** Records the tree height of a new node and refuses trees taller than MAX_DEPTH (long operator chains). */
  private node<T extends Expr | SliceNode>(n: T, ...children: Array<Expr | SliceNode>): T {
    let h = 0;
    for (const c of children) h = Math.max(h, this.heights.get(c) ?? 0);
    if (h + 1 > MAX_DEPTH)
      throw new ExprError(`expression is too complex (deeper than ${MAX_DEPTH} levels) at ${n.start}`, n.start, n.end);
    this.heights.set(n, h + 1);
    return n;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  private acceptOp(text: string): boolean {
    if (!this.isOp(text)) return false;
    this.pos++;
    return true;
  }

  private expectOp(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== text) throw this.expected(what, t);
    this.pos++;
    return t;
  }

  private expected(what: string, t: Token): ExprError {
    return new ExprError(`expected ${what} at ${t.start}, found ${describe(t)}`, t.start, t.end);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the expression';
    case 'string':
      return 'a string';
    case 'number':
      return `'${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}
