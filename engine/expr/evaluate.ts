// Evaluates expressions against a debugger scope: names, operators (elementwise on tensors), calls and indexing.

import type { BinaryOp, Expr, IndexPart } from './ast';
import { namesIn } from './ast';
import { getFunction, numeric } from './functions';
import { indexTensor, maskTensor, type IndexSpec } from './indexing';
import { map1, map2 } from './ops';
import { parse } from './parser';
import { askAbout, didYouMean } from './suggest';
import { ExprError, isTensor, isTruthy, isValue, typeName, type ExprScope, type Span, type Value } from './values';

/** A parsed expression, ready to evaluate many times (parse conditions and logpoints once, not per event). */
export interface CompiledExpr {
  readonly source: string;
  readonly ast: Expr;
}

/** The outcome of `tryEvaluate`: a value, or the ExprError explaining why there is none. */
export type EvalResult = { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: ExprError };

/** Parses `source` once; throws ExprError (and nothing else) for a syntax error. */
export function compile(source: string): CompiledExpr {
  return guard(source, () => ({ source, ast: parse(source) }));
}

/** Evaluates an expression (source or compiled) in `scope`; throws ExprError, and nothing else, on any failure. */
export function evaluate(expr: string | CompiledExpr, scope: ExprScope): Value {
  const c = typeof expr === 'string' ? compile(expr) : expr;
  return guard(c.source, () => evalNode(c.ast, scope));
}

/** Evaluates a breakpoint condition: true or false, or an ExprError (e.g. when the result is a tensor). */
export function evaluateCondition(expr: string | CompiledExpr, scope: ExprScope): boolean {
  const c = typeof expr === 'string' ? compile(expr) : expr;
  return guard(c.source, () => isTruthy(evalNode(c.ast, scope), c.ast));
}

/** Like `evaluate`, but returns the error instead of throwing. */
export function tryEvaluate(expr: string | CompiledExpr, scope: ExprScope): EvalResult {
  try {
    return { ok: true, value: evaluate(expr, scope) };
  } catch (error) {
    return { ok: false, error: error as ExprError };
  }
}

/**
 * Checks an expression without evaluating it: its syntax, and that every name it uses is one of `names`
 * (e.g. the paths a network will have, when a breakpoint condition is set). Returns the first problem, or undefined.
 */
export function checkNames(expr: string | CompiledExpr, names: Iterable<string>): ExprError | undefined {
  try {
    const c = typeof expr === 'string' ? compile(expr) : expr;
    const known = new Set(names);
    const scope: ExprScope = { lookup: () => undefined, names: () => [...known] };
    const missing = namesIn(c.ast).find((n) => !known.has(n.path));
    return missing ? unknownName(missing.path, missing, scope) : undefined;
  } catch (error) {
    return error instanceof ExprError ? error : new ExprError(`internal error: ${String(error)}`, 0, 0);
  }
}

/** Runs `f`, turning anything thrown that is not an ExprError (a bug, a stack overflow) into one spanning `source`. */
function guard<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof ExprError) throw error;
    const why = error instanceof RangeError ? 'expression too complex to evaluate' : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    throw new ExprError(why, 0, source.length);
  }
}

const ARITH: Record<BinaryOp, (x: number, y: number) => number> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '^': (x, y) => Math.pow(x, y),
  '<': (x, y) => (x < y ? 1 : 0),
  '<=': (x, y) => (x <= y ? 1 : 0),
  '>': (x, y) => (x > y ? 1 : 0),
  '>=': (x, y) => (x >= y ? 1 : 0),
  '==': (x, y) => (x === y ? 1 : 0),
  '!=': (x, y) => (x !== y ? 1 : 0),
};
const COMPARISONS = new Set<string>(['<', '<=', '>', '>=', '==', '!=']);

function evalNode(e: Expr, scope: ExprScope): Value {
  switch (e.type) {
    case 'number': case 'string': case 'boolean': return e.value;
    case 'name': return resolve(e.path, e, scope);
    case 'unary': return unary(e.op, evalNode(e.operand, scope), e.operand, e);
    case 'binary': return binary(e.op, evalNode(e.left, scope), evalNode(e.right, scope), e.left, e.right, e);
    case 'logical': return logical(e, scope);
    case 'call': {
      const def = getFunction(e.callee);
      if (!def) throw new ExprError(`unknown function '${e.callee}'`, e.start, e.calleeEnd);
      return def.call(e.args.map((a) => evalNode(a, scope)), e.args, e, e.callee);
    }
    case 'index': return index(evalNode(e.target, scope), e.parts, e, scope);
  }
}

function resolve(path: string, span: Span, scope: ExprScope): Value {
  let v: unknown;
  try {
    v = scope.lookup(path);
  } catch (error) {
    throw new ExprError(`could not read '${path}': ${error instanceof Error ? error.message : String(error)}`, span.start, span.end);
  }
  if (v === undefined || v === null) throw unknownName(path, span, scope);
  if (!isValue(v)) throw new ExprError(`'${path}' holds something expressions cannot use`, span.start, span.end);
  return v;
}

/** The error for a name the scope does not know, with the nearest names it does know. */
function unknownName(path: string, span: Span, scope: ExprScope): ExprError {
  let names: string[] = [];
  try { names = scope.names(); } catch { /* no suggestions */ }
  const fail = (m: string) => new ExprError(m, span.start, span.end);
  if (getFunction(path)) return fail(`'${path}' is a function; call it, e.g. ${path}(x)`);
  const children = [...new Set(names.filter((n) => n.startsWith(`${path}.`)).map((n) => `${path}.${n.slice(path.length + 1).split('.')[0]}`))];
  if (children.length) {
    const shown = children.slice(0, 4).map((c) => `'${c}'`).join(', ');
    return fail(`'${path}' is not a value; try ${shown}${children.length > 4 ? ', …' : ''}`);
  }
  // A layer-relative name (`W.grad`) is probably one of the full paths ending in it.
  const under = names.filter((n) => n.endsWith(`.${path}`)).slice(0, 3);
  return fail(`unknown name '${path}'${under.length ? askAbout(under) : didYouMean(path, names)}`);
}

function unary(op: '-' | '!', v: Value, operandSpan: Span, span: Span): Value {
  if (op === '!') return isTensor(v) ? map1(v, (x) => (x === 0 ? 1 : 0), span) : !isTruthy(v, operandSpan);
  const x = numeric(v, operandSpan, "'-'");
  return typeof x === 'number' ? -x : map1(x, (a) => -a, span);
}

function binary(op: BinaryOp, l: Value, r: Value, ls: Span, rs: Span, span: Span): Value {
  if (typeof l === 'string' || typeof r === 'string') {
    if ((op === '==' || op === '!=') && typeof l === 'string' && typeof r === 'string') return (l === r) === (op === '==');
    if (op === '==' || op === '!=') {
      throw new ExprError(`cannot compare a ${typeName(l)} with a ${typeName(r)}`, span.start, span.end);
    }
    const bad = typeof l === 'string' ? ls : rs;
    throw new ExprError(`'${op}' needs numbers or tensors, not a string`, bad.start, bad.end);
  }
  const a = numeric(l, ls, `'${op}'`), b = numeric(r, rs, `'${op}'`);
  const f = ARITH[op];
  if (typeof a === 'number' && typeof b === 'number') return COMPARISONS.has(op) ? f(a, b) !== 0 : f(a, b);
  return map2(a, b, f, span);
}

function logical(e: Extract<Expr, { type: 'logical' }>, scope: ExprScope): Value {
  const and = e.op === '&&';
  const l = evalNode(e.left, scope);
  if (!isTensor(l)) {
    const lt = isTruthy(l, e.left);
    if (and ? !lt : lt) return lt;
    const r = evalNode(e.right, scope);
    return isTensor(r) ? map1(r, (y) => (y !== 0 ? 1 : 0), e) : isTruthy(r, e.right);
  }
  const r = evalNode(e.right, scope);
  const b = isTensor(r) ? r : isTruthy(r, e.right) ? 1 : 0;
  return map2(l, b, and ? (x, y) => (x !== 0 && y !== 0 ? 1 : 0) : (x, y) => (x !== 0 || y !== 0 ? 1 : 0), e);
}

function index(target: Value, parts: readonly IndexPart[], span: Span, scope: ExprScope): Value {
  if (!isTensor(target)) throw new ExprError(`cannot index a ${typeName(target)}; only tensors have entries`, span.start, span.end);
  if (parts.length === 1 && parts[0].type !== 'slice') {
    const only = evalNode(parts[0], scope);
    if (isTensor(only)) return maskTensor(target, only, parts[0]);
    return indexTensor(target, [{ kind: 'index', index: integer(only, parts[0]), span: parts[0] }], span);
  }
  const specs: IndexSpec[] = parts.map((p) => {
    if (p.type !== 'slice') return { kind: 'index', index: integer(evalNode(p, scope), p), span: p };
    const bound = (b: Expr | undefined) => (b ? integer(evalNode(b, scope), b) : undefined);
    return { kind: 'slice', lower: bound(p.lower), upper: bound(p.upper), step: bound(p.step), span: p };
  });
  return indexTensor(target, specs, span);
}

function integer(v: Value, span: Span): number {
  if (isTensor(v)) throw new ExprError('a mask must be the only index (e.g. x[x > 0])', span.start, span.end);
  if (typeof v !== 'number') throw new ExprError(`an index must be an integer, not a ${typeName(v)}`, span.start, span.end);
  if (!Number.isInteger(v)) throw new ExprError(`an index must be an integer, not ${v}`, span.start, span.end);
  return v;
}
