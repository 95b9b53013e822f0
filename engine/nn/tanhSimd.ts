// tanh over a float32 array in WebAssembly SIMD, two float64 lanes at a time, with the guarantee of fastMath.ts:
// every value stored is Math.fround(Math.tanh(x)) bit for bit; and the δ of a tanh layer (tanhDeltaArray). A tanh
// layer of N2 (32 × 16 values) took ~4.2 µs per call in tanh32Into's JavaScript loop, about half of the generated
// step's own time (issue 18).
//
// Why the results are the same bits: per value, t = 1 − 2/(e^{2x} + 1) with e^{2x} = 2^n·e^r (n = round(2x/ln 2),
// |r| ≤ ln 2/2, e^r by its Taylor series to r¹¹: relative error below 1e-14), or for |x| ≤ 0.05 the odd series of
// fastMath.ts; t is then within a relative 1.2e-13 of tanh x (the subtraction loses at most a factor 10 at
// |x| = 0.05). As in fastMath.ts, a value is stored only when t·(1 − 2^-36) and t·(1 + 2^-36) round to the same
// float32: Math.tanh (within a few float64 ulps of tanh x) lies between them, so its float32 is that one too. The
// pairs where they differ (a few in 10,000) and NaN are listed, and tanh32 computes them again. 2x is clamped to
// ±38 (tanh 19 rounds to ±1 in float32, as does tanh of every |x| above 9.02); ±0 passes through unchanged.
// tanhSimd.test.ts compares the kernel with the reference on ~20 million float32 inputs; once, every float32 was
// compared (all 2^32 bit patterns, Node 20.20): no difference.

import { tanh32, tanh32Into } from './fastMath';
import { simdKernelsAvailable } from './denseSimd';
import { Body, I32, name, section, uleb, V128, vec } from './wasmEncoder';
import { heapView, reserveHeap, type WasmHeap } from './wasmHeap';

/** Relative half-width of the window that must round to one float32 (as fastMath.ts): 2^-36. */
const WINDOW = 1 / 68719476736;
/** fdlibm's split of ln 2: n·LN2_HI is exact for |n| < 2^20. */
const LN2_HI = 6.9314718036912381649e-1,
  LN2_LO = 1.90821492927058770002e-10;
/** 1.5·2^52: k + MAGIC rounds k to the integer n, which the low bits of the sum hold. */
const MAGIC = 6755399441055744;
/** 1.0, whose bits plus n·2^52 are those of 2^n. */
const ONE = 1;

/** f64x2 and v128 opcodes used below (after the 0xfd prefix). */
const OP = {
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
  gt: 0x4a,
  abs: 0xec,
  add: 0xf0,
  sub: 0xf1,
  mul: 0xf2,
  div: 0xf3,
  pmin: 0xf6,
  pmax: 0xf7,
} as const;

/** The kernel `tanh(out, x, pairs, fails) → count`: byte addresses; the indices of failed pairs go to `fails`. */
function tanhBody(): Body {
  const f = new Body(4);
  const out = 0,
    x = 1,
    pairs = 2,
    fails = 3;
  const [i, end, fp] = f.locals(I32, 3);
  const [xv, y, m, n, r, r2, r4, t, s, lo, hi, big] = f.locals(V128, 12);
  // Expressions as emitters: each pushes one v128.
  type E = () => void;
  const L =
    (l: number): E =>
    () =>
      f.get(l);
  // Constants live in locals set once before the loop (a v128.const in the loop costs V8 a load or more each time).
  const consts = new Map<number, number>();
  const K =
    (v: number): E =>
    () => {
      let l = consts.get(v);
      if (l === undefined) consts.set(v, (l = f.local(V128)));
      f.get(l);
    };
  const bin =
    (code: number) =>
    (a: E, b: E): E =>
    () => {
      a();
      b();
      f.simd(code);
    };
  const add = bin(OP.add),
    sub = bin(OP.sub),
    mul = bin(OP.mul),
    div = bin(OP.div);
  const set = (l: number, e: E) => (e(), f.set(l));
  const select = (ifTrue: E, ifFalse: E, mask: E) => () => (ifTrue(), ifFalse(), mask(), f.simd(OP.bitselect));
  /** 1/k! */
  const c = (k: number) => 1 / [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800][k];
  /** c(k) + c(k+1)·r + r²·(c(k+2) + c(k+3)·r) */
  const group = (k: number) =>
    add(add(K(c(k)), mul(K(c(k + 1)), L(r))), mul(L(r2), add(K(c(k + 2)), mul(K(c(k + 3)), L(r)))));

  f.get(pairs).i32(8).mul().set(end).get(fails).set(fp);
  f.op(0x02, 0x40).get(pairs).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.i32(0).set(i);
  const loopAt = f.code.length;
  f.repeat(i, 8, end, () => {
    // The two floats as doubles; y = 2x clamped to ±38 (pmin/pmax return a NaN x as it is).
    f.get(x).get(i).add().simd(OP.load64Zero, 3, 0).simd(OP.promote).set(xv);
    set(y, () => (add(L(xv), L(xv))(), K(38)(), f.simd(OP.pmin), K(-38)(), f.simd(OP.pmax)));
    // n = round(y/ln 2) (m holds it in its low bits), r = y − n·ln 2 in two parts.
    set(m, add(mul(L(y), K(Math.LOG2E)), K(MAGIC)));
    set(n, sub(L(m), K(MAGIC)));
    set(r, sub(sub(L(y), mul(L(n), K(LN2_HI))), mul(L(n), K(LN2_LO))));
    set(r2, mul(L(r), L(r)));
    set(r4, mul(L(r2), L(r2)));
    // 2^n: n shifted into the exponent field of 1.0.
    set(s, () => {
      f.get(m).i32(52).simd(OP.i64Shl);
      K(ONE)();
      f.simd(OP.i64Add);
    });
    // e^y = 2^n·e^r, e^r = Σ r^k/k! to k = 11 in three groups (Estrin: a short chain of dependent operations);
    // t = 1 − 2/(e^y + 1).
    const er = add(group(0), mul(L(r4), add(group(4), mul(L(r4), group(8)))));
    set(t, sub(K(1), div(K(2), add(mul(L(s), er), K(1)))));
    // |x| ≤ 0.05 (and NaN), rare in a trained layer, so behind a branch: x + x³·(−1/3 + x²·(2/15 + x²·(−17/315 +
    // x²·62/2835))), fastMath.ts's series; ±0 as it came.
    set(big, () => (f.get(xv).simd(OP.abs), K(0.05)(), f.simd(OP.gt)));
    f.get(big).simd(OP.i64AllTrue).op(0x45 /* i32.eqz */, 0x04, 0x40 /* if */);
    {
      set(s, mul(L(xv), L(xv)));
      const series = add(
        L(xv),
        mul(
          mul(L(xv), L(s)),
          add(K(-1 / 3), mul(L(s), add(K(2 / 15), mul(L(s), add(K(-17 / 315), mul(L(s), K(62 / 2835))))))),
        ),
      );
      const zero = () => (f.get(xv), K(0)(), f.simd(OP.eq));
      set(t, select(L(xv), select(L(t), series, L(big)), zero));
    }
    f.op(0x0b); // end if
    // The window: both ends rounded to float32 (lanes 0 and 1); the lower one is stored.
    set(lo, () => (mul(L(t), K(1 - WINDOW))(), f.simd(OP.demote)));
    set(hi, () => (mul(L(t), K(1 + WINDOW))(), f.simd(OP.demote)));
    f.get(out).get(i).add().get(lo).simd(OP.store64Lane, 3, 0, 0);
    // if ((bitmask(lo == hi) & 3) !== 3) fails[fp++] = i / 8
    f.get(lo).get(hi).simd(OP.f32Eq).simd(OP.i32Bitmask).i32(3).op(0x71 /* i32.and */).i32(3).op(0x47 /* i32.ne */);
    f.op(0x04, 0x40); // if
    f.get(fp).get(i).i32(3).op(0x76 /* i32.shr_u */).op(0x36, 2, 0 /* i32.store */);
    f.get(fp).i32(4).add().set(fp);
    f.op(0x0b); // end if
  });
  const init = new Body(0);
  for (const [v, l] of consts) init.f64x2(v).set(l);
  f.code.splice(loopAt, 0, ...init.code);
  f.op(0x0b); // end block
  f.get(fp).get(fails).op(0x6b /* i32.sub */).i32(2).op(0x76);
  return f;
}

/**
 * The kernel `tanhDelta(d, da, a, pairs)`: d = fround(da·(1 − a·a)), the generated step's δ of a tanh layer, with
 * the same float64 operations in the same order (a·a, 1 − it, da × that), two lanes at a time.
 */
function tanhDeltaBody(): Body {
  const f = new Body(4);
  const d = 0,
    da = 1,
    a = 2,
    pairs = 3;
  const [i, end] = f.locals(I32, 2);
  const [av, one] = f.locals(V128, 2);
  const load = (base: number) => f.get(base).get(i).add().simd(OP.load64Zero, 3, 0).simd(OP.promote);
  f.get(pairs).i32(8).mul().set(end);
  f.op(0x02, 0x40).get(pairs).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.f64x2(1).set(one).i32(0).set(i);
  f.repeat(i, 8, end, () => {
    f.get(d).get(i).add();
    load(da);
    load(a).tee(av).get(av).simd(OP.mul);
    f.set(av).get(one).get(av).simd(OP.sub).simd(OP.mul).simd(OP.demote);
    f.simd(OP.store64Lane, 3, 0, 0);
  });
  f.op(0x0b); // end block
  return f;
}

/** The module: memory (exported), tanh and tanhDelta. */
function tanhModule(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        [0x60, 4, I32, I32, I32, I32, 1, I32],
        [0x60, 4, I32, I32, I32, I32, 0],
      ]),
    ),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(
      7,
      vec([
        [...name('memory'), 2, 0],
        [...name('tanh'), 0, 0],
        [...name('tanhDelta'), 0, 1],
      ]),
    ),
    ...section(10, vec([tanhBody().encode(), tanhDeltaBody().encode()])),
  ]);
}

interface Kernel extends WasmHeap {
  readonly tanh: (out: number, x: number, pairs: number, fails: number) => number;
  readonly tanhDelta: (d: number, da: number, a: number, pairs: number) => void;
  /** The memory as ints (the failed pairs' indices), rebuilt when the memory grows (see reserve). */
  ints: Int32Array;
}

let enabled = true;
let kernel: Kernel | null | undefined;

/**
 * Switches the SIMD tanh off (false) or back on (true, the default): the same results either way, for tests. It is
 * off too while denseSimd.ts's kernels are (useSimdKernels(false), the bench's JavaScript-only engine).
 */
export function useSimdTanh(on: boolean): void {
  enabled = on;
}

function instance(): Kernel | null {
  if (!enabled || !simdKernelsAvailable()) return null;
  if (kernel === undefined) {
    try {
      const e = new WebAssembly.Instance(new WebAssembly.Module(tanhModule())).exports as unknown as Pick<
        Kernel,
        'memory' | 'tanh' | 'tanhDelta'
      >;
      const buf = e.memory.buffer;
      kernel = { ...e, heap: new Float32Array(buf), ints: new Int32Array(buf), views: new Map() };
    } catch {
      kernel = null; // no WebAssembly SIMD here: tanh32Into's loop does it
    }
  }
  return kernel;
}

/** Views of the first n floats of the model's arrays, made once and reused. */
const prefixes = new WeakMap<Float32Array, Map<number, Float32Array>>();
function prefix(a: Float32Array, len: number): Float32Array {
  if (len === a.length) return a;
  let byLen = prefixes.get(a);
  if (!byLen) prefixes.set(a, (byLen = new Map()));
  let v = byLen.get(len);
  if (!v) byLen.set(len, (v = a.subarray(0, len)));
  return v;
}

/** Below this many values a call's fixed cost (copies, the call itself) outweighs the kernel's gain. */
const SIMD_MIN_VALUES = 32;

/** reserveHeap, with the ints view kept over the same (possibly grown) memory. */
function reserve(k: Kernel, floats: number): boolean {
  if (!reserveHeap(k, floats)) return false;
  if (k.ints.buffer !== k.heap.buffer) k.ints = new Int32Array(k.heap.buffer);
  return true;
}

/**
 * out[k] = Math.fround(Math.tanh(z[k])) for k < n in the SIMD kernel; false (nothing written) when it is off,
 * missing, or its memory cannot hold the operands (the caller then loops over tanh32).
 */
export function tanhSimdInto(out: Float32Array, z: Float32Array, n: number): boolean {
  const k = instance();
  const n2 = (n + 1) & ~1,
    outAt = n2,
    failAt = 2 * n2;
  if (!k || !reserve(k, failAt + n2 / 2)) return false;
  const heap = k.heap;
  heap.set(prefix(z, n), 0);
  if (n2 > n) heap[n] = 0; // the odd length's partner: stale garbage there could only cost a recomputation
  const failed = k.tanh(outAt * 4, 0, n2 / 2, failAt * 4);
  out.set(heapView(k, outAt, n), 0);
  for (let j = 0; j < failed; j++) {
    const p = 2 * k.ints[failAt + j];
    out[p] = tanh32(z[p]);
    if (p + 1 < n) out[p + 1] = tanh32(z[p + 1]);
  }
  return true;
}

/**
 * d[k] = Math.fround(da[k]·(1 − a[k]·a[k])) for k < n, the δ of a tanh layer as the generated step writes it
 * (fastStep.ts's `derivative`): in the SIMD kernel where it pays and runs, else in this loop.
 */
export function tanhDeltaArray(d: Float32Array, da: Float32Array, a: Float32Array, n: number): void {
  const k = n >= SIMD_MIN_VALUES ? instance() : null;
  const n2 = (n + 1) & ~1;
  if (!k || !reserve(k, 3 * n2)) {
    for (let i = 0; i < n; i++) d[i] = Math.fround(da[i] * (1 - a[i] * a[i]));
    return;
  }
  k.heap.set(prefix(da, n), 0);
  k.heap.set(prefix(a, n), n2);
  k.tanhDelta(2 * n2 * 4, 0, n2 * 4, n2 / 2);
  d.set(heapView(k, 2 * n2, n), 0);
}

/** out[k] = Math.fround(Math.tanh(z[k])) for k < n: in the SIMD kernel where it pays and runs, else by tanh32. */
export function tanh32Array(out: Float32Array, z: Float32Array, n: number): void {
  if (n < SIMD_MIN_VALUES || !tanhSimdInto(out, z, n)) tanh32Into(out, z, n);
}
