// The gradient statistics' whole blocks (laneSums.ts's order: Σ|g| and Σ g² in eight float64 lanes, max |g|) in
// WebAssembly SIMD, over gradients that lie in the kernels' shared memory (a trainer with threads keeps them there);
// laneSums.ts's finishAbsStats adds the tail and combines the lanes, so kernel and twin give the same bits.
//
// Per block of eight floats: two f32x4 loads, |·| in float32 (the same as |·| after widening), each half widened by
// f64x2.promote_low_f32x4 into the lanes' accumulators S0 = (l0, l1), S1 = (l2, l3), S2 = (l4, l5), S3 = (l6, l7) and
// their squares into Q0 … Q3: IEEE adds and multiplies that WebAssembly neither fuses nor reorders, each lane's in
// index order. The maximum by f32x4.pmax(mx, v) = mx < v ? v : mx, lane-wise: a NaN is skipped, as the twin's `if`.
//
// Several tensors at once (runAll, the generated step's large layers): each tensor's whole blocks by one call of
// the kernel into a lane state of its own, which denseThreads.ts may hand to its helper thread tensor by tensor
// (never a lane's run of elements cut in two: its sum would round differently), then each tail and tree here. A
// tensor much larger than the rest (N3's W0, 92 % of its gradients) is shared by lanes instead: `half` computes
// lanes 0–3 (the first four floats of every block) or, given addresses 16 bytes on, lanes 4–7, each lane the same
// adds in the same order as `stats`, so its two halves merged are `stats`'s lane state bit for bit.

import { SHARED_PAGES } from './denseSimdModule';
import { allocateKernelFloats, inKernelMemory, kernelMemory } from './kernelMemory';
import { finishAbsStats, MX, S, SQ, STATE_LENGTH } from './laneSums';
import { Body, I32, V128, name, section, sharedMemoryImport, uleb, vec } from './wasmEncoder';

const F32X4_ABS = 0xe0,
  F32X4_PMAX = 0xeb,
  F64X2_ADD = 0xf0,
  F64X2_MUL = 0xf2,
  F64X2_PROMOTE_LOW = 0x5f,
  I8X16_SHUFFLE = 0x0d;

/** i8x16.shuffle's lane bytes that bring bytes [from, from + 16 − from) of the first operand to the bottom. */
const down = (from: number) => Array.from({ length: 16 }, (_, k) => (from + k) & 15);

/**
 * `stats(g, end, out)`: byte addresses [g, end) of whole blocks of eight float32 gradients; the lane state at out.
 * `half` (the second function): only the first four floats of each block of eight from g on, into lanes 0–3 of the
 * state at out (its lanes 4–7 left as they are) and their maximum at out[16].
 */
function statsBody(half: boolean): Body {
  const f = new Body(3);
  const g = 0,
    end = 1,
    out = 2;
  const [i] = f.locals(I32, 1);
  const [a, t, S0, S1, S2, S3, Q0, Q1, Q2, Q3, M0, M1] = f.locals(V128, 12);
  // t (two widened |g|) into lanes Sl += t, Ql += t·t
  const add = (Sl: number, Ql: number) => {
    f.get(Sl).get(t).simd(F64X2_ADD).set(Sl);
    f.get(Ql).get(t).get(t).simd(F64X2_MUL).simd(F64X2_ADD).set(Ql);
  };
  // four floats at i + offset: their |g| into the maximum M, the low two into (Slo, Qlo), the high two into (Shi, Qhi)
  const four = (M: number, offset: number, Slo: number, Qlo: number, Shi: number, Qhi: number) => {
    f.get(M).get(i).vload(offset).simd(F32X4_ABS).tee(a).simd(F32X4_PMAX).set(M);
    f.get(a).simd(F64X2_PROMOTE_LOW).set(t);
    add(Slo, Qlo);
    f.get(a)
      .get(a)
      .simd(I8X16_SHUFFLE, ...down(8))
      .simd(F64X2_PROMOTE_LOW)
      .set(t);
    add(Shi, Qhi);
  };
  f.get(g).set(i);
  f.op(0x02, 0x40).get(g).get(end).op(0x4f /* i32.ge_u */, 0x0d /* br_if */, 0);
  f.repeat(i, 32, end, () => {
    four(M0, 0, S0, Q0, S1, Q1); // elements 0–3: lanes 0–3
    if (!half) four(M1, 16, S2, Q2, S3, Q3); // elements 4–7: lanes 4–7
  });
  f.op(0x0b); // end block
  const stored: [number, number][] = half
    ? [
        [0, S0],
        [1, S1],
        [4, Q0],
        [5, Q1],
      ]
    : [S0, S1, S2, S3, Q0, Q1, Q2, Q3].map((v, k) => [k, v]);
  for (const [k, v] of stored)
    f.get(out)
      .get(v)
      .vstore(16 * k);
  // The maximum of the float32 lanes (any order: NaN never enters), widened exactly, at out[16].
  if (!half) f.get(M0).get(M1).simd(F32X4_PMAX).set(M0);
  f.get(M0)
    .get(M0)
    .get(M0)
    .simd(I8X16_SHUFFLE, ...down(8))
    .simd(F32X4_PMAX)
    .set(M0);
  f.get(out)
    .get(M0)
    .get(M0)
    .get(M0)
    .simd(I8X16_SHUFFLE, ...down(4))
    .simd(F32X4_PMAX)
    .lane(0);
  f.op(0xbb /* f64.promote_f32 */, 0x39 /* f64.store */, 3, ...uleb(8 * 16));
  return f;
}

/** The module over the kernels' shared memory (imported as env.memory, as sgdSimd.ts's in-place module). */
function statsModule(): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 3, I32, I32, I32, 0]])),
    ...sharedMemoryImport(SHARED_PAGES),
    ...section(3, vec([[0], [0]])),
    ...section(
      7,
      vec([
        [...name('stats'), 0, 0],
        [...name('half'), 0, 1],
      ]),
    ),
    ...section(10, vec([statsBody(false).encode(), statsBody(true).encode()])),
  ]);
}

/** One tensor's statistics: Σ|g|, Σ g² and max |g| in laneSums.ts's order. */
export interface GradStats {
  s: number;
  sq: number;
  mx: number;
}

/** The kernel: `run(g, from, n, out)` writes Σ|g|, Σ g², max |g| of g[from, from + n) at out[S], out[SQ], out[MX]. */
export interface GradStatsKernel {
  /** As laneSums.ts's absStats, for g in the kernels' memory. */
  run(g: Float32Array, from: number, n: number, out: Float64Array): void;
  /**
   * run over tensors g[from[j], from[j] + n[j]) for j < from.length (at most MAX_TENSORS), tensor j's three numbers
   * into out[3j + S], out[3j + SQ], out[3j + MX]: the same bits as run on each, on one thread or two.
   */
  runAll(g: Float32Array, from: Int32Array, n: Int32Array, out: Float64Array): void;
}

/** The kernel's export: the lane state of the whole blocks of eight floats at byte addresses [g, end) into out. */
export type StatsFunction = (g: number, end: number, out: number) => void;

/** The module's two exports (see statsBody): whole blocks, and half of each block's lanes. */
export interface StatsFunctions {
  readonly stats: StatsFunction;
  readonly half: StatsFunction;
}

/** Tensors runAll takes (one lane state each, in the kernels' memory). */
export const MAX_TENSORS = 8;
/** Float64s from one lane state to the next (STATE_LENGTH rounded up to 16 bytes). */
const STATE_STRIDE = (STATE_LENGTH + 1) & ~1;

/**
 * runAll's jobs, (g, end, out) byte addresses per tensor, flat: each is one call of `stats`. Shares them with a
 * second thread (its own instance of the module: see gradStatsModule) and returns once all are done: `count` when
 * each tensor ran whole, or j < count when tensor j ran as two halves (`half` at g and at g + 16), its lanes 4–7
 * left in the lane state at byte address `spare` (runAll merges them); or −1, nothing done (then they run here).
 */
type ParallelStats = (jobs: Int32Array, count: number, fns: StatsFunctions, spare: number) => number;
let parallel: ParallelStats | null = null;
/** Lets denseThreads.ts share runAll's tensors with its helper thread (null: none). */
export function setParallelStats(fn: ParallelStats | null): void {
  parallel = fn;
}

let compiled: WebAssembly.Module | null | undefined;

/** The kernel's module over the kernels' memory (env.memory), for another thread's instance; null where none. */
export function gradStatsModule(): WebAssembly.Module | null {
  if (compiled === undefined)
    try {
      compiled = new WebAssembly.Module(statsModule());
    } catch {
      compiled = null;
    }
  return compiled;
}

interface Instance extends StatsFunctions {
  /** The lane state the kernel leaves (laneSums.ts's STATE_LENGTH layout), in the kernels' memory: runAll's per tensor. */
  readonly states: Float64Array[];
  /** Where a tensor split by lanes leaves its lanes 4–7 (see ParallelStats). */
  readonly spare: Float64Array;
  readonly jobs: Int32Array;
  readonly out: Float64Array;
  /** The block of the kernels' memory under `state`, kept so that it is never freed while the kernel writes there. */
  readonly slots: Float32Array;
}

let kernel: Instance | null | undefined;
let enabled = true;

/** For tests: off (false), gradStatsKernel answers null and the callers run laneSums.ts's twin. */
export function useGradStatsKernel(on: boolean): void {
  enabled = on;
}

/**
 * The kernel for gradients `g`, or null when they do not lie in the kernels' memory (or it cannot be made, or tests
 * turned it off): the caller then runs laneSums.ts's absStats, with the same results.
 */
export function gradStatsKernel(g: Float32Array): GradStatsKernel | null {
  if (!enabled || !inKernelMemory(g)) return null;
  if (kernel === undefined) {
    try {
      const m = kernelMemory();
      const slots = m && allocateKernelFloats(2 * STATE_STRIDE * (MAX_TENSORS + 1)); // 16-byte aligned float64s
      const module = gradStatsModule();
      if (!m || !slots || !module) throw new Error('no kernels memory');
      const e = new WebAssembly.Instance(module, { env: { memory: m.memory } });
      const state = (j: number) =>
        new Float64Array(slots.buffer, slots.byteOffset + 8 * STATE_STRIDE * j, STATE_LENGTH);
      kernel = {
        stats: e.exports.stats as StatsFunction,
        half: e.exports.half as StatsFunction,
        states: Array.from({ length: MAX_TENSORS }, (_, j) => state(j)),
        spare: state(MAX_TENSORS),
        jobs: new Int32Array(3 * MAX_TENSORS),
        out: new Float64Array(3),
        slots,
      };
    } catch {
      kernel = null;
    }
  }
  const k = kernel;
  if (!k) return null;
  const state = k.states[0];
  return {
    run: (a, from, n, out) => {
      const whole = n & ~7,
        at = a.byteOffset + 4 * from;
      k.stats(at, at + 4 * whole, state.byteOffset);
      finishAbsStats(state, a, from + whole, n & 7, out);
    },
    runAll: (a, from, n, out) => {
      const count = from.length,
        { jobs, states, stats, spare } = k;
      if (count > MAX_TENSORS) throw new Error(`runAll takes at most ${MAX_TENSORS} tensors`);
      for (let j = 0; j < count; j++) {
        const at = a.byteOffset + 4 * from[j];
        jobs[3 * j] = at;
        jobs[3 * j + 1] = at + 4 * (n[j] & ~7);
        jobs[3 * j + 2] = states[j].byteOffset;
      }
      const ran = count > 0 && parallel ? parallel(jobs, count, k, spare.byteOffset) : -1;
      if (ran < 0) for (let j = 0; j < count; j++) stats(jobs[3 * j], jobs[3 * j + 1], jobs[3 * j + 2]);
      else if (ran < count) mergeHalves(states[ran], spare);
      for (let j = 0; j < count; j++) {
        finishAbsStats(states[j], a, from[j] + (n[j] & ~7), n[j] & 7, k.out);
        out[3 * j + S] = k.out[S];
        out[3 * j + SQ] = k.out[SQ];
        out[3 * j + MX] = k.out[MX];
      }
    },
  };
}

/** Lanes 4–7 of `second` (a `half` run 16 bytes on) into the lane state `first` of lanes 0–3, and the larger max. */
function mergeHalves(first: Float64Array, second: Float64Array): void {
  for (let l = 0; l < 4; l++) {
    first[4 + l] = second[l];
    first[12 + l] = second[8 + l];
  }
  // Both maxima are +0 or more, never NaN (see the header): the larger is the maximum of the union.
  if (second[16] > first[16]) first[16] = second[16];
}

/**
 * For tests: the statistics of g[from, from + n) with the whole blocks computed as two `half` calls (lanes 0–3, then
 * 4–7) merged, as runAll shares a large tensor; null where gradStatsKernel gives none.
 */
export function gradStatsByHalves(g: Float32Array, from: number, n: number): GradStats | null {
  const k = gradStatsKernel(g) && kernel;
  if (!k) return null;
  const at = g.byteOffset + 4 * from,
    end = at + 4 * (n & ~7),
    out = new Float64Array(3);
  k.half(at, end, k.states[0].byteOffset);
  k.half(at + 16, end + 16, k.spare.byteOffset);
  mergeHalves(k.states[0], k.spare);
  finishAbsStats(k.states[0], g, from + (n & ~7), n & 7, out);
  return { s: out[S], sq: out[SQ], mx: out[MX] };
}

/** For tests: the kernel's statistics of g[from, from + n), or null where gradStatsKernel gives none. */
export function gradStats(g: Float32Array, from: number, n: number): GradStats | null {
  const k = gradStatsKernel(g);
  if (!k) return null;
  const out = new Float64Array(3);
  k.run(g, from, n, out);
  return { s: out[S], sq: out[SQ], mx: out[MX] };
}
