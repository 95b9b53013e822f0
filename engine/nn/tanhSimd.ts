// tanh over a float32 array in WebAssembly SIMD, four float32 lanes at a time: tanh32.ts's rational function, the
// same float32 operations in the same order as its JavaScript, so every value stored is tanh32(x) bit for bit; and
// the δ of a tanh layer (tanhDeltaArray). N2's two tanh layers (32 × 16 values each) spent ~26 % of its step in the
// float64 kernel that reproduced Math.fround(Math.tanh(x)) (e^{2x} to 1e-14, a rounding check per value); this one
// does ~26 float32 operations per four values (issue 18). tanhSimd.test.ts compares it with tanh32 on ~20 million
// float32 inputs.

import { ExactKernels } from './exactSimd';
import { deltaBody } from './simdExpr';
import { TANH32, tanh32, tanh32Into } from './tanh32';
import { Body, I32, V128 } from './wasmEncoder';

/** f32x4 and v128 opcodes (after the 0xfd prefix). */
const F4 = {
  const: 0x0c,
  lt: 0x43,
  bitselect: 0x52,
  abs: 0xe0,
  add: 0xe4,
  mul: 0xe6,
  div: 0xe7,
  pmin: 0xea,
  pmax: 0xeb,
};

/**
 * The kernel `value(out, x, pairs, fails) → 0` (byte addresses, `pairs` even): out = tanh32(x) over the floats at x,
 * four at a time (see tanh32.ts for the order of the operations). Nothing is ever recomputed: it returns 0 failures.
 */
function valueBody(): Body {
  const f = new Body(4);
  const out = 0,
    x = 1,
    pairs = 2;
  const [i, end] = f.locals(I32, 2);
  const [xv, c, c2, p, q] = f.locals(V128, 5);
  const consts = new Map<number, number>();
  /** The float32 v in all four lanes, from a local set before the loop. */
  const K = (v: number) => {
    let l = consts.get(v);
    if (l === undefined) consts.set(v, (l = f.local(V128)));
    f.get(l);
  };
  const op = (code: number) => f.simd(code);
  f.get(pairs).i32(8).mul().set(end);
  f.op(0x02, 0x40).get(pairs).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.i32(0).set(i);
  const loopAt = f.code.length;
  f.repeat(i, 16, end, () => {
    f.get(x).get(i).add().vload().set(xv);
    // c = pmax(pmin(x, clamp), −clamp): tanh32's clamp, NaN passing through.
    f.get(xv);
    K(TANH32.clamp);
    op(F4.pmin);
    K(-TANH32.clamp);
    op(F4.pmax);
    f.set(c);
    f.get(c).get(c);
    op(F4.mul);
    f.set(c2);
    const [p13, ...pRest] = TANH32.p;
    f.get(c2);
    K(p13);
    op(F4.mul);
    K(pRest[0]);
    op(F4.add);
    f.set(p);
    for (const a of pRest.slice(1)) {
      f.get(c2).get(p);
      op(F4.mul);
      K(a);
      op(F4.add);
      f.set(p);
    }
    f.get(c).get(p);
    op(F4.mul);
    f.set(p);
    const [q6, q4, ...qRest] = TANH32.q;
    f.get(c2);
    K(q6);
    op(F4.mul);
    K(q4);
    op(F4.add);
    f.set(q);
    for (const b of qRest) {
      f.get(c2).get(q);
      op(F4.mul);
      K(b);
      op(F4.add);
      f.set(q);
    }
    // out = |x| < tiny ? x : p/q
    f.get(out).get(i).add();
    f.get(xv);
    f.get(p).get(q);
    op(F4.div);
    f.get(xv);
    op(F4.abs);
    K(TANH32.tiny);
    op(F4.lt);
    op(F4.bitselect);
    f.vstore();
  });
  const init = new Body(0);
  for (const [v, l] of consts) {
    const d = new DataView(new ArrayBuffer(16));
    for (let j = 0; j < 4; j++) d.setFloat32(4 * j, v, true);
    init.simd(F4.const, ...new Uint8Array(d.buffer)).set(l);
  }
  f.code.splice(loopAt, 0, ...init.code);
  f.op(0x0b); // end block
  f.i32(0);
  return f;
}

const kernels = new ExactKernels({
  bodies: () => ({
    value: valueBody(),
    // fround(da·(1 − a·a)), fastStep.ts's `derivative` for tanh
    delta: deltaBody((e, da, a) => e.mul(da, e.sub(e.K(1), e.mul(e.L(a), e.L(a))))),
  }),
  scalar: tanh32,
  scalarInto: tanh32Into,
  deltaInto: (d, da, a, n) => {
    for (let i = 0; i < n; i++) d[i] = Math.fround(da[i] * (1 - a[i] * a[i]));
  },
});

/**
 * Switches the SIMD tanh off (false) or back on (true, the default): the same results either way, for tests. It is
 * off too while denseSimd.ts's kernels are (useSimdKernels(false), the bench's JavaScript-only engine).
 */
export function useSimdTanh(on: boolean): void {
  kernels.use(on);
}

/**
 * out[k] = tanh32(z[k]) for k < n in the SIMD kernel; false (nothing written) when it is off, missing, or its memory
 * cannot hold the operands (the caller then loops over tanh32).
 */
export function tanhSimdInto(out: Float32Array, z: Float32Array, n: number): boolean {
  return kernels.valuesSimd(out, z, n);
}

/**
 * d[k] = Math.fround(da[k]·(1 − a[k]·a[k])) for k < n, the δ of a tanh layer as the generated step writes it
 * (fastStep.ts's `derivative`): in the SIMD kernel where it pays and runs, else in a loop.
 */
export function tanhDeltaArray(d: Float32Array, da: Float32Array, a: Float32Array, n: number): void {
  kernels.deltas(d, da, a, n);
}

/** out[k] = tanh32(z[k]) for k < n: in the SIMD kernel where it pays and runs, else in JavaScript. */
export function tanh32Array(out: Float32Array, z: Float32Array, n: number): void {
  kernels.values(out, z, n);
}
