// A large float32 tensor's summary sums (Σ x, Σ x², Σ |x| in laneSums.ts's eight float64 lanes, min and max) in
// WebAssembly SIMD: what tensor.ts's summarize computes for every big tensor a stop shows (N5's 1M-weight matrices:
// ~8 ms each in JavaScript, paid at every Step Back and pause). The same bits as tensor.ts's loop.
//
// Per block of eight floats: two f32x4 loads, each half widened by f64x2.promote_low_f32x4 into the lanes'
// accumulators (l0, l1) … (l6, l7) of Σ x, Σ x² and Σ |x|, each lane's adds in index order as the loop's; min and max
// lane-wise by f32x4.pmin(m, v) = v < m ? v : m (the loop's `if (v < min) min = v`). The operands are copied into the
// module's own memory a chunk at a time (a whole number of blocks, so every element keeps its lane), the lane state
// carried in that memory from chunk to chunk; tensor.ts adds the tail and combines the lanes. Across lanes the
// minimum is the same number whatever the order; only its sign when it is zero depends on which zero came first,
// so a zero minimum (or maximum) is taken from the first zero in index order, as the loop does.

import { simdKernelsAvailable } from './denseSimd';
import { laneTree } from './laneSums';
import { Body, I32, V128, name, section, uleb, vec } from './wasmEncoder';

const F32X4_MIN = 0xe8,
  F32X4_MAX = 0xe9,
  F32X4_PMIN = 0xea,
  F32X4_PMAX = 0xeb,
  F64X2_ABS = 0xec,
  F64X2_ADD = 0xf0,
  F64X2_MUL = 0xf2,
  F64X2_PROMOTE_LOW = 0x5f,
  I8X16_SHUFFLE = 0x0d;

/** Floats copied into the module per call: 64k (256 KB), a whole number of blocks of eight. */
const CHUNK = 65536;
/** The lane state in the module's memory (bytes), after the chunk: 24 doubles, then min and max (f32x4 ×2 each). */
const STATE_AT = CHUNK * 4;
/** Below this many floats the JavaScript loop is as fast as the call and its copy. */
const SIMD_MIN = 2048;

/** i8x16.shuffle's lane bytes that bring the high half of the first operand to the bottom. */
const HIGH = Array.from({ length: 16 }, (_, k) => (8 + k) & 15);

/** `sums(end, state)`: blocks of eight floats at [0, end) bytes into the lane state at `state` (loaded and stored). */
function sumsBody(): Body {
  const f = new Body(2);
  const end = 0,
    state = 1;
  const [i] = f.locals(I32, 1);
  const [v, t, ...acc] = f.locals(V128, 2 + 12 + 4);
  const S = acc.slice(0, 4),
    Q = acc.slice(4, 8),
    B = acc.slice(8, 12),
    MN = acc.slice(12, 14),
    MX = acc.slice(14, 16);
  acc.forEach((l, k) =>
    f
      .get(state)
      .vload(16 * k)
      .set(l),
  );
  // t (two widened floats) into lane pair k: S += t, Q += t·t, B += |t|
  const add = (k: number) => {
    f.get(S[k]).get(t).simd(F64X2_ADD).set(S[k]);
    f.get(Q[k]).get(t).get(t).simd(F64X2_MUL).simd(F64X2_ADD).set(Q[k]);
    f.get(B[k]).get(t).simd(F64X2_ABS).simd(F64X2_ADD).set(B[k]);
  };
  // four floats at i + 16·h: min and max, the low two into lane pair 2h, the high two into 2h + 1
  const four = (h: number) => {
    f.get(i)
      .vload(16 * h)
      .set(v);
    f.get(MN[h]).get(v).simd(F32X4_PMIN).set(MN[h]);
    f.get(MX[h]).get(v).simd(F32X4_PMAX).set(MX[h]);
    f.get(v).simd(F64X2_PROMOTE_LOW).set(t);
    add(2 * h);
    f.get(v)
      .get(v)
      .simd(I8X16_SHUFFLE, ...HIGH)
      .simd(F64X2_PROMOTE_LOW)
      .set(t);
    add(2 * h + 1);
  };
  f.i32(0).set(i);
  f.op(0x02, 0x40).get(end).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.repeat(i, 32, end, () => {
    four(0);
    four(1);
  });
  f.op(0x0b); // end block
  acc.forEach((l, k) =>
    f
      .get(state)
      .get(l)
      .vstore(16 * k),
  );
  return f;
}

/**
 * `extremes(end, state)`: f32x4.max and f32x4.min of the floats at [0, end) bytes (a whole number of blocks of eight)
 * into the two pairs of f32x4 at `state` (loaded and stored): Math.max and Math.min lane-wise, NaN propagating and
 * −0 below +0.
 */
function extremesBody(): Body {
  const f = new Body(2);
  const end = 0,
    state = 1;
  const [i] = f.locals(I32, 1);
  const acc = f.locals(V128, 4); // max of elements 0–3, 4–7; min of 0–3, 4–7
  acc.forEach((l, k) =>
    f
      .get(state)
      .vload(16 * k)
      .set(l),
  );
  f.i32(0).set(i);
  f.op(0x02, 0x40).get(end).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.repeat(i, 32, end, () => {
    for (const h of [0, 1]) {
      f.get(acc[h])
        .get(i)
        .vload(16 * h)
        .simd(F32X4_MAX)
        .set(acc[h]);
      f.get(acc[2 + h])
        .get(i)
        .vload(16 * h)
        .simd(F32X4_MIN)
        .set(acc[2 + h]);
    }
  });
  f.op(0x0b); // end block
  acc.forEach((l, k) =>
    f
      .get(state)
      .get(l)
      .vstore(16 * k),
  );
  return f;
}

function sumsModule(): Uint8Array<ArrayBuffer> {
  const pages = Math.ceil((STATE_AT + 16 * 16) / 65536);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 2, I32, I32, 0]])),
    ...section(3, vec([[0], [0]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(
      7,
      vec([
        [...name('memory'), 2, 0],
        [...name('sums'), 0, 0],
        [...name('extremes'), 0, 1],
      ]),
    ),
    ...section(10, vec([sumsBody().encode(), extremesBody().encode()])),
  ]);
}

interface Instance {
  readonly sums: (end: number, state: number) => void;
  readonly extremes: (end: number, state: number) => void;
  readonly floats: Float32Array;
  /** The lane state: Σ x lanes 0–7, Σ x² lanes 0–7, Σ |x| lanes 0–7, then (as floats) min ×8 and max ×8. */
  readonly state: Float64Array;
  readonly minMax: Float32Array;
}

let enabled = true;
let kernel: Instance | null | undefined;

/** For tests: off (false), laneSumsSimd answers false and tensor.ts's loop does the work, with the same results. */
export function useSummarySimd(on: boolean): void {
  enabled = on;
}

function instance(): Instance | null {
  if (!enabled || !simdKernelsAvailable()) return null;
  if (kernel === undefined) {
    try {
      const e = new WebAssembly.Instance(new WebAssembly.Module(sumsModule())).exports;
      const buf = (e.memory as WebAssembly.Memory).buffer;
      kernel = {
        sums: e.sums as Instance['sums'],
        extremes: e.extremes as Instance['extremes'],
        floats: new Float32Array(buf, 0, CHUNK),
        state: new Float64Array(buf, STATE_AT, 24),
        minMax: new Float32Array(buf, STATE_AT + 24 * 8, 16),
      };
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

/**
 * The lane sums of data's whole blocks of eight into `lanes` (Σ x at 0–7, Σ x² at 8–15, Σ |x| at 16–23, each lane
 * from +0 in index order) and their min and max into minMax[0], minMax[1] (±∞ when there are none; a zero one with
 * the sign of the first zero in index order); returns how many floats that covered (a multiple of 8), or 0 when the
 * kernel is off, missing, or the tensor is too small to be worth it (the caller's loop then does it all).
 */
export function laneSumsSimd(data: Float32Array, lanes: Float64Array, minMax: Float64Array): number {
  const whole = data.length & ~7;
  const k = whole >= SIMD_MIN ? instance() : null;
  if (!k) return 0;
  k.state.fill(0);
  k.minMax.fill(Infinity, 0, 8);
  k.minMax.fill(-Infinity, 8, 16);
  for (let at = 0; at < whole; at += CHUNK) {
    const n = Math.min(CHUNK, whole - at);
    k.floats.set(data.subarray(at, at + n), 0);
    k.sums(4 * n, STATE_AT);
  }
  lanes.set(k.state, 0);
  let min = Infinity,
    max = -Infinity;
  for (let j = 0; j < 8; j++) {
    if (k.minMax[j] < min) min = k.minMax[j];
    if (k.minMax[8 + j] > max) max = k.minMax[8 + j];
  }
  minMax[0] = min === 0 ? firstZero(data, whole) : min;
  minMax[1] = max === 0 ? firstZero(data, whole) : max;
  return whole;
}

/** The first entry of data[0, n) equal to zero (+0 or −0), as it is. */
function firstZero(data: Float32Array, n: number): number {
  for (let i = 0; i < n; i++) if (data[i] === 0) return data[i];
  return 0;
}

/**
 * Σ x² of a float32 tensor in laneSums.ts's order (its sumSquares, the same bits, NaN and ∞ included) by the kernel;
 * null when the kernel does not run (see laneSumsSimd): the caller then calls sumSquares.
 */
export function sumSquaresSimd(data: Float32Array): number | null {
  const l = new Float64Array(24),
    minMax = new Float64Array(2);
  const whole = laneSumsSimd(data, l, minMax);
  if (!whole) return null;
  for (let i = whole; i < data.length; i++) l[8 + (i & 7)] += data[i] * data[i];
  return laneTree(l[8], l[9], l[10], l[11], l[12], l[13], l[14], l[15]);
}

/**
 * Math.max and Math.min over data[0, whole) (whole a multiple of 8) into out[0] and out[1], by the kernel: NaN when an
 * entry is NaN, and a zero extreme is −0 for the minimum, +0 for the maximum whenever a zero of that sign is there
 * (as the Math functions' one-accumulator loop gives); false when the kernel is off or missing (nothing written).
 */
export function mathExtremesSimd(data: Float32Array, whole: number, out: Float64Array): boolean {
  const k = instance();
  if (!k) return false;
  k.minMax.fill(-Infinity, 0, 8); // (as f32x4 ×2: the maxima first, then the minima)
  k.minMax.fill(Infinity, 8, 16);
  for (let at = 0; at < whole; at += CHUNK) {
    const n = Math.min(CHUNK, whole - at);
    k.floats.set(data.subarray(at, at + n), 0);
    k.extremes(4 * n, STATE_AT + 24 * 8);
  }
  let max = -Infinity,
    min = Infinity;
  for (let j = 0; j < 8; j++) {
    max = Math.max(max, k.minMax[j]);
    min = Math.min(min, k.minMax[8 + j]);
  }
  out[0] = max;
  out[1] = min;
  return true;
}
