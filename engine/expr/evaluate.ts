// Evaluates expressions against a debugger scope: names, operators (elementwise on tensors), calls and indexing.

import type { BinaryOp, Expr, IndexPart, SliceNode } from './ast';
import { namesIn } from './ast';
import { getFunction, numeric } from './functions';
import { indexTensor, maskTensor, type IndexSpec } from './indexing';
import { WITH_NUMBER } from './loops';
import { map1, map2, mapWithNumber } from './ops';
import { parse } from './parser';
import { askAbout, didYouMean } from './suggest';
import {
  ExprError,
  NotComputedError,
  isTensor,
  isTruthy,
  isValue,
  typeName,
  type ExprScope,
  type Span,
  type Tensor,
  type Value,
} from './values';

/** A function computing an expression's value in a scope; throws ExprError (or a RangeError when too deep). */
type Run = (scope: ExprScope) => Value;

/**
 * A parsed expression turned into nested closures, ready to evaluate many times: conditions and logpoints run
 * after every event, so the tree is walked once here, not per evaluation, and numbers take a fast path.
 */
export interface CompiledExpr {
  readonly source: string;
  readonly ast: Expr;
  readonly run: Run;
}

/** The outcome of `tryEvaluate`: a value, or the ExprError explaining why there is none. */
export type EvalResult =
  { readonly ok: true; readonly value: Value } | { readonly ok: false; readonly error: ExprError };

/** Parses `source` once; throws ExprError (and nothing else) for a syntax error. */
export function compile(source: string): CompiledExpr {
  return guard(source, () => {
    const ast = parse(source);
    return { source, ast, run: closureOf(ast) };
  });
}

/** Evaluates an expression (source or compiled) in `scope`; throws ExprError, and nothing else, on any failure. */
export function evaluate(expr: string | CompiledExpr, scope: ExprScope): Value {
  const c = typeof expr === 'string' ? compile(expr) : expr;
  return guardRun(c, scope);
}

/** Evaluates a breakpoint condition: true or false, or an ExprError (e.g. when the result is a tensor). */
export function evaluateCondition(expr: string | CompiledExpr, scope: ExprScope): boolean {
  const c = typeof expr === 'string' ? compile(expr) : expr;
  const v = guardRun(c, scope);
  if (typeof v === 'boolean') return v;
  return isTruthy(v, c.ast);
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
    const why =
      error instanceof RangeError
        ? 'expression too complex to evaluate'
        : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    throw new ExprError(why, 0, source.length);
  }
}

/** `guard` for running a compiled expression, without allocating a closure per evaluation. */
function guardRun(c: CompiledExpr, scope: ExprScope): Value {
  try {
    return c.run(scope);
  } catch (error) {
    return guard(c.source, () => {
      throw error;
    });
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

/** Compiles a node to a closure; errors that depend on values (unknown names, types) are raised when it runs. */
function closureOf(e: Expr): Run {
  switch (e.type) {
    case 'number':
    case 'string':
    case 'boolean': {
      const v = e.value;
      return () => v;
    }
    case 'name': {
      const path = e.path;
      // Remember the scope's getter for a scalar: a condition runs after every event in one long-lived scope.
      let boundTo: ExprScope | null = null,
        getter: (() => Value) | undefined;
      return (scope) => {
        if (scope !== boundTo) {
          boundTo = scope;
          getter = scope.scalarGetter?.(path);
        }
        if (!getter) return resolve(path, e, scope);
        try {
          return getter();
        } catch (error) {
          throw error instanceof NotComputedError ? new NotComputedError(error.message, e.start, e.end) : error;
        }
      };
    }
    case 'unary': {
      const f = closureOf(e.operand);
      return (scope) => unary(e.op, f(scope), e.operand, e);
    }
    case 'binary': {
      const L = closureOf(e.left),
        R = closureOf(e.right),
        f = ARITH[e.op],
        cmp = COMPARISONS.has(e.op);
      return (scope) => {
        const l = L(scope),
          r = R(scope);
        // Two numbers (the usual condition, e.g. `step > 100`) need none of the checks below.
        if (typeof l === 'number' && typeof r === 'number') return cmp ? f(l, r) !== 0 : f(l, r);
        return binary(e.op, l, r, e.left, e.right, e);
      };
    }
    case 'logical':
      return logical(e, closureOf(e.left), closureOf(e.right));
    case 'call': {
      const args = e.args.map(closureOf);
      return (scope) => {
        const def = getFunction(e.callee);
        if (!def) throw new ExprError(`unknown function '${e.callee}'`, e.start, e.calleeEnd);
        return def.call(
          args.map((a) => a(scope)),
          e.args,
          e,
          e.callee,
        );
      };
    }
    case 'index':
      return index(closureOf(e.target), e.parts, e);
  }
}

function resolve(path: string, span: Span, scope: ExprScope): Value {
  let v: unknown;
  try {
    v = scope.lookup(path);
  } catch (error) {
    if (error instanceof NotComputedError) throw new NotComputedError(error.message, span.start, span.end);
    throw new ExprError(
      `could not read '${path}': ${error instanceof Error ? error.message : String(error)}`,
      span.start,
      span.end,
    );
  }
  if (v === undefined || v === null) throw unknownName(path, span, scope);
  if (!isValue(v)) throw new ExprError(`'${path}' holds something expressions cannot use`, span.start, span.end);
  return v;
}

/** The error for a name the scope does not know, with the nearest names it does know. */
function unknownName(path: string, span: Span, scope: ExprScope): ExprError {
  let names: string[] = [];
  try {
    names = scope.names();
  } catch {
    /* no suggestions */
  }
  const fail = (m: string) => new ExprError(m, span.start, span.end);
  if (getFunction(path)) return fail(`'${path}' is a function; call it, e.g. ${path}(x)`);
  const children = [
    ...new Set(
      names.filter((n) => n.startsWith(`${path}.`)).map((n) => `${path}.${n.slice(path.length + 1).split('.')[0]}`),
    ),
  ];
  if (children.length) {
    const shown = children
      .slice(0, 4)
      .map((c) => `'${c}'`)
      .join(', ');
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
    if ((op === '==' || op === '!=') && typeof l === 'string' && typeof r === 'string')
      return (l === r) === (op === '==');
    if (op === '==' || op === '!=') {
      throw new ExprError(`cannot compare a ${typeName(l)} with a ${typeName(r)}`, span.start, span.end);
    }
    const bad = typeof l === 'string' ? ls : rs;
    throw new ExprError(`'${op}' needs numbers or tensors, not a string`, bad.start, bad.end);
  }
  const a = numeric(l, ls, `'${op}'`),
    b = numeric(r, rs, `'${op}'`);
  const f = ARITH[op];
  if (typeof a === 'number' && typeof b === 'number') return COMPARISONS.has(op) ? f(a, b) !== 0 : f(a, b);
  if (typeof b === 'number') return mapWithNumber(a as Tensor, b, WITH_NUMBER[op], span);
  return map2(a, b, f, span);
}

function logical(e: Extract<Expr, { type: 'logical' }>, L: Run, R: Run): Run {
  const and = e.op === '&&';
  const both = and
    ? (x: number, y: number) => (x !== 0 && y !== 0 ? 1 : 0)
    : (x: number, y: number) => (x !== 0 || y !== 0 ? 1 : 0);
  return (scope) => {
    const l = L(scope);
    if (!isTensor(l)) {
      const lt = typeof l === 'boolean' ? l : isTruthy(l, e.left);
      if (and ? !lt : lt) return lt;
      const r = R(scope);
      return isTensor(r) ? map1(r, (y) => (y !== 0 ? 1 : 0), e) : typeof r === 'boolean' ? r : isTruthy(r, e.right);
    }
    const r = R(scope);
    const b = isTensor(r) ? r : isTruthy(r, e.right) ? 1 : 0;
    return map2(l, b, both, e);
  };
}

function index(T: Run, parts: readonly IndexPart[], span: Span): Run {
  const bound = (b: Expr | undefined) => (b ? closureOf(b) : null);
  const compiled = parts.map((p) =>
    p.type === 'slice'
      ? { p, lower: bound(p.lower), upper: bound(p.upper), step: bound(p.step), at: null }
      : { p, lower: null, upper: null, step: null, at: closureOf(p) },
  );
  return (scope) => {
    const target = T(scope);
    if (!isTensor(target))
      throw new ExprError(`cannot index a ${typeName(target)}; only tensors have entries`, span.start, span.end);
    if (compiled.length === 1 && compiled[0].at) {
      const only = compiled[0].at(scope);
      if (isTensor(only)) return maskTensor(target, only, parts[0]);
      return indexTensor(target, [{ kind: 'index', index: integer(only, parts[0]), span: parts[0] }], span);
    }
    const specs: IndexSpec[] = compiled.map(({ p, lower, upper, step, at }) => {
      if (at) return { kind: 'index', index: integer(at(scope), p), span: p };
      const value = (f: Run | null, b: Expr | undefined) => (f && b ? integer(f(scope), b) : undefined);
      const sl = p as SliceNode;
      return {
        kind: 'slice',
        lower: value(lower, sl.lower),
        upper: value(upper, sl.upper),
        step: value(step, sl.step),
        span: p,
      };
    });
    return indexTensor(target, specs, span);
  };
}

function integer(v: Value, span: Span): number {
  if (isTensor(v)) throw new ExprError('a mask must be the only index (e.g. x[x > 0])', span.start, span.end);
  if (typeof v !== 'number')
    throw new ExprError(`an index must be an integer, not a ${typeName(v)}`, span.start, span.end);
  if (!Number.isInteger(v)) throw new ExprError(`an index must be an integer, not ${v}`, span.start, span.end);
  return v;
}
