// The dense (fully connected) layer as a forward/backward pair, PyTorch nn.Linear layout: W is [OC, C].
// Gradients are accumulated with += so that micro-batches can add into the same buffers.
//
// Speed (measured by `npm run bench -- --kernels`): each of the three products (z = x·Wᵀ, dW = δᵀ·x, dx = δ·W)
// reads every row it touches in order, with no transposed copy, and works on register blocks of several samples ×
// several outputs, so that each value loaded feeds several multiply-adds. Two implementations:
// - float32 layers of at least WASM_MIN_MACS multiply-adds run in WebAssembly SIMD kernels (below; ~20–40 GFLOP/s
//   on one core of the benchmark machines, against ~1 for the plain loops). Where WebAssembly SIMD is missing (or
//   its memory cannot grow), their JavaScript twins in denseLanes.ts do the same float32 operations in the same
//   order, slower but bit for bit equal: which arithmetic a layer gets depends on its shape and type only, never
//   on the runtime, so a run gives the same numbers everywhere;
// - small layers and float64 (gradient checks) run in JavaScript on 4×4 blocks (~4–5 GFLOP/s). Their sums are
//   formed in float64 (JavaScript numbers) and rounded once when stored.
// Neither allocates per call (the SIMD path reuses its memory and views once a layer of that size has been seen).

import { forwardLanes, inputGradientLanes, weightGradientLanes } from './denseLanes';
import type { FloatArray } from './tensor';

/**
 * z = x·Wᵀ + b.
 * @param z   out [B, OC]
 * @param x   in  [B, C]
 * @param W   in  [OC, C] (at offset wOff)
 * @param b   in  [OC]    (at offset bOff)
 */
export function denseForward(
  z: FloatArray,
  x: FloatArray,
  params: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  if (
    B * C * OC >= WASM_MIN_MACS &&
    z instanceof Float32Array &&
    x instanceof Float32Array &&
    params instanceof Float32Array
  ) {
    // float32 lanes, whichever runs them: the numbers must not depend on what the runtime offers.
    const k = simd(B * C * OC);
    if (!(k && fits(z) && fits(x) && fits(params) && forwardSimd(k, z, x, params, wOff, bOff, B, C, OC)))
      forwardLanes(z, x, params, wOff, bOff, B, C, OC);
    return;
  }
  let n = 0;
  for (; n + 4 <= B; n += 4) {
    const x0 = n * C,
      x1 = x0 + C,
      x2 = x1 + C,
      x3 = x2 + C;
    const z0 = n * OC,
      z1 = z0 + OC,
      z2 = z1 + OC,
      z3 = z2 + OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0,
        s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let i = 0; i < C; i++) {
        const a = params[w0 + i],
          b = params[w1 + i],
          c = params[w2 + i],
          d = params[w3 + i];
        let v = x[x0 + i];
        s00 += v * a;
        s01 += v * b;
        s02 += v * c;
        s03 += v * d;
        v = x[x1 + i];
        s10 += v * a;
        s11 += v * b;
        s12 += v * c;
        s13 += v * d;
        v = x[x2 + i];
        s20 += v * a;
        s21 += v * b;
        s22 += v * c;
        s23 += v * d;
        v = x[x3 + i];
        s30 += v * a;
        s31 += v * b;
        s32 += v * c;
        s33 += v * d;
      }
      const b0 = params[bOff + o],
        b1 = params[bOff + o + 1],
        b2 = params[bOff + o + 2],
        b3 = params[bOff + o + 3];
      z[z0 + o] = b0 + s00;
      z[z0 + o + 1] = b1 + s01;
      z[z0 + o + 2] = b2 + s02;
      z[z0 + o + 3] = b3 + s03;
      z[z1 + o] = b0 + s10;
      z[z1 + o + 1] = b1 + s11;
      z[z1 + o + 2] = b2 + s12;
      z[z1 + o + 3] = b3 + s13;
      z[z2 + o] = b0 + s20;
      z[z2 + o + 1] = b1 + s21;
      z[z2 + o + 2] = b2 + s22;
      z[z2 + o + 3] = b3 + s23;
      z[z3 + o] = b0 + s30;
      z[z3 + o + 1] = b1 + s31;
      z[z3 + o + 2] = b2 + s32;
      z[z3 + o + 3] = b3 + s33;
    }
    for (; o < OC; o++) {
      const w = wOff + o * C;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = 0; i < C; i++) {
        const a = params[w + i];
        s0 += x[x0 + i] * a;
        s1 += x[x1 + i] * a;
        s2 += x[x2 + i] * a;
        s3 += x[x3 + i] * a;
      }
      const bo = params[bOff + o];
      z[z0 + o] = bo + s0;
      z[z1 + o] = bo + s1;
      z[z2 + o] = bo + s2;
      z[z3 + o] = bo + s3;
    }
  }
  for (; n < B; n++) {
    const xr = n * C,
      zr = n * OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = 0; i < C; i++) {
        const v = x[xr + i];
        s0 += v * params[w0 + i];
        s1 += v * params[w1 + i];
        s2 += v * params[w2 + i];
        s3 += v * params[w3 + i];
      }
      z[zr + o] = params[bOff + o] + s0;
      z[zr + o + 1] = params[bOff + o + 1] + s1;
      z[zr + o + 2] = params[bOff + o + 2] + s2;
      z[zr + o + 3] = params[bOff + o + 3] + s3;
    }
    for (; o < OC; o++) {
      const w = wOff + o * C;
      let s = 0;
      for (let i = 0; i < C; i++) s += x[xr + i] * params[w + i];
      z[zr + o] = params[bOff + o] + s;
    }
  }
}

/**
 * dW += δᵀ·x, db += Σ_batch δ, dx += δ·W (dx may be null for the first layer, whose input needs no gradient).
 * @param dx    out [B, C]   or null
 * @param grads out: dW [OC, C] at wOff, db [OC] at bOff
 * @param dz    in  [B, OC]  δ = ∂L/∂z
 * @param x     in  [B, C]
 * @param params in: W [OC, C] at wOff
 */
export function denseBackward(
  dx: FloatArray | null,
  grads: FloatArray,
  dz: FloatArray,
  x: FloatArray,
  params: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  if (
    B * C * OC >= WASM_MIN_MACS &&
    grads instanceof Float32Array &&
    dz instanceof Float32Array &&
    x instanceof Float32Array &&
    params instanceof Float32Array &&
    (dx === null || dx instanceof Float32Array)
  ) {
    const k = simd(B * C * OC);
    if (
      k &&
      (dx === null || fits(dx)) &&
      fits(grads) &&
      fits(dz) &&
      fits(x) &&
      fits(params) &&
      backwardSimd(k, dx, grads, dz, x, params, wOff, bOff, B, C, OC)
    )
      return;
    for (let n = 0; n < B; n++) {
      const r = n * OC;
      for (let o = 0; o < OC; o++) grads[bOff + o] += dz[r + o];
    }
    weightGradientLanes(grads, dz, x, wOff, B, C, OC);
    if (dx) inputGradientLanes(dx, dz, params, wOff, B, C, OC);
    return;
  }
  // db += Σ_n δ[n, :]: rows of δ in order.
  for (let n = 0; n < B; n++) {
    const r = n * OC;
    for (let o = 0; o < OC; o++) grads[bOff + o] += dz[r + o];
  }
  weightGradient(grads, dz, x, wOff, B, C, OC);
  if (dx) inputGradient(dx, dz, params, wOff, B, C, OC);
}

/** dW[o, :] += Σ_n δ[n, o]·x[n, :], for 4 outputs × 4 samples at a time: rows of dW and x in order. */
function weightGradient(
  g: FloatArray,
  dz: FloatArray,
  x: FloatArray,
  wOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  let o = 0;
  for (; o + 4 <= OC; o += 4) {
    const w0 = wOff + o * C,
      w1 = w0 + C,
      w2 = w1 + C,
      w3 = w2 + C;
    let n = 0;
    for (; n + 4 <= B; n += 4) {
      const r0 = n * OC + o,
        r1 = r0 + OC,
        r2 = r1 + OC,
        r3 = r2 + OC;
      const d00 = dz[r0],
        d01 = dz[r0 + 1],
        d02 = dz[r0 + 2],
        d03 = dz[r0 + 3];
      const d10 = dz[r1],
        d11 = dz[r1 + 1],
        d12 = dz[r1 + 2],
        d13 = dz[r1 + 3];
      const d20 = dz[r2],
        d21 = dz[r2 + 1],
        d22 = dz[r2 + 2],
        d23 = dz[r2 + 3];
      const d30 = dz[r3],
        d31 = dz[r3 + 1],
        d32 = dz[r3 + 2],
        d33 = dz[r3 + 3];
      const x0 = n * C,
        x1 = x0 + C,
        x2 = x1 + C,
        x3 = x2 + C;
      for (let i = 0; i < C; i++) {
        const a = x[x0 + i],
          b = x[x1 + i],
          c = x[x2 + i],
          d = x[x3 + i];
        g[w0 + i] += d00 * a + d10 * b + d20 * c + d30 * d;
        g[w1 + i] += d01 * a + d11 * b + d21 * c + d31 * d;
        g[w2 + i] += d02 * a + d12 * b + d22 * c + d32 * d;
        g[w3 + i] += d03 * a + d13 * b + d23 * c + d33 * d;
      }
    }
    for (; n < B; n++) {
      const r = n * OC + o,
        xr = n * C;
      const d0 = dz[r],
        d1 = dz[r + 1],
        d2 = dz[r + 2],
        d3 = dz[r + 3];
      for (let i = 0; i < C; i++) {
        const v = x[xr + i];
        g[w0 + i] += d0 * v;
        g[w1 + i] += d1 * v;
        g[w2 + i] += d2 * v;
        g[w3 + i] += d3 * v;
      }
    }
  }
  for (; o < OC; o++) {
    const w = wOff + o * C;
    let n = 0;
    for (; n + 4 <= B; n += 4) {
      const r = n * OC + o;
      const d0 = dz[r],
        d1 = dz[r + OC],
        d2 = dz[r + 2 * OC],
        d3 = dz[r + 3 * OC];
      const x0 = n * C,
        x1 = x0 + C,
        x2 = x1 + C,
        x3 = x2 + C;
      for (let i = 0; i < C; i++) g[w + i] += d0 * x[x0 + i] + d1 * x[x1 + i] + d2 * x[x2 + i] + d3 * x[x3 + i];
    }
    for (; n < B; n++) {
      const d = dz[n * OC + o],
        xr = n * C;
      for (let i = 0; i < C; i++) g[w + i] += d * x[xr + i];
    }
  }
}

/** dx[n, :] += Σ_o δ[n, o]·W[o, :], for 4 samples × 4 outputs at a time: rows of dx and W in order. */
function inputGradient(
  dx: FloatArray,
  dz: FloatArray,
  p: FloatArray,
  wOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  let n = 0;
  for (; n + 4 <= B; n += 4) {
    const x0 = n * C,
      x1 = x0 + C,
      x2 = x1 + C,
      x3 = x2 + C;
    const r0 = n * OC,
      r1 = r0 + OC,
      r2 = r1 + OC,
      r3 = r2 + OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const d00 = dz[r0 + o],
        d01 = dz[r0 + o + 1],
        d02 = dz[r0 + o + 2],
        d03 = dz[r0 + o + 3];
      const d10 = dz[r1 + o],
        d11 = dz[r1 + o + 1],
        d12 = dz[r1 + o + 2],
        d13 = dz[r1 + o + 3];
      const d20 = dz[r2 + o],
        d21 = dz[r2 + o + 1],
        d22 = dz[r2 + o + 2],
        d23 = dz[r2 + o + 3];
      const d30 = dz[r3 + o],
        d31 = dz[r3 + o + 1],
        d32 = dz[r3 + o + 2],
        d33 = dz[r3 + o + 3];
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      for (let i = 0; i < C; i++) {
        const a = p[w0 + i],
          b = p[w1 + i],
          c = p[w2 + i],
          d = p[w3 + i];
        dx[x0 + i] += d00 * a + d01 * b + d02 * c + d03 * d;
        dx[x1 + i] += d10 * a + d11 * b + d12 * c + d13 * d;
        dx[x2 + i] += d20 * a + d21 * b + d22 * c + d23 * d;
        dx[x3 + i] += d30 * a + d31 * b + d32 * c + d33 * d;
      }
    }
    for (; o < OC; o++) {
      const d0 = dz[r0 + o],
        d1 = dz[r1 + o],
        d2 = dz[r2 + o],
        d3 = dz[r3 + o];
      const w = wOff + o * C;
      for (let i = 0; i < C; i++) {
        const v = p[w + i];
        dx[x0 + i] += d0 * v;
        dx[x1 + i] += d1 * v;
        dx[x2 + i] += d2 * v;
        dx[x3 + i] += d3 * v;
      }
    }
  }
  for (; n < B; n++) {
    const xr = n * C,
      r = n * OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const d0 = dz[r + o],
        d1 = dz[r + o + 1],
        d2 = dz[r + o + 2],
        d3 = dz[r + o + 3];
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      for (let i = 0; i < C; i++) dx[xr + i] += d0 * p[w0 + i] + d1 * p[w1 + i] + d2 * p[w2 + i] + d3 * p[w3 + i];
    }
    for (; o < OC; o++) {
      const d = dz[r + o],
        w = wOff + o * C;
      for (let i = 0; i < C; i++) dx[xr + i] += d * p[w + i];
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// WebAssembly SIMD kernels for the larger layers (float32 only). Scalar JavaScript stops at ~5 GFLOP/s; 128-bit
// wasm SIMD (Node ≥ 16) does four multiply-adds per instruction. The parameters and activations live in ordinary
// Float32Arrays owned by the model, so each call copies its operands into the module's memory (memcpy speed,
// a few % of the arithmetic for the layers that take this path), with rows padded so that every size is a
// multiple of 4 and the kernels need no remainder loops: padded rows and columns are zero and never copied back.
// Sums are formed in float32, four lanes at a time, as in every BLAS; WebAssembly forbids fusing or reordering
// them, so results are the same on every machine and run.

/** Layers with fewer multiply-adds than this per product stay in JavaScript (the copies would not pay). */
const WASM_MIN_MACS = 256;

/**
 * True when float32 products of this shape run in float32 lanes (the SIMD kernels or their twins); false when they
 * run in the JavaScript blocks with float64 sums (what engine/nn/fastStep.ts writes out for small layers).
 */
export function runsInLanes(B: number, C: number, OC: number): boolean {
  return B * C * OC >= WASM_MIN_MACS;
}

/**
 * Switches the SIMD kernels off (false) or back on (true, the default when WebAssembly SIMD is available). Off, the
 * same layers run in their JavaScript twins (denseLanes.ts) with the same results: for tests and benchmarks.
 */
export function useSimdKernels(on: boolean): void {
  simdEnabled = on;
}

/** True when the SIMD kernels are enabled and WebAssembly SIMD works in this runtime. */
export function simdKernelsAvailable(): boolean {
  return simd() !== null;
}

/** The three kernels of one module instance and its memory (dense.ts's own, or denseThreads.ts's shared one). */
export interface SimdKernels {
  readonly memory: WebAssembly.Memory;
  /** z[n, o] = b[o] + Σ_i x[n, i]·W[o, i]; byte addresses; B, C, OC multiples of 4 (the padded sizes). */
  readonly fwd: (z: number, x: number, w: number, b: number, B: number, C: number, OC: number) => void;
  /** g[o, i] += Σ_n δ[n, o]·x[n, i] for the first `cols` columns i (a multiple of 4; C is the row stride). */
  readonly dw: (g: number, dz: number, x: number, B: number, C: number, OC: number, cols: number) => void;
  /** dx[n, i] += Σ_o δ[n, o]·W[o, i]. */
  readonly dx: (dx: number, dz: number, w: number, B: number, C: number, OC: number) => void;
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
function simd(macs = 0): SimdKernels | null {
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
  const e = instance.exports as unknown as Pick<SimdKernels, 'memory' | 'fwd' | 'dw' | 'dx'>;
  const heap = new Float32Array(e.memory.buffer);
  return { memory: e.memory, fwd: e.fwd, dw: e.dw, dx: e.dx, heap, heapViews: new Map() };
}

/** Arrays of up to 2^26 floats (256 MB) take the SIMD path, with a module memory of up to 2^28 floats (1 GB). */
const MAX_FLOATS = 67108864;
function fits(a: Float32Array): boolean {
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

function forwardSimd(
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
  k.fwd(zAt * 4, xAt * 4, wAt * 4, bAt * 4, B4, C4, O4);
  copyOut(k, z, 0, B, OC, zAt, O4);
  return true;
}

function backwardSimd(
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
): boolean {
  const B4 = (B + 3) & ~3,
    C4 = (C + 3) & ~3,
    O4 = (OC + 3) & ~3;
  // Heap layout (floats): δ [B4, O4] | x [B4, C4] | dW [O4, C4] | W [O4, C4] | dx [B4, C4].
  const dzAt = 0,
    xAt = B4 * O4,
    gAt = xAt + B4 * C4,
    wAt = gAt + O4 * C4,
    dxAt = wAt + O4 * C4;
  if (!reserve(k, dx ? dxAt + B4 * C4 : wAt)) return false;
  for (let n = 0; n < B; n++) {
    const r = n * OC;
    for (let o = 0; o < OC; o++) grads[bOff + o] += dz[r + o];
  }
  copyIn(k, dz, 0, B, OC, dzAt, B4, O4);
  copyIn(k, x, 0, B, C, xAt, B4, C4);
  copyIn(k, grads, wOff, OC, C, gAt, O4, C4);
  k.dw(gAt * 4, dzAt * 4, xAt * 4, B4, C4, O4, C4);
  copyOut(k, grads, wOff, OC, C, gAt, C4);
  if (dx) {
    copyIn(k, params, wOff, OC, C, wAt, O4, C4);
    copyIn(k, dx, 0, B, C, dxAt, B4, C4);
    k.dx(dxAt * 4, dzAt * 4, wAt * 4, B4, C4, O4);
    copyOut(k, dx, 0, B, C, dxAt, C4);
  }
  return true;
}

// --- A small WebAssembly encoder, just enough for the three kernels ---------------------------------------------

const I32 = 0x7f,
  V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** One function body in the making: typed locals and a stream of instructions. */
class Body {
  readonly code: number[] = [];
  private readonly types: number[] = [];
  constructor(private readonly params: number) {}
  local(type: number): number {
    this.types.push(type);
    return this.params + this.types.length - 1;
  }
  locals(type: number, n: number): number[] {
    return Array.from({ length: n }, () => this.local(type));
  }
  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  get(l: number): this {
    return this.op(0x20, ...uleb(l));
  }
  set(l: number): this {
    return this.op(0x21, ...uleb(l));
  }
  tee(l: number): this {
    return this.op(0x22, ...uleb(l));
  }
  i32(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  add(): this {
    return this.op(0x6a);
  }
  mul(): this {
    return this.op(0x6c);
  }
  /** local = a + b (locals). */
  sum(dst: number, a: number, b: number): this {
    return this.get(a).get(b).add().set(dst);
  }
  fload(offset = 0): this {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  fstore(offset = 0): this {
    return this.op(0x38, 2, ...uleb(offset));
  }
  fadd(): this {
    return this.op(0x92);
  }
  vload(offset = 0): this {
    return this.op(0xfd, ...uleb(0x00), 4, ...uleb(offset));
  }
  vstore(offset = 0): this {
    return this.op(0xfd, ...uleb(0x0b), 4, ...uleb(offset));
  }
  vzero(): this {
    return this.op(0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0));
  }
  splat(): this {
    return this.op(0xfd, ...uleb(0x13));
  }
  lane(i: number): this {
    return this.op(0xfd, ...uleb(0x1f), i);
  }
  vadd(): this {
    return this.op(0xfd, ...uleb(0xe4));
  }
  vmul(): this {
    return this.op(0xfd, ...uleb(0xe6));
  }
  /** Horizontal sum of a vector local: ((l0 + l1) + l2) + l3. */
  hsum(v: number): this {
    return this.get(v).lane(0).get(v).lane(1).fadd().get(v).lane(2).fadd().get(v).lane(3).fadd();
  }
  /** do { body } while ((counter += step) < limit), unsigned; `step` a constant or a local given as { local }. */
  repeat(counter: number, step: number | { local: number }, limit: number, body: () => void): this {
    this.op(0x03, 0x40);
    body();
    this.get(counter);
    if (typeof step === 'number') this.i32(step);
    else this.get(step.local);
    this.add().tee(counter).get(limit).op(0x49 /* i32.lt_u */, 0x0d /* br_if */, 0, 0x0b /* end */);
    return this;
  }
  encode(): number[] {
    const decl = [...uleb(this.types.length), ...this.types.flatMap((t) => [1, t])];
    const body = [...decl, ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** Forward kernel: blocks of NB samples × OB outputs, dot products along C four lanes at a time. */
function forwardBody(NB: number, OB: number): Body {
  const f = new Body(7);
  const z = 0,
    x = 1,
    w = 2,
    b = 3,
    B = 4,
    C = 5,
    OC = 6;
  const [rb, zrb, xEnd, wEnd, xp, zrow, wp, bp, zp, i, stepX, stepW, stepZ] = f.locals(I32, 13);
  const xr = [xp, ...f.locals(I32, NB - 1)],
    wr = [wp, ...f.locals(I32, OB - 1)],
    zoff = f.locals(I32, NB);
  const acc = Array.from({ length: NB }, () => f.locals(V128, OB)),
    wv = f.locals(V128, OB),
    xv = f.local(V128);
  f.get(C).i32(4).mul().set(rb).get(OC).i32(4).mul().set(zrb);
  f.get(B).get(rb).mul().get(x).add().set(xEnd).get(OC).get(rb).mul().get(w).add().set(wEnd);
  f.get(rb).i32(NB).mul().set(stepX).get(rb).i32(OB).mul().set(stepW).get(zrb).i32(NB).mul().set(stepZ);
  for (let k = 0; k < NB; k++) f.get(zrb).i32(k).mul().set(zoff[k]);
  f.get(x).set(xp).get(z).set(zrow);
  f.repeat(xp, { local: stepX }, xEnd, () => {
    for (let k = 1; k < NB; k++) f.sum(xr[k], xr[k - 1], rb);
    f.get(w).set(wp).get(b).set(bp).get(zrow).set(zp);
    f.repeat(wp, { local: stepW }, wEnd, () => {
      for (let j = 1; j < OB; j++) f.sum(wr[j], wr[j - 1], rb);
      for (const row of acc) for (const a of row) f.vzero().set(a);
      f.i32(0).set(i);
      f.repeat(i, 16, rb, () => {
        for (let j = 0; j < OB; j++) f.get(wr[j]).get(i).add().vload().set(wv[j]);
        for (let k = 0; k < NB; k++) {
          f.get(xr[k]).get(i).add().vload().set(xv);
          for (let j = 0; j < OB; j++) f.get(acc[k][j]).get(xv).get(wv[j]).vmul().vadd().set(acc[k][j]);
        }
      });
      for (let k = 0; k < NB; k++) {
        for (let j = 0; j < OB; j++)
          f.get(zp)
            .get(zoff[k])
            .add()
            .get(bp)
            .fload(4 * j)
            .hsum(acc[k][j])
            .fadd()
            .fstore(4 * j);
      }
      f.get(bp)
        .i32(4 * OB)
        .add()
        .set(bp)
        .get(zp)
        .i32(4 * OB)
        .add()
        .set(zp);
    });
    f.get(zrow).get(stepZ).add().set(zrow);
  });
  return f;
}

/** dW kernel: g[o, :] += Σ_n δ[n, o]·x[n, :], blocks of OB outputs × NB samples, rows four lanes at a time. */
function weightGradientBody(OB: number, NB: number): Body {
  const f = new Body(7);
  const g = 0,
    dz = 1,
    x = 2,
    B = 3,
    C = 4,
    OC = 5,
    cols = 6;
  const [rb, dzrb, gEnd, xEnd, gp, dzc, xp, dzp, i, stepG, stepX, stepDz, colBytes] = f.locals(I32, 13);
  const gr = [gp, ...f.locals(I32, OB - 1)],
    xr = [xp, ...f.locals(I32, NB - 1)],
    dzoff = f.locals(I32, NB);
  const addr = f.local(I32),
    d = Array.from({ length: NB }, () => f.locals(V128, OB)),
    xv = f.locals(V128, NB);
  f.get(C).i32(4).mul().set(rb).get(OC).i32(4).mul().set(dzrb).get(cols).i32(4).mul().set(colBytes);
  f.get(OC).get(rb).mul().get(g).add().set(gEnd).get(B).get(rb).mul().get(x).add().set(xEnd);
  f.get(rb).i32(OB).mul().set(stepG).get(rb).i32(NB).mul().set(stepX).get(dzrb).i32(NB).mul().set(stepDz);
  for (let k = 0; k < NB; k++) f.get(dzrb).i32(k).mul().set(dzoff[k]);
  f.get(g).set(gp).get(dz).set(dzc);
  f.repeat(gp, { local: stepG }, gEnd, () => {
    for (let j = 1; j < OB; j++) f.sum(gr[j], gr[j - 1], rb);
    f.get(x).set(xp).get(dzc).set(dzp);
    f.repeat(xp, { local: stepX }, xEnd, () => {
      for (let k = 1; k < NB; k++) f.sum(xr[k], xr[k - 1], rb);
      for (let k = 0; k < NB; k++)
        for (let j = 0; j < OB; j++)
          f.get(dzp)
            .get(dzoff[k])
            .add()
            .fload(4 * j)
            .splat()
            .set(d[k][j]);
      f.i32(0).set(i);
      f.repeat(i, 16, colBytes, () => {
        for (let k = 0; k < NB; k++) f.get(xr[k]).get(i).add().vload().set(xv[k]);
        for (let j = 0; j < OB; j++) {
          f.get(gr[j]).get(i).add().tee(addr).get(addr).vload();
          f.get(d[0][j]).get(xv[0]).vmul();
          for (let k = 1; k < NB; k++) f.get(d[k][j]).get(xv[k]).vmul().vadd();
          f.vadd().vstore();
        }
      });
      f.get(dzp).get(stepDz).add().set(dzp);
    });
    f.get(dzc)
      .i32(4 * OB)
      .add()
      .set(dzc);
  });
  return f;
}

/** dx kernel: dx[n, :] += Σ_o δ[n, o]·W[o, :], blocks of OB outputs × NB samples, rows four lanes at a time. */
function inputGradientBody(OB: number, NB: number): Body {
  const f = new Body(6);
  const dx = 0,
    dz = 1,
    w = 2,
    B = 3,
    C = 4,
    OC = 5;
  const [rb, dzrb, wEnd, dxEnd, wp, dzc, xp, dzp, i, stepW, stepX, stepDz, addr] = f.locals(I32, 13);
  const wr = [wp, ...f.locals(I32, OB - 1)],
    xr = [xp, ...f.locals(I32, NB - 1)],
    dzoff = f.locals(I32, NB);
  const d = Array.from({ length: NB }, () => f.locals(V128, OB)),
    wv = f.locals(V128, OB);
  f.get(C).i32(4).mul().set(rb).get(OC).i32(4).mul().set(dzrb);
  f.get(OC).get(rb).mul().get(w).add().set(wEnd).get(B).get(rb).mul().get(dx).add().set(dxEnd);
  f.get(rb).i32(OB).mul().set(stepW).get(rb).i32(NB).mul().set(stepX).get(dzrb).i32(NB).mul().set(stepDz);
  for (let k = 0; k < NB; k++) f.get(dzrb).i32(k).mul().set(dzoff[k]);
  f.get(w).set(wp).get(dz).set(dzc);
  f.repeat(wp, { local: stepW }, wEnd, () => {
    for (let j = 1; j < OB; j++) f.sum(wr[j], wr[j - 1], rb);
    f.get(dx).set(xp).get(dzc).set(dzp);
    f.repeat(xp, { local: stepX }, dxEnd, () => {
      for (let k = 1; k < NB; k++) f.sum(xr[k], xr[k - 1], rb);
      for (let k = 0; k < NB; k++)
        for (let j = 0; j < OB; j++)
          f.get(dzp)
            .get(dzoff[k])
            .add()
            .fload(4 * j)
            .splat()
            .set(d[k][j]);
      f.i32(0).set(i);
      f.repeat(i, 16, rb, () => {
        for (let j = 0; j < OB; j++) f.get(wr[j]).get(i).add().vload().set(wv[j]);
        for (let k = 0; k < NB; k++) {
          f.get(xr[k]).get(i).add().tee(addr).get(addr).vload();
          f.get(d[k][0]).get(wv[0]).vmul();
          for (let j = 1; j < OB; j++) f.get(d[k][j]).get(wv[j]).vmul().vadd();
          f.vadd().vstore();
        }
      });
      f.get(dzp).get(stepDz).add().set(dzp);
    });
    f.get(dzc)
      .i32(4 * OB)
      .add()
      .set(dzc);
  });
  return f;
}

/** Pages (64 KiB) a shared memory may grow to: the 2^28 floats that `reserve` allows. */
const SHARED_PAGES = (4 * MAX_FLOATS * 4) / 65536;

/** Block shapes of the kernels (samples × outputs); all divide 4, the padding unit. */
export const SIMD_BLOCKS = { forward: [4, 2], weightGradient: [4, 2], inputGradient: [2, 4] } as const;

/**
 * The module: memory, fwd, dw, dx. With `shared`, it imports its memory (env.memory, shared, up to the 1 GB the
 * kernels may use) instead of defining it, so that a helper thread's instance computes in the same memory.
 */
export function simdModule(shared: boolean): Uint8Array<ArrayBuffer> {
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  const fnType = (params: number) => [0x60, ...uleb(params), ...new Array<number>(params).fill(I32), 0];
  const [fn, fm] = SIMD_BLOCKS.forward,
    [wn, wm] = SIMD_BLOCKS.weightGradient,
    [xn, xm] = SIMD_BLOCKS.inputGradient;
  const bodies = [forwardBody(fn, fm), weightGradientBody(wm, wn), inputGradientBody(xm, xn)];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([fnType(7), fnType(6)])),
    ...(shared
      ? section(2, vec([[...name('env'), ...name('memory'), 2, 0x03, ...uleb(1), ...uleb(SHARED_PAGES)]]))
      : []),
    ...section(3, vec([[0], [0], [1]])),
    ...(shared ? [] : section(5, vec([[0x00, ...uleb(1)]]))),
    ...section(
      7,
      vec([
        [...name('memory'), 2, 0],
        [...name('fwd'), 0, 0],
        [...name('dw'), 0, 1],
        [...name('dx'), 0, 2],
      ]),
    ),
    ...section(10, vec(bodies.map((b) => b.encode()))),
  ]);
}
