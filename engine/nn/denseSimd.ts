// The WebAssembly SIMD kernels of the larger dense layers (float32 only): instances, memory, operand copies.
// Scalar JavaScript stops at ~5 GFLOP/s; 128-bit wasm SIMD (Node ≥ 16) does four multiply-adds per instruction. The parameters and activations live in ordinary
// Float32Arrays owned by the model, so each call copies its operands into the module's memory (memcpy speed,
// a few % of the arithmetic for the layers that take this path), with rows padded so that every size is a
// multiple of 4 and the kernels need no remainder loops: padded rows and columns are zero and never copied back.
// Sums are formed in float32, four lanes at a time, as in every BLAS; WebAssembly forbids fusing or reordering
// them, so results are the same on every machine and run.

import { MAX_FLOATS, simdModule, SMALL_ROW } from './denseSimdModule';

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
  /** dx[n, i] += Σ_o δ[n, o]·W[o, i]. */
  readonly dx: (dx: number, dz: number, w: number, B: number, C: number, OC: number) => void;
  /** fwd in blocks of 2 samples × 4 outputs, for rows of at most SMALL_ROW floats: the same results. */
  readonly fwds: (z: number, x: number, w: number, b: number, B: number, C: number, OC: number) => void;
  /** g[o] += δ[n, o] for the first B rows in order; OC a multiple of 4 (the row stride of δ). */
  readonly db: (g: number, dz: number, B: number, OC: number) => void;
  /**
   * dw, begun: split kernels hand its chunks to the helper at once and return, so that this thread can meanwhile
   * prepare memory the product does not touch; `join` then takes the chunks left and waits for the rest. Plain
   * kernels compute it here. No other product may run between the two.
   */
  readonly dwBegin: (g: number, dz: number, x: number, B: number, C: number, OC: number, cols: number) => void;
  /** dx, begun likewise. */
  readonly dxBegin: (dx: number, dz: number, w: number, B: number, C: number, OC: number) => void;
  readonly join: () => void;
  /** The memory as floats (replaced when the memory grows). */
  heap: Float32Array;
  /** Views of parts of `heap`, made once per (offset, length) and reused (cleared when the memory grows). */
  readonly heapViews: Map<number, Map<number, Float32Array>>;
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

/** The kernels for a product of `macs` multiply-adds (0: any), or null for the JavaScript twins. */
export function simd(macs = 0): SimdKernels | null {
  if (!simdEnabled) return null;
  if (simdKernels === undefined) {
    try {
      simdKernels = simdInstance(new WebAssembly.Module(simdModule(false)), undefined);
    } catch {
      simdKernels = null; // no WebAssembly SIMD here: the JavaScript kernels do everything
    }
  }
  return (simdKernels && parallelKernels?.(macs)) || simdKernels;
}

/** Instantiates the kernels' module; `memory` is the shared memory a module made with `simdModule(true)` imports. */
export function simdInstance(module: WebAssembly.Module, memory: WebAssembly.Memory | undefined): SimdKernels {
  const instance = new WebAssembly.Instance(module, memory ? { env: { memory } } : {});
  const e = instance.exports as unknown as Pick<SimdKernels, 'memory' | 'fwd' | 'dw' | 'dx' | 'db' | 'fwds'>;
  const heap = new Float32Array(e.memory.buffer);
  return {
    memory: e.memory,
    fwd: e.fwd,
    dw: e.dw,
    dx: e.dx,
    db: e.db,
    fwds: e.fwds,
    dwBegin: e.dw,
    dxBegin: e.dx,
    join: () => {},
    heap,
    heapViews: new Map(),
  };
}

/** Arrays of up to MAX_FLOATS floats take the SIMD path. */
export function fits(a: Float32Array): boolean {
  return a.length <= MAX_FLOATS;
}

/**
 * Makes the module's memory hold at least `floats` floats; false when it cannot grow that far (the caller then
 * falls back to JavaScript). Grows only, so a larger layer grows it once.
 */
function reserve(k: SimdKernels, floats: number): boolean {
  if (k.heap.length >= floats) return true;
  if (floats > 4 * MAX_FLOATS) return false;
  try {
    k.memory.grow(Math.ceil((floats * 4 - k.memory.buffer.byteLength) / 65536));
  } catch {
    return false;
  }
  k.heap = new Float32Array(k.memory.buffer);
  k.heapViews.clear();
  return true;
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
  return view(k.heapViews, k.heap, off, len);
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
  // Heap layout (floats): W [O4, C4] | b [O4] | x [B4, C4] | z [B4, O4]; every part starts 16-byte aligned.
  const wAt = 0,
    bAt = O4 * C4,
    xAt = bAt + O4,
    zAt = xAt + B4 * C4;
  if (!reserve(k, zAt + B4 * O4)) return false;
  copyIn(k, params, wOff, OC, C, wAt, O4, C4);
  copyIn(k, params, bOff, 1, OC, bAt, 1, O4);
  copyIn(k, x, 0, B, C, xAt, B4, C4);
  if (C4 <= SMALL_ROW) k.fwds(zAt * 4, xAt * 4, wAt * 4, bAt * 4, B4, C4, O4);
  else k.fwd(zAt * 4, xAt * 4, wAt * 4, bAt * 4, B4, C4, O4);
  copyOut(k, z, 0, B, OC, zAt, O4);
  return true;
}

/**
 * The backward products (dW, db and, unless `dx` is null, dx) in kernel `k`; false as forwardSimd. `fresh`: the
 * sums start from zeros in the heap instead of from the arrays' values (denseBackward's `fresh`).
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
  // Heap layout (floats): δ [B4, O4] | x [B4, C4] | dW [O4, C4] | W [O4, C4] | dx [B4, C4] | db [O4], db last: placed
  // before x it moved the other operands off the offsets they had, and N3 trained ~3 % slower.
  const dzAt = 0,
    xAt = B4 * O4,
    gAt = xAt + B4 * C4,
    wAt = gAt + O4 * C4,
    dxAt = wAt + O4 * C4,
    gbAt = dx ? dxAt + B4 * C4 : wAt;
  if (!reserve(k, gbAt + O4)) return false;
  copyIn(k, dz, 0, B, OC, dzAt, B4, O4);
  copyIn(k, x, 0, B, C, xAt, B4, C4);
  if (fresh) k.heap.fill(0, gAt, gAt + O4 * C4);
  else copyIn(k, grads, wOff, OC, C, gAt, O4, C4);
  // While a helper computes dW (it writes only gAt…, reads δ and x), this thread places db's and dx's operands.
  k.dwBegin(gAt * 4, dzAt * 4, xAt * 4, B4, C4, O4, C4);
  try {
    if (fresh) k.heap.fill(0, gbAt, gbAt + O4);
    else copyIn(k, grads, bOff, 1, OC, gbAt, 1, O4);
    k.db(gbAt * 4, dzAt * 4, B, O4);
    copyOut(k, grads, bOff, 1, OC, gbAt, O4);
    if (dx) {
      copyIn(k, params, wOff, OC, C, wAt, O4, C4);
      if (fresh) k.heap.fill(0, dxAt, dxAt + B4 * C4);
      else copyIn(k, dx, 0, B, C, dxAt, B4, C4);
    }
  } finally {
    k.join();
  }
  if (!dx) {
    copyOut(k, grads, wOff, OC, C, gAt, C4);
    return true;
  }
  // And dW goes out while dx is computed (it writes only dxAt…, reads δ and W).
  k.dxBegin(dxAt * 4, dzAt * 4, wAt * 4, B4, C4, O4);
  try {
    copyOut(k, grads, wOff, OC, C, gAt, C4);
  } finally {
    k.join();
  }
  copyOut(k, dx, 0, B, C, dxAt, C4);
  return true;
}
