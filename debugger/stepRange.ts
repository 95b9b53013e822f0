// How many steps ahead a breakpoint condition reading only `step` and `epoch` stays false: the condition evaluated
// over intervals of steps (interval arithmetic, three-valued logic), so `step < 0 && norm(x) > 0` is known false for
// every step at once and `step == 1000` for the steps before 1000, instead of being evaluated again at each step.

import type { BinaryOp, Expr } from '../engine/expr/ast';

/**
 * What an expression may be over a range of steps: a number in [lo, hi] (`nan`: or NaN), a boolean that may be true
 * (`t`) and may be false (`f`), or null when unknown (another name, a call, a string, or an evaluation that may throw).
 */
type Abstract =
  | { readonly kind: 'num'; readonly lo: number; readonly hi: number; readonly nan: boolean }
  | { readonly kind: 'bool'; readonly t: boolean; readonly f: boolean }
  | null;

/** Steps beyond which no range is claimed: no run gets there, and the arithmetic stays finite below it. */
const HORIZON = 2 ** 52;

const num = (lo: number, hi: number, nan = false): Abstract => ({ kind: 'num', lo, hi, nan });
const bool = (t: boolean, f: boolean): Abstract => ({ kind: 'bool', t, f });

/** The abstract value as `numeric` (engine/expr/functions.ts) reads it: a boolean as 0 or 1. */
function asNumber(a: Abstract): Extract<Abstract, { kind: 'num' }> | null {
  if (a === null || a.kind === 'num') return a;
  return { kind: 'num', lo: a.f ? 0 : 1, hi: a.t ? 1 : 0, nan: false };
}

/** Whether the value may be truthy (`t`) and may be falsy (`f`), as `isTruthy` reads a number or boolean. */
function truth(a: Abstract): { t: boolean; f: boolean } | null {
  if (a === null) return null;
  if (a.kind === 'bool') return a;
  // NaN !== 0, so NaN is truthy.
  return { t: a.nan || a.lo !== 0 || a.hi !== 0, f: a.lo <= 0 && a.hi >= 0 };
}

/** The interval of a correctly rounded arithmetic operation: monotone in each operand, so its corners bound it. */
function arith(op: BinaryOp, a: Extract<Abstract, { kind: 'num' }>, b: Extract<Abstract, { kind: 'num' }>): Abstract {
  if (a.nan || b.nan) return null;
  const finite = Number.isFinite(a.lo) && Number.isFinite(a.hi) && Number.isFinite(b.lo) && Number.isFinite(b.hi);
  // ∞·0 and ∞/∞ are NaN inside an interval as well as at its corners; a divisor that may be 0 has no bound at all.
  if (!finite || (op === '/' && b.lo <= 0 && b.hi >= 0)) return null;
  let f: (x: number, y: number) => number;
  switch (op) {
    case '+':
      f = (x, y) => x + y;
      break;
    case '-':
      f = (x, y) => x - y;
      break;
    case '*':
      f = (x, y) => x * y;
      break;
    case '/':
      f = (x, y) => x / y;
      break;
    default:
      return null; // `^` is not monotone in each operand
  }
  const c = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
  if (c.some(Number.isNaN)) return null;
  return num(Math.min(...c), Math.max(...c));
}

/** A comparison of two intervals: true where it holds for every pair of values, false where for none. */
function compare(op: BinaryOp, a: Extract<Abstract, { kind: 'num' }>, b: Extract<Abstract, { kind: 'num' }>): Abstract {
  if (a.nan || b.nan) return null;
  switch (op) {
    case '<':
      return bool(a.lo < b.hi, a.hi >= b.lo);
    case '<=':
      return bool(a.lo <= b.hi, a.hi > b.lo);
    case '>':
      return bool(a.hi > b.lo, a.lo <= b.hi);
    case '>=':
      return bool(a.hi >= b.lo, a.lo < b.hi);
    case '==':
    case '!=': {
      const mayEqual = a.lo <= b.hi && b.lo <= a.hi,
        mayDiffer = !(a.lo === a.hi && b.lo === b.hi && a.lo === b.lo);
      return op === '==' ? bool(mayEqual, mayDiffer) : bool(mayDiffer, mayEqual);
    }
    default:
      return null;
  }
}

const COMPARISON = new Set<BinaryOp>(['<', '<=', '>', '>=', '==', '!=']);

/**
 * What `e` may be while the 1-based `step` lies in `steps` and `epoch` in `epochs`, as the closures of
 * engine/expr/evaluate.ts compute it; null where it is not known (or the evaluation may throw).
 */
function abstractOf(e: Expr, steps: Abstract, epochs: Abstract): Abstract {
  switch (e.type) {
    case 'number':
      return num(e.value, e.value, Number.isNaN(e.value));
    case 'boolean':
      return bool(e.value, !e.value);
    case 'name':
      return e.path === 'step' ? steps : e.path === 'epoch' ? epochs : null;
    case 'unary': {
      const v = abstractOf(e.operand, steps, epochs);
      if (e.op === '!') {
        const tv = truth(v);
        return tv && bool(tv.f, tv.t);
      }
      const n = asNumber(v);
      return n && num(-n.hi, -n.lo, n.nan);
    }
    case 'binary': {
      const l = asNumber(abstractOf(e.left, steps, epochs)),
        r = asNumber(abstractOf(e.right, steps, epochs));
      if (!l || !r) return null;
      return COMPARISON.has(e.op) ? compare(e.op, l, r) : arith(e.op, l, r);
    }
    case 'logical': {
      // `a && b` is false where a is falsy (b is then not evaluated), else b's truth; `a || b` likewise.
      const l = truth(abstractOf(e.left, steps, epochs));
      if (!l) return null;
      const and = e.op === '&&';
      if (and ? !l.t : !l.f) return bool(!and, and);
      const r = truth(abstractOf(e.right, steps, epochs));
      if (!r) return null;
      return and ? bool(r.t, l.f || r.f) : bool(l.t || r.t, r.f);
    }
    default:
      return null; // calls, indexing and strings: what they read or throw is not followed
  }
}

/**
 * True if the condition is false at every step from `from` to `to` (0-based, inclusive), given that step `from` is
 * in 0-based epoch `epoch` (a step ends at most one epoch, so step s is in an epoch from `epoch` to `epoch + s − from`).
 */
export function falseThrough(condition: Expr, from: number, epoch: number, to: number): boolean {
  const v = truth(abstractOf(condition, num(from + 1, to + 1), num(epoch + 1, epoch + 1 + to - from)));
  return v !== null && !v.t;
}

/**
 * The first step after `from` at which the condition may be true, for a condition false at step `from` (in 0-based
 * `epoch`) as far as it can tell: Infinity when it is false at every later step; `from + 1` when it cannot tell. The
 * steps before the returned one are all known false (never wrongly: it evaluates over intervals what the step-by-step
 * evaluation would compute).
 */
export function falseUntil(condition: Expr, from: number, epoch: number): number {
  if (falseThrough(condition, from, epoch, from + HORIZON)) return Infinity;
  let width = 1;
  while (width < HORIZON && falseThrough(condition, from, epoch, from + 2 * width - 1)) width *= 2;
  return from + width;
}
