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
// Reverse Continue's per-step extremes read a trainer's z and a, which live in the dense kernels' shared memory
// (kernelMemory.ts): a second instance of the extremes kernel over that memory reads them in place, with no copy.

import { simdKernelsAvailable } from './denseSimd';
import { SHARED_PAGES } from './denseSimdModule';
import { allocateKernelFloats, inKernelMemory, kernelMemory } from './kernelMemory';
import { laneTree } from './laneSums';
import { Body, I32, V128, name, section, sharedMemoryImport, uleb, vec } from './wasmEncoder';

const F32X4_NE = 0x42,
  V128_OR = 0x50,
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
/** The extremes kernel's state (bytes), after the lane state: EXTREMES_FLOATS floats (see extremesBody). */
const EXTREMES_AT = STATE_AT + 16 * 16;
/** Its floats: the maxima of lanes 0–7, the minima of lanes 0–7, then the NaN masks of lanes 0–7 (as int32). */
const EXTREMES_FLOATS = 24;
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
 * `extremes(end, state)`: the largest and smallest float of each lane over [0, end) bytes (a whole number of blocks
 * of eight) by f32x4.pmax and f32x4.pmin (`m < v ? v : m`, one instruction each; f32x4.max and min, with Math's NaN and
 * ±0 rules, are sequences of about eight and took four times as long), NaN left out of them but noted in a mask per
 * lane (f32x4.ne(v, v), or-ed), into the three pairs of f32x4 at `state` (maxima, minima, masks; loaded and stored).
 * A zero extreme is the first zero of its lane, of either sign. `ranged`: `extremes(from, end, state)` over
 * [from, end) bytes instead (a tensor in place).
 */
function extremesBody(ranged = false): Body {
  const f = new Body(ranged ? 3 : 2);
  const from = 0,
    end = ranged ? 1 : 0,
    state = end + 1;
  const [i] = f.locals(I32, 1);
  const [v, ...acc] = f.locals(V128, 7); // max of elements 0–3, 4–7; min of 0–3, 4–7; NaN mask of 0–3, 4–7
  acc.forEach((l, k) =>
    f
      .get(state)
      .vload(16 * k)
      .set(l),
  );
  if (ranged) f.get(from).set(i);
  else f.i32(0).set(i);
  f.op(0x02, 0x40).get(i).get(end).op(0x4f /* i32.ge_u */, 0x0d /* br_if */, 0);
  f.repeat(i, 32, end, () => {
    for (const h of [0, 1]) {
      f.get(i)
        .vload(16 * h)
        .set(v);
      f.get(acc[h]).get(v).simd(F32X4_PMAX).set(acc[h]);
      f.get(acc[2 + h])
        .get(v)
        .simd(F32X4_PMIN)
        .set(acc[2 + h]);
      f.get(acc[4 + h])
        .get(v)
        .get(v)
        .simd(F32X4_NE)
        .simd(V128_OR)
        .set(acc[4 + h]);
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

/** The extremes kernel alone over an imported shared memory (the dense kernels'): `extremes(from, end, state)`. */
function inPlaceModule(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 3, I32, I32, I32, 0]])),
    ...sharedMemoryImport(SHARED_PAGES),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('extremes'), 0, 0]])),
    ...section(10, vec([extremesBody(true).encode()])),
  ]);
}

function sumsModule(): Uint8Array<ArrayBuffer> {
  const pages = Math.ceil((EXTREMES_AT + 4 * EXTREMES_FLOATS) / 65536);
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
  /** The extremes kernel's state (see extremesBody), and its NaN masks as integers (non-zero: a NaN in that lane). */
  readonly extremesState: Float32Array;
  readonly extremesMask: Int32Array;
}

let enabled = true;
let kernel: Instance | null | undefined;

/** The in-place extremes kernel and its state in the shared memory (see extremesBody). */
interface InPlace {
  readonly extremes: (from: number, end: number, state: number) => void;
  readonly extremesState: Float32Array;
  readonly extremesMask: Int32Array;
}
/** null: it cannot be made here (then the copying kernel does the work). */
let inPlace: InPlace | null | undefined;

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
        extremesState: new Float32Array(buf, EXTREMES_AT, EXTREMES_FLOATS),
        extremesMask: new Int32Array(buf, EXTREMES_AT + 64, 8),
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

/** The extremes kernel over the kernels' shared memory, made on first use; null where it cannot be. */
function inPlaceKernel(): InPlace | null {
  if (inPlace !== undefined) return inPlace;
  const m = kernelMemory(),
    state = m ? allocateKernelFloats(EXTREMES_FLOATS) : null; // (kept for good: this module holds it)
  if (!m || !state) return null; // (kernel memory turned off for now: asked again next time)
  try {
    const e = new WebAssembly.Instance(new WebAssembly.Module(inPlaceModule()), { env: { memory: m.memory } }).exports;
    inPlace = {
      extremes: e.extremes as InPlace['extremes'],
      extremesState: state,
      extremesMask: new Int32Array(state.buffer, state.byteOffset + 64, 8),
    };
  } catch {
    inPlace = null;
  }
  return inPlace;
}

/** True when mathExtremesSimd reads `data` where it is (in the kernels' shared memory), not a copy (for tests). */
export function readsInPlace(data: Float32Array): boolean {
  return instance() !== null && inKernelMemory(data) && inPlaceKernel() !== null;
}

/**
 * The largest and smallest of data[0, whole) (whole a multiple of 8) into out[0] and out[1], by the kernel: NaN for both
 * when an entry is NaN (±∞ when there are none); a zero extreme is a zero of either sign, so a caller that cares
 * takes the sign from the entries (extremesInto: the first zero's). False when the kernel is off or missing (nothing
 * written). A tensor in the kernels' shared memory is read where it is; another is copied into the module a chunk at
 * a time.
 */
export function mathExtremesSimd(data: Float32Array, whole: number, out: Float64Array): boolean {
  const k = instance();
  if (!k) return false;
  const p = inKernelMemory(data) ? inPlaceKernel() : null;
  const st = p ? p.extremesState : k.extremesState,
    mask = p ? p.extremesMask : k.extremesMask;
  st.fill(-Infinity, 0, 8); // (as f32x4 ×2 each: the maxima, the minima, the masks)
  st.fill(Infinity, 8, 16);
  mask.fill(0);
  if (p) p.extremes(data.byteOffset, data.byteOffset + 4 * whole, st.byteOffset);
  else
    for (let at = 0; at < whole; at += CHUNK) {
      const n = Math.min(CHUNK, whole - at);
      k.floats.set(data.subarray(at, at + n), 0);
      k.extremes(4 * n, EXTREMES_AT);
    }
  let max = -Infinity,
    min = Infinity,
    nan = 0;
  for (let j = 0; j < 8; j++) {
    if (st[j] > max) max = st[j];
    if (st[8 + j] < min) min = st[8 + j];
    nan |= mask[j];
  }
  out[0] = out[1] = NaN;
  if (nan === 0) {
    out[0] = max;
    out[1] = min;
  }
  return true;
}
