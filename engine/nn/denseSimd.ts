// The WebAssembly SIMD kernels of the larger dense layers (float32 only): instances, memory, operand copies.
// Scalar JavaScript stops at ~5 GFLOP/s; 128-bit wasm SIMD (Node ≥ 16) does four multiply-adds per instruction.
// Operands the model keeps in ordinary Float32Arrays are copied into the module's memory for each call (memcpy
// speed), with rows padded so that every size is a multiple of 4 and the kernels need no remainder loops: padded
// rows and columns are zero and never copied back. Operands allocated inside the kernels' shared memory
// (kernelMemory.ts: a trainer's buffers when it has a helper thread) whose sizes need no padding are read and
// written where they are, with the kernels of that memory: the same instructions on the same values.
// Sums are formed in float32, four lanes at a time, as in every BLAS; WebAssembly forbids fusing or reordering
// them, so results are the same on every machine and run.

import { MAX_FLOATS, simdModule, SMALL_ROW } from './denseSimdModule';
import { inKernelMemory, kernelMemory } from './kernelMemory';
import { heapView, reserveHeap } from './wasmHeap';

/**
 * Switches the SIMD kernels off (false) or back on (true, the default when WebAssembly SIMD is available). Off, the
 * same layers run in their JavaScript twins (denseLanes.ts) with the same results, and tanh layers in JavaScript
 * too (tanhSimd.ts): for tests and benchmarks.
 */
export function useSimdKernels(on: boolean): void {
  simdEnabled = on;
}

/** True when the SIMD kernels are enabled and WebAssembly SIMD works in this runtime. */
export function simdKernelsAvailable(): boolean {
  return simd() !== null;
}

/** The three kernels of one module instance and its memory (this file's own, or denseThreads.ts's shared one). */
export interface SimdKernels {
  readonly memory: WebAssembly.Memory;
  /** z[n, o] = b[o] + Σ_i x[n, i]·W[o, i]; byte addresses; B, C, OC multiples of 4 (the padded sizes). */
  readonly fwd: (z: number, x: number, w: number, b: number, B: number, C: number, OC: number) => void;
  /** g[o, i] += Σ_n δ[n, o]·x[n, i] for the first `cols` columns i (a multiple of 4; C is the row stride). */
  readonly dw: (g: number, dz: number, x: number, B: number, C: number, OC: number, cols: number) => void;
  /** dw as if those columns of g held zeros (what they hold is never read): the same bits as zeroing them first. */
  readonly dw0: (g: number, dz: number, x: number, B: number, C: number, OC: number, cols: number) => void;
  /** dx[n, i] += Σ_o δ[n, o]·W[o, i]. */
  readonly dx: (dx: number, dz: number, w: number, B: number, C: number, OC: number) => void;
  /** fwd in blocks of 2 samples × 4 outputs, for rows of at most SMALL_ROW floats: the same results. */
  readonly fwds: (z: number, x: number, w: number, b: number, B: number, C: number, OC: number) => void;
  /** g[o] += δ[n, o] for the first B rows in order; OC a multiple of 4 (the row stride of δ). */
  readonly db: (g: number, dz: number, B: number, OC: number) => void;
  /**
   * dw, begun: split kernels hand its chunks to the helper at once and return, so that this thread can meanwhile
   * prepare memory the product does not touch; `join` then takes the chunks left and waits for the rest. Plain
   * kernels compute it here. No other product may run between the two. `fresh`: dw0's rather than dw's.
   */
  readonly dwBegin: (
    g: number,
    dz: number,
    x: number,
    B: number,
    C: number,
    OC: number,
    cols: number,
    fresh: boolean,
  ) => void;
  /** dx, begun likewise. */
  readonly dxBegin: (dx: number, dz: number, w: number, B: number, C: number, OC: number) => void;
  readonly join: () => void;
  /** The memory as floats (replaced when the memory grows). */
  heap: Float32Array;
  /** Views of parts of `heap`, made once per (offset, length) and reused (cleared when the memory grows). */
  readonly views: Map<number, Map<number, Float32Array>>;
  /**
   * Kernels over the shared memory (kernelMemory.ts) only: where copied operands go, a block of at least `floats`
   * floats (its float offset; -1 when the memory is full), for operands not allocated in it. Else the copies start
   * at 0 of the module's own memory, which grows as needed.
   */
  scratch?: (floats: number) => number;
}

let simdEnabled = true;
let simdKernels: SimdKernels | null | undefined;
let parallelKernels: ((macs: number) => SimdKernels | null) | null = null;

/**
 * Lets denseThreads.ts offer kernels whose products a helper thread shares (null: none). They compute every output
 * element with the same instructions as the single-threaded ones, so which of the two runs never changes a result.
 */
export function setParallelKernels(get: ((macs: number) => SimdKernels | null) | null): void {
  parallelKernels = get;
}

/**
 * The kernels for a product of `macs` multiply-adds (0: any), or null for the JavaScript twins; those of the shared
 * memory when `params` lies in it (kernelMemory.ts), so that its parameters and gradients are used in place.
 */
export function simd(macs = 0, params?: Float32Array): SimdKernels | null {
  if (!simdEnabled) return null;
  if (simdKernels === undefined) {
    try {
      simdKernels = simdInstance(new WebAssembly.Module(simdModule(false)), undefined);
    } catch {
      simdKernels = null; // no WebAssembly SIMD here: the JavaScript kernels do everything
    }
  }
  if (!simdKernels) return null;
  return parallelKernels?.(macs) || (params && inKernelMemory(params) ? kernelMemory()!.kernels : simdKernels);
}

/** Instantiates the kernels' module; `memory` is the shared memory a module made with `simdModule(true)` imports. */
export function simdInstance(module: WebAssembly.Module, memory: WebAssembly.Memory | undefined): SimdKernels {
  const instance = new WebAssembly.Instance(module, memory ? { env: { memory } } : {});
  const e = instance.exports as unknown as Pick<SimdKernels, 'memory' | 'fwd' | 'dw' | 'dw0' | 'dx' | 'db' | 'fwds'>;
  const heap = new Float32Array(e.memory.buffer);
  return {
    memory: e.memory,
    fwd: e.fwd,
    dw: e.dw,
    dw0: e.dw0,
    dx: e.dx,
    db: e.db,
    fwds: e.fwds,
    dwBegin: (g, dz, x, B, C, OC, cols, fresh) => (fresh ? e.dw0 : e.dw)(g, dz, x, B, C, OC, cols),
    dxBegin: e.dx,
    join: () => {},
    heap,
    views: new Map(),
  };
}

/** Arrays of up to MAX_FLOATS floats take the SIMD path. */
export function fits(a: Float32Array): boolean {
  return a.length <= MAX_FLOATS;
}

/**
 * Where `floats` floats of copied operands go in `k`'s memory (a float offset), or -1 when it cannot hold them (the
 * caller then falls back to JavaScript). The module's own memory grows only, so a larger layer grows it once.
 */
function reserve(k: SimdKernels, floats: number): number {
  if (floats === 0) return 0;
  if (k.scratch) return k.scratch(floats);
  if (k.heap.length >= floats) return 0;
  if (floats > 4 * MAX_FLOATS) return -1;
  return reserveHeap(k, floats) ? 0 : -1;
}

/**
 * The byte address of [rows, cols] at `off` in `a` when kernels `k` can use it where it lies: `a` was allocated in
 * their shared memory and the part needs no padding (rows = rows4, cols = cols4) and starts 16-byte aligned; else
 * -1, and the operand is copied.
 */
function inPlace(
  k: SimdKernels,
  a: Float32Array,
  off: number,
  rows: number,
  cols: number,
  rows4: number,
  cols4: number,
): number {
  if (!k.scratch || rows !== rows4 || cols !== cols4 || !inKernelMemory(a)) return -1;
  const at = a.byteOffset + off * 4;
  if (at & 15) return -1;
  inPlaceOperands++;
  return at;
}
let inPlaceOperands = 0;

/** Operands the kernels have used where they lie since the process started (for tests: proof that they did). */
export function denseInPlaceCount(): number {
  return inPlaceOperands;
}

/** Views of parts of the model's arrays and of the heap, made once per (array, offset, length) and reused. */
type Views = Map<number, Map<number, Float32Array>>;
const views = new WeakMap<Float32Array, Views>();
function view(cache: Views, a: Float32Array, off: number, len: number): Float32Array {
  let byLen = cache.get(off);
  if (!byLen) cache.set(off, (byLen = new Map()));
  let v = byLen.get(len);
  if (!v) byLen.set(len, (v = a.subarray(off, off + len)));
  return v;
}
function part(a: Float32Array, off: number, len: number): Float32Array {
  if (off === 0 && len === a.length) return a;
  let cache = views.get(a);
  if (!cache) views.set(a, (cache = new Map()));
  return view(cache, a, off, len);
}
function heapPart(k: SimdKernels, off: number, len: number): Float32Array {
  return heapView(k, off, len);
}

/** Copies rows [rows, cols] of `src` (row stride cols) into the heap at `at` as [rows4, cols4], zero-padded. */
function copyIn(
  k: SimdKernels,
  src: Float32Array,
  off: number,
  rows: number,
  cols: number,
  at: number,
  rows4: number,
  cols4: number,
): void {
  const h = k.heap;
  if (cols === cols4) {
    h.set(part(src, off, rows * cols), at);
  } else {
    for (let r = 0; r < rows; r++) {
      const s = off + r * cols,
        d = at + r * cols4;
      for (let c = 0; c < cols; c++) h[d + c] = src[s + c];
      for (let c = cols; c < cols4; c++) h[d + c] = 0;
    }
  }
  if (rows4 > rows) h.fill(0, at + rows * cols4, at + rows4 * cols4);
}

/** Copies [rows, cols] from the heap at `at` (row stride cols4) into `dst` at `off`. */
function copyOut(
  k: SimdKernels,
  dst: Float32Array,
  off: number,
  rows: number,
  cols: number,
  at: number,
  cols4: number,
): void {
  if (cols === cols4) {
    dst.set(heapPart(k, at, rows * cols), off);
  } else {
    const h = k.heap;
    for (let r = 0; r < rows; r++) {
      const s = at + r * cols4,
        d = off + r * cols;
      for (let c = 0; c < cols; c++) dst[d + c] = h[s + c];
    }
  }
}

/** z = x·Wᵀ + b in kernel `k`; false when its memory cannot hold the operands (the caller then uses the twins). */
export function forwardSimd(
  k: SimdKernels,
  z: Float32Array,
  x: Float32Array,
  params: Float32Array,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): boolean {
  const B4 = (B + 3) & ~3,
    C4 = (C + 3) & ~3,
    O4 = (OC + 3) & ~3;
  const w = inPlace(k, params, wOff, OC, C, O4, C4),
    b = inPlace(k, params, bOff, 1, OC, 1, O4),
    xi = inPlace(k, x, 0, B, C, B4, C4),
    zi = inPlace(k, z, 0, B, OC, B4, O4);
  // Copies (floats): W [O4, C4] | b [O4] | x [B4, C4] | z [B4, O4], each absent when used in place; 16-byte aligned.
  const wAt = 0,
    bAt = wAt + (w < 0 ? O4 * C4 : 0),
    xAt = bAt + (b < 0 ? O4 : 0),
    zAt = xAt + (xi < 0 ? B4 * C4 : 0),
    base = reserve(k, zAt + (zi < 0 ? B4 * O4 : 0));
  if (base < 0) return false;
  if (w < 0) copyIn(k, params, wOff, OC, C, base + wAt, O4, C4);
  if (b < 0) copyIn(k, params, bOff, 1, OC, base + bAt, 1, O4);
  if (xi < 0) copyIn(k, x, 0, B, C, base + xAt, B4, C4);
  const za = zi < 0 ? (base + zAt) * 4 : zi,
    xa = xi < 0 ? (base + xAt) * 4 : xi,
    wa = w < 0 ? (base + wAt) * 4 : w,
    ba = b < 0 ? (base + bAt) * 4 : b;
  if (C4 <= SMALL_ROW) k.fwds(za, xa, wa, ba, B4, C4, O4);
  else k.fwd(za, xa, wa, ba, B4, C4, O4);
  if (zi < 0) copyOut(k, z, 0, B, OC, base + zAt, O4);
  return true;
}

/**
 * The backward products (dW, db and, unless `dx` is null, dx) in kernel `k`; false as forwardSimd. `fresh`: the
 * sums start from zeros instead of from the arrays' values (denseBackward's `fresh`).
 */
export function backwardSimd(
  k: SimdKernels,
  dx: Float32Array | null,
  grads: Float32Array,
  dz: Float32Array,
  x: Float32Array,
  params: Float32Array,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
  fresh = false,
): boolean {
  const B4 = (B + 3) & ~3,
    C4 = (C + 3) & ~3,
    O4 = (OC + 3) & ~3;
  const dzi = inPlace(k, dz, 0, B, OC, B4, O4),
    xi = inPlace(k, x, 0, B, C, B4, C4),
    g = inPlace(k, grads, wOff, OC, C, O4, C4),
    w = dx ? inPlace(k, params, wOff, OC, C, O4, C4) : 0,
    dxi = dx ? inPlace(k, dx, 0, B, C, B4, C4) : 0,
    gb = inPlace(k, grads, bOff, 1, OC, 1, O4);
  // Copies (floats): δ [B4, O4] | x [B4, C4] | dW [O4, C4] | W [O4, C4] | dx [B4, C4] | db [O4], each absent when used
  // in place; db last: placed before x it moved the other operands off the offsets they had, and N3 trained ~3 %
  // slower.
  const dzAt = 0,
    xAt = dzAt + (dzi < 0 ? B4 * O4 : 0),
    gAt = xAt + (xi < 0 ? B4 * C4 : 0),
    wAt = gAt + (g < 0 ? O4 * C4 : 0),
    dxAt = wAt + (w < 0 ? O4 * C4 : 0),
    gbAt = dxAt + (dxi < 0 ? B4 * C4 : 0),
    base = reserve(k, gbAt + (gb < 0 ? O4 : 0));
  if (base < 0) return false;
  const h = k.heap;
  if (dzi < 0) copyIn(k, dz, 0, B, OC, base + dzAt, B4, O4);
  if (xi < 0) copyIn(k, x, 0, B, C, base + xAt, B4, C4);
  // fresh: dW is written by dw0, which never reads it (no pass to zero it first).
  if (g < 0 && !fresh) copyIn(k, grads, wOff, OC, C, base + gAt, O4, C4);
  const dza = dzi < 0 ? (base + dzAt) * 4 : dzi,
    ga = g < 0 ? (base + gAt) * 4 : g,
    gba = gb < 0 ? (base + gbAt) * 4 : gb;
  // While a helper computes dW (it writes only dW, reads δ and x), this thread places db's and dx's operands.
  k.dwBegin(ga, dza, xi < 0 ? (base + xAt) * 4 : xi, B4, C4, O4, C4, fresh);
  try {
    if (gb >= 0) {
      if (fresh) grads.fill(0, bOff, bOff + OC);
    } else if (fresh) h.fill(0, base + gbAt, base + gbAt + O4);
    else copyIn(k, grads, bOff, 1, OC, base + gbAt, 1, O4);
    k.db(gba, dza, B, O4);
    if (gb < 0) copyOut(k, grads, bOff, 1, OC, base + gbAt, O4);
    if (dx) {
      if (w < 0) copyIn(k, params, wOff, OC, C, base + wAt, O4, C4);
      if (dxi >= 0) {
        if (fresh) dx.fill(0, 0, B * C);
      } else if (fresh) h.fill(0, base + dxAt, base + dxAt + B4 * C4);
      else copyIn(k, dx, 0, B, C, base + dxAt, B4, C4);
    }
  } finally {
    k.join();
  }
  if (!dx) {
    if (g < 0) copyOut(k, grads, wOff, OC, C, base + gAt, C4);
    return true;
  }
  // And dW goes out while dx is computed (it writes only dx, reads δ and W).
  k.dxBegin(dxi < 0 ? (base + dxAt) * 4 : dxi, dza, w < 0 ? (base + wAt) * 4 : w, B4, C4, O4);
  try {
    if (g < 0) copyOut(k, grads, wOff, OC, C, base + gAt, C4);
  } finally {
    k.join();
  }
  if (dxi < 0) copyOut(k, dx, 0, B, C, base + dxAt, C4);
  return true;
}
