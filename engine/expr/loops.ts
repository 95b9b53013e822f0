// Entrywise loops written out per function and per operator with a number: one shared loop calling a function value
// per entry meets every function there is and runs several times slower. The same arithmetic, so the same bits.

import type { FloatArray } from '../nn/tensor';
import type { BinaryOp } from './ast';

/** Writes f(a[i]) into o[i] for i < n, for one fixed f. */
export type Loop = (a: ArrayLike<number>, o: FloatArray, n: number) => void;

/** Writes a[i] ⊕ b into o[i] for i < n, for one fixed operator ⊕ (comparisons give 1 or 0). */
export type LoopWithNumber = (a: ArrayLike<number>, b: number, o: FloatArray, n: number) => void;

/** The loops of the entrywise built-ins (functions.ts), by name. */
export const LOOPS = {
  abs: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.abs(a[i]);
  }) as Loop,
  sqrt: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(a[i]);
  }) as Loop,
  exp: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.exp(a[i]);
  }) as Loop,
  log: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.log(a[i]);
  }) as Loop,
  sign: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.sign(a[i]);
  }) as Loop,
  isnan: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Number.isNaN(a[i]) ? 1 : 0;
  }) as Loop,
  isinf: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] === Infinity || a[i] === -Infinity ? 1 : 0;
  }) as Loop,
  isfinite: ((a, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Number.isFinite(a[i]) ? 1 : 0;
  }) as Loop,
};

/** A tensor ⊕ a number (`h1.a > 0`, `x * 2`), per operator. */
export const WITH_NUMBER: Readonly<Record<BinaryOp, LoopWithNumber>> = {
  '+': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] + b;
  },
  '-': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] - b;
  },
  '*': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] * b;
  },
  '/': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] / b;
  },
  '^': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = Math.pow(a[i], b);
  },
  '<': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] < b ? 1 : 0;
  },
  '<=': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] <= b ? 1 : 0;
  },
  '>': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] > b ? 1 : 0;
  },
  '>=': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] >= b ? 1 : 0;
  },
  '==': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] === b ? 1 : 0;
  },
  '!=': (a, b, o, n) => {
    for (let i = 0; i < n; i++) o[i] = a[i] !== b ? 1 : 0;
  },
};
