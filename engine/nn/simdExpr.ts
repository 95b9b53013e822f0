// f64x2 arithmetic written as expressions for the exact-activation WebAssembly kernels (tanhSimd.ts, sigmoidSimd.ts):
// the opcodes they use, constants hoisted out of the loop, and e^y by range reduction and a Taylor series.

import { Body, I32, V128 } from './wasmEncoder';

/** f64x2 and v128 opcodes (after the 0xfd prefix). */
export const OP = {
  load64Zero: 0x5d,
  store64Lane: 0x5b,
  promote: 0x5f,
  demote: 0x5e,
  bitselect: 0x52,
  f32Eq: 0x41,
  i32Bitmask: 0xa4,
  i64Shl: 0xcb,
  i64Add: 0xce,
  i64AllTrue: 0xc3,
  eq: 0x47,
  lt: 0x49,
  gt: 0x4a,
  abs: 0xec,
  neg: 0xed,
  add: 0xf0,
  sub: 0xf1,
  mul: 0xf2,
  div: 0xf3,
  pmin: 0xf6,
  pmax: 0xf7,
} as const;

/** An expression: emitting it pushes one v128. */
export type E = () => void;

/** fdlibm's split of ln 2: n·LN2_HI is exact for |n| < 2^20. */
const LN2_HI = 6.9314718036912381649e-1,
  LN2_LO = 1.90821492927058770002e-10;
/** Relative half-width of the window that must round to one float32: 2^-36. */
export const WINDOW = 1 / 68719476736;
/** 1.5·2^52: k + MAGIC rounds k to the integer n, which the low bits of the sum hold. */
const MAGIC = 6755399441055744;

/** Expressions over the v128 locals of one function body, with its constants kept in locals (see hoistConstants). */
export class Exprs {
  private readonly consts = new Map<number, number>();
  constructor(readonly f: Body) {}

  /** The local `l`. */
  L(l: number): E {
    return () => this.f.get(l);
  }
  /** The double `v` in both lanes, from a local set once before the loop (a v128.const in the loop costs V8 a load). */
  K(v: number): E {
    return () => {
      let l = this.consts.get(v);
      if (l === undefined) this.consts.set(v, (l = this.f.local(V128)));
      this.f.get(l);
    };
  }
  private bin(code: number, a: E, b: E): E {
    return () => (a(), b(), this.f.simd(code));
  }
  add(a: E, b: E): E {
    return this.bin(OP.add, a, b);
  }
  sub(a: E, b: E): E {
    return this.bin(OP.sub, a, b);
  }
  mul(a: E, b: E): E {
    return this.bin(OP.mul, a, b);
  }
  div(a: E, b: E): E {
    return this.bin(OP.div, a, b);
  }
  /** One operand's instruction: abs, neg, demote … */
  un(code: number, a: E): E {
    return () => (a(), this.f.simd(code));
  }
  /** The lanes of `ifTrue` where `mask` is all ones, else of `ifFalse`. */
  select(ifTrue: E, ifFalse: E, mask: E): E {
    return () => (ifTrue(), ifFalse(), mask(), this.f.simd(OP.bitselect));
  }
  /** local l = e. */
  set(l: number, e: E): void {
    e();
    this.f.set(l);
  }

  /**
   * Sets `out` to e^y for |y| ≤ 700 (lanes of the local y), relative error below 1e-14: e^y = 2^n·e^r with
   * n = round(y/ln 2), |r| ≤ ln 2/2 (r = y − n·ln 2 in two parts), e^r = Σ r^k/k! to k = 11 in three groups (Estrin:
   * a short chain of dependent operations), 2^n by shifting n into the exponent field of 1.0. Uses six more locals.
   */
  exp(y: number, out: number): void {
    const [m, n, r, r2, r4, s] = this.f.locals(V128, 6);
    const L = (l: number) => this.L(l),
      K = (v: number) => this.K(v);
    /** 1/k! */
    const c = (k: number) => 1 / [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800][k];
    /** c(k) + c(k+1)·r + r²·(c(k+2) + c(k+3)·r) */
    const group = (k: number) =>
      this.add(
        this.add(K(c(k)), this.mul(K(c(k + 1)), L(r))),
        this.mul(L(r2), this.add(K(c(k + 2)), this.mul(K(c(k + 3)), L(r)))),
      );
    this.set(m, this.add(this.mul(L(y), K(Math.LOG2E)), K(MAGIC)));
    this.set(n, this.sub(L(m), K(MAGIC)));
    this.set(r, this.sub(this.sub(L(y), this.mul(L(n), K(LN2_HI))), this.mul(L(n), K(LN2_LO))));
    this.set(r2, this.mul(L(r), L(r)));
    this.set(r4, this.mul(L(r2), L(r2)));
    this.set(s, () => {
      this.f.get(m).i32(52).simd(OP.i64Shl);
      K(1)();
      this.f.simd(OP.i64Add);
    });
    const er = this.add(group(0), this.mul(L(r4), this.add(group(4), this.mul(L(r4), group(8)))));
    this.set(out, this.mul(L(s), er));
  }

  /**
   * Stores the lanes of `t` (doubles) as float32 at out + i (bytes) where every number within a relative 2^-36 of
   * each lane rounds to one float32: the exact kernels' guarantee (the reference, a few float64 ulps from the true
   * value that t is within 1e-13 of, rounds to that float32 too). Where the two ends differ (a rounding boundary, or
   * NaN) the pair's index i/8 goes to the int32 at fp, and fp advances: the caller recomputes that pair.
   */
  storeExact32(t: number, out: number, i: number, fp: number): void {
    const f = this.f;
    const [lo, hi] = f.locals(V128, 2);
    this.set(lo, this.un(OP.demote, this.mul(this.L(t), this.K(1 - WINDOW))));
    this.set(hi, this.un(OP.demote, this.mul(this.L(t), this.K(1 + WINDOW))));
    f.get(out).get(i).add().get(lo).simd(OP.store64Lane, 3, 0, 0);
    // if ((bitmask(lo == hi) & 3) !== 3) fails[fp++] = i / 8
    f.get(lo).get(hi).simd(OP.f32Eq).simd(OP.i32Bitmask).i32(3).op(0x71 /* i32.and */).i32(3).op(0x47 /* i32.ne */);
    f.op(0x04, 0x40); // if
    f.get(fp).get(i).i32(3).op(0x76 /* i32.shr_u */).op(0x36, 2, 0 /* i32.store */);
    f.get(fp).i32(4).add().set(fp);
    f.op(0x0b); // end if
  }

  /** Puts the constants' initialisation at code offset `at` (where the loop starts), once the body is written. */
  hoistConstants(at: number): void {
    const init = new Body(0);
    for (const [v, l] of this.consts) init.f64x2(v).set(l);
    this.f.code.splice(at, 0, ...init.code);
  }
}

/**
 * The kernel `value(out, x, pairs, fails) → count` (byte addresses): for each pair of float32 at x, `compute` sets the
 * local t (doubles) from the local xv (the pair as doubles), and storeExact32 stores it at out or lists the pair at
 * fails; the count of pairs listed is returned.
 */
export function exactValueBody(compute: (e: Exprs, xv: number, t: number) => void): Body {
  const f = new Body(4);
  const e = new Exprs(f);
  const out = 0,
    x = 1,
    pairs = 2,
    fails = 3;
  const [i, end, fp] = f.locals(I32, 3);
  const [xv, t] = f.locals(V128, 2);
  f.get(pairs).i32(8).mul().set(end).get(fails).set(fp);
  f.op(0x02, 0x40).get(pairs).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.i32(0).set(i);
  const loopAt = f.code.length;
  f.repeat(i, 8, end, () => {
    f.get(x).get(i).add().simd(OP.load64Zero, 3, 0).simd(OP.promote).set(xv);
    compute(e, xv, t);
    e.storeExact32(t, out, i, fp);
  });
  e.hoistConstants(loopAt);
  f.op(0x0b); // end block
  f.get(fp).get(fails).op(0x6b /* i32.sub */).i32(2).op(0x76 /* i32.shr_u */);
  return f;
}

/**
 * The kernel `delta(d, da, a, pairs)` (byte addresses): d = demote(`compute`(da, a)) over pairs of float32, each
 * promoted to double: the generated step's float64 expression for a layer's δ, the same operations in the same
 * order, so the same bits.
 */
export function deltaBody(compute: (e: Exprs, da: E, a: number) => E): Body {
  const f = new Body(4);
  const e = new Exprs(f);
  const d = 0,
    da = 1,
    a = 2,
    pairs = 3;
  const [i, end] = f.locals(I32, 2);
  const [av] = f.locals(V128, 1);
  const load = (base: number) => () => f.get(base).get(i).add().simd(OP.load64Zero, 3, 0).simd(OP.promote);
  f.get(pairs).i32(8).mul().set(end);
  f.op(0x02, 0x40).get(pairs).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.i32(0).set(i);
  const loopAt = f.code.length;
  f.repeat(i, 8, end, () => {
    e.set(av, load(a));
    f.get(d).get(i).add();
    e.un(OP.demote, compute(e, load(da), av))();
    f.simd(OP.store64Lane, 3, 0, 0);
  });
  e.hoistConstants(loopAt);
  f.op(0x0b); // end block
  return f;
}
