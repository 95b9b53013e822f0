// The built-in functions of the expression language: reductions (optionally along an axis), elementwise maps, shape.

import { kernels, type Kernel } from './kernels';
import { LOOPS, type Loop } from './loops';
import { map1, map2, reduce } from './ops';
import { ExprError, isTensor, typeName, type Span, type Tensor, type Value } from './values';

/** A built-in: its arity, a one-line description for completions and hovers, and its implementation. */
export interface FunctionDef {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly signature: string;
  readonly doc: string;
  /** `args` are evaluated; `spans` locate each argument and `call` the whole call, for errors. */
  readonly call: (args: readonly Value[], spans: readonly Span[], call: Span, name: string) => Value;
}

/** A number or tensor argument; booleans count as 0/1, strings are an error. */
export function numeric(v: Value, span: Span, what: string): number | Tensor {
  if (typeof v === 'number' || isTensor(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new ExprError(`${what} needs a number or tensor, not a ${typeName(v)}`, span.start, span.end);
}

function axisArg(args: readonly Value[], spans: readonly Span[], name: string): number | undefined {
  if (args.length < 2) return undefined;
  const a = args[1];
  if (typeof a !== 'number' || !Number.isInteger(a)) {
    throw new ExprError(
      `the axis of ${name}() must be an integer, not ${typeof a === 'number' ? a : `a ${typeName(a)}`}`,
      spans[1].start,
      spans[1].end,
    );
  }
  return a;
}

/** A reduction over all entries, or along the optional axis argument. `post` maps a full reduction's result. */
function reduction(kernel: Kernel, doc: string, post: (x: number) => Value = (x) => x): FunctionDef {
  return {
    minArgs: 1,
    maxArgs: 2,
    doc,
    signature: '(x, axis?)',
    call: (args, spans, call, name) => {
      const x = numeric(args[0], spans[0], `${name}()`);
      const axis = axisArg(args, spans, name);
      if (typeof x === 'number') {
        if (axis !== undefined)
          throw new ExprError(`${name}() of a number has no axis ${axis}`, spans[1].start, spans[1].end);
        return post(kernel([x], 0, 1, 1));
      }
      const r = reduce(x, kernel, axis, axis === undefined ? call : spans[1]);
      return typeof r === 'number' ? post(r) : r;
    },
  };
}

/**
 * An entrywise function of one argument: a number gives a number (or `scalarPost` of it), a tensor a tensor (by
 * `loop`, f written out).
 */
function entrywise(
  f: (x: number) => number,
  loop: Loop,
  doc: string,
  scalarPost: (x: number) => Value = (x) => x,
): FunctionDef {
  return {
    minArgs: 1,
    maxArgs: 1,
    doc,
    signature: '(x)',
    call: (args, spans, call, name) => {
      const x = numeric(args[0], spans[0], `${name}()`);
      return typeof x === 'number' ? scalarPost(f(x)) : map1(x, f, call, undefined, loop);
    },
  };
}

/** An entrywise function of two broadcast arguments. */
function entrywise2(f: (x: number, y: number) => number, doc: string): FunctionDef {
  return {
    minArgs: 2,
    maxArgs: 2,
    doc,
    signature: '(a, b)',
    call: (args, spans, call, name) => {
      const a = numeric(args[0], spans[0], `${name}()`),
        b = numeric(args[1], spans[1], `${name}()`);
      return typeof a === 'number' && typeof b === 'number' ? f(a, b) : map2(a, b, f, call);
    },
  };
}

const bool = (x: number): Value => x !== 0;
const flag = (p: (x: number) => boolean) => (x: number) => (p(x) ? 1 : 0);

/** Every built-in function by name. */
export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  norm: reduction(kernels.norm, 'L2 (Frobenius) norm: √Σx²'),
  mean: reduction(kernels.mean, 'mean of the entries'),
  std: reduction(kernels.std, 'population standard deviation (divides by n)'),
  sum: reduction(kernels.sum, 'sum of the entries'),
  min: reduction(kernels.min, 'smallest entry (NaN if any entry is NaN)'),
  max: reduction(kernels.max, 'largest entry (NaN if any entry is NaN)'),
  frac: reduction(kernels.frac, 'fraction of entries that are nonzero/true, e.g. frac(h1.a > 0)'),
  count: reduction(kernels.count, 'number of entries that are nonzero/true'),
  any: reduction(kernels.any, 'true if any entry is nonzero', bool),
  all: reduction(kernels.all, 'true if every entry is nonzero', bool),
  abs: entrywise(Math.abs, LOOPS.abs, 'absolute value, entrywise'),
  sqrt: entrywise(Math.sqrt, LOOPS.sqrt, 'square root, entrywise'),
  exp: entrywise(Math.exp, LOOPS.exp, 'eˣ, entrywise'),
  log: entrywise(Math.log, LOOPS.log, 'natural logarithm, entrywise'),
  sign: entrywise(Math.sign, LOOPS.sign, 'sign (−1, 0 or 1), entrywise'),
  isnan: entrywise(flag(Number.isNaN), LOOPS.isnan, 'true/1 where an entry is NaN', bool),
  isinf: entrywise(
    flag((x) => x === Infinity || x === -Infinity),
    LOOPS.isinf,
    'true/1 where an entry is ±Inf',
    bool,
  ),
  isfinite: entrywise(flag(Number.isFinite), LOOPS.isfinite, 'true/1 where an entry is neither NaN nor ±Inf', bool),
  maximum: entrywise2(Math.max, 'larger of a and b, entrywise with broadcasting'),
  minimum: entrywise2(Math.min, 'smaller of a and b, entrywise with broadcasting'),
  shape: {
    minArgs: 1,
    maxArgs: 1,
    signature: '(x)',
    doc: 'the dimensions of a tensor, e.g. [4, 2] (empty for a number)',
    call: (args, spans, _call, name) => {
      const x = numeric(args[0], spans[0], `${name}()`);
      return {
        shape: [typeof x === 'number' ? 0 : x.shape.length],
        data: Float64Array.from(typeof x === 'number' ? [] : x.shape),
      };
    },
  },
  size: {
    minArgs: 1,
    maxArgs: 1,
    signature: '(x)',
    doc: 'number of entries (1 for a number)',
    call: (args, spans, _call, name) => {
      const x = numeric(args[0], spans[0], `${name}()`);
      return typeof x === 'number' ? 1 : x.shape.reduce((a, b) => a * b, 1);
    },
  },
};

/** Names of every built-in function, sorted. */
export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS).sort();

/** Looks up a built-in by name (own properties only, so `constructor` or `__proto__` are not functions). */
export function getFunction(name: string): FunctionDef | undefined {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}
