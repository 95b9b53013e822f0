// The dense (fully connected) layer as a forward/backward pair, PyTorch nn.Linear layout: W is [OC, C].
// Gradients are accumulated with += so that micro-batches can add into the same buffers.
//
// Speed (measured by `npm run bench -- --kernels`): each of the three products (z = x·Wᵀ, dW = δᵀ·x, dx = δ·W)
// reads every row it touches in order, with no transposed copy, and works on register blocks of several samples ×
// several outputs, so that each value loaded feeds several multiply-adds. Two implementations:
// - float32 layers of at least WASM_MIN_MACS multiply-adds run in WebAssembly SIMD kernels (denseSimd.ts; ~20–40
//   GFLOP/s on one core of the benchmark machines, against ~1 for the plain loops). Where WebAssembly SIMD is missing (or
//   its memory cannot grow), their JavaScript twins in denseLanes.ts do the same float32 operations in the same
//   order, slower but bit for bit equal: which arithmetic a layer gets depends on its shape and type only, never
//   on the runtime, so a run gives the same numbers everywhere;
// - small layers and float64 (gradient checks) run in JavaScript on 4×4 blocks (denseBlocks.ts; ~4–5 GFLOP/s).
//   Their sums are formed in float64 (JavaScript numbers) and rounded once when stored.
// Neither allocates per call (the SIMD path reuses its memory and views once a layer of that size has been seen).

import { biasGradientBlocks, forwardBlocks, inputGradientBlocks, weightGradientBlocks } from './denseBlocks';
import { biasGradientLanes, forwardLanes, inputGradientLanes, weightGradientLanes } from './denseLanes';
import { backwardSimd, fits, forwardSimd, simd } from './denseSimd';
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
    const k = simd(B * C * OC, params);
    if (!(k && fits(z) && fits(x) && fits(params) && forwardSimd(k, z, x, params, wOff, bOff, B, C, OC)))
      forwardLanes(z, x, params, wOff, bOff, B, C, OC);
    return;
  }
  forwardBlocks(z, x, params, wOff, bOff, B, C, OC);
}

/**
 * dW += δᵀ·x, db += Σ_batch δ, dx += δ·W (dx may be null for the first layer, whose input needs no gradient).
 * @param dx    out [B, C]   or null
 * @param grads out: dW [OC, C] at wOff, db [OC] at bOff
 * @param dz    in  [B, OC]  δ = ∂L/∂z
 * @param x     in  [B, C]
 * @param params in: W [OC, C] at wOff
 * @param fresh  true: dW, db and dx[0, B·C) are written as if they held zeros before (what they hold is never read),
 *               the same bits as zeroing them first; the SIMD kernels then skip copying them in, and dW is
 *               written by their dw0, which starts its sums from zeros: no pass over dW to zero it.
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
  fresh = false,
): void {
  if (
    B * C * OC >= WASM_MIN_MACS &&
    grads instanceof Float32Array &&
    dz instanceof Float32Array &&
    x instanceof Float32Array &&
    params instanceof Float32Array &&
    (dx === null || dx instanceof Float32Array)
  ) {
    const k = simd(B * C * OC, params);
    if (
      k &&
      (dx === null || fits(dx)) &&
      fits(grads) &&
      fits(dz) &&
      fits(x) &&
      fits(params) &&
      backwardSimd(k, dx, grads, dz, x, params, wOff, bOff, B, C, OC, fresh)
    )
      return;
    if (fresh) zero(dx, grads, wOff, bOff, B, C, OC);
    biasGradientLanes(grads, dz, bOff, B, OC);
    weightGradientLanes(grads, dz, x, wOff, B, C, OC);
    if (dx) inputGradientLanes(dx, dz, params, wOff, B, C, OC);
    return;
  }
  if (fresh) zero(dx, grads, wOff, bOff, B, C, OC);
  biasGradientBlocks(grads, dz, bOff, B, OC);
  weightGradientBlocks(grads, dz, x, wOff, B, C, OC);
  if (dx) inputGradientBlocks(dx, dz, params, wOff, B, C, OC);
}

/** Zeros what a fresh denseBackward writes: dW, db and the first B rows of dx. */
function zero(
  dx: FloatArray | null,
  grads: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  grads.fill(0, wOff, wOff + OC * C);
  grads.fill(0, bOff, bOff + OC);
  dx?.fill(0, 0, B * C);
}

/** Layers with fewer multiply-adds than this per product stay in JavaScript (the copies would not pay). */
const WASM_MIN_MACS = 256;

/**
 * True when float32 products of this shape run in float32 lanes (the SIMD kernels or their twins); false when they
 * run in the JavaScript blocks with float64 sums (what engine/nn/fastStep.ts writes out for small layers).
 */
export function runsInLanes(B: number, C: number, OC: number): boolean {
  return B * C * OC >= WASM_MIN_MACS;
}
