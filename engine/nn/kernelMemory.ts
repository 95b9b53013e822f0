// The one shared WebAssembly memory of the dense kernels (denseThreads.ts's helper computes in it too) and the
// allocator that places a trainer's float32 buffers inside it, so that the kernels read W, x and write z, dW in place
// instead of copying each operand in and out of the module's memory for every product.
//
// A shared memory never moves when it grows (views made before stay valid; only their length is the old one), so
// buffers allocated here can live as ordinary Float32Arrays for as long as their model. Each allocation is freed when
// its array is collected (FinalizationRegistry): a model's buffers go when the model goes, as before. A view of a
// part of a freed buffer (a subarray kept after its model) would see the next owner's values: nothing keeps one
// (stop views are copied before they leave; denseSimd.ts's cached views die with their array).
// Where there is no SharedArrayBuffer, no WebAssembly SIMD, or the memory is full, allocation answers null and the
// caller keeps its own buffer: the kernels then copy operands as before, with the same results.

import { simdInstance, type SimdKernels } from './denseSimd';
import { MAX_FLOATS, SHARED_PAGES, simdModule } from './denseSimdModule';
import { reserveHeap } from './wasmHeap';

/** The shared memory, its module (for the helper's instance) and this thread's unsplit kernels over it. */
export interface KernelMemory {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly kernels: SimdKernels;
}

let shared: KernelMemory | null | undefined;
/** Free blocks [start, floats), by start, never adjacent (freeing merges neighbours); `top` the end of all used. */
const free: [number, number][] = [];
let top = 0;
/** Buffers of this memory: the typed arrays allocate() made (a view's buffer may be an older SharedArrayBuffer). */
const owned = new WeakSet<Float32Array>();
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<[number, number]>(([at, n]) => release(at, n))
    : null;

/** The kernels' shared memory, made on first use; null where the runtime cannot share WebAssembly memory. */
export function kernelMemory(): KernelMemory | null {
  if (shared !== undefined) return shared;
  try {
    if (typeof SharedArrayBuffer !== 'function') throw new Error('no SharedArrayBuffer');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_PAGES, shared: true });
    const module = new WebAssembly.Module(simdModule(true));
    const kernels = simdInstance(module, memory);
    shared = { memory, module, kernels };
    kernels.scratch = scratch;
  } catch {
    shared = null;
  }
  return shared;
}

/**
 * A Float32Array of `n` zeros inside the kernels' shared memory, 16-byte aligned (the kernels' vectors), or null
 * when there is none or it is full (then the caller allocates its own).
 */
export function allocateKernelFloats(n: number): Float32Array | null {
  const m = enabled ? kernelMemory() : null;
  if (!m || !registry || n === 0) return null;
  const size = Math.max(4, (n + 3) & ~3),
    at = claimBlock(m, size);
  if (at < 0) return null;
  const a = new Float32Array(m.memory.buffer, at * 4, n);
  a.fill(0); // a block freed earlier holds its last owner's values
  owned.add(a);
  registry.register(a, [at, size]);
  return a;
}

let enabled = true;
/**
 * Off (false), allocateKernelFloats answers null, so that models made meanwhile keep their buffers outside the
 * kernels' memory and the kernels copy their operands: for tests and benchmarks. True (the default) turns it on again.
 */
export function useKernelMemory(on: boolean): void {
  enabled = on;
}

/** True when `a` was allocated by allocateKernelFloats (its byteOffset is its address in the kernels' memory). */
export function inKernelMemory(a: Float32Array): boolean {
  return owned.has(a);
}

/** For tests: floats allocated and not yet freed (the end of the highest block in use). */
export function kernelMemoryTop(): number {
  return top;
}

/** First fit among the free blocks, else at the top (growing the memory); -1 when it cannot grow that far. */
function claimBlock(m: KernelMemory, size: number): number {
  for (let i = 0; i < free.length; i++) {
    const [at, n] = free[i];
    if (n < size) continue;
    if (n === size) free.splice(i, 1);
    else free[i] = [at + size, n - size];
    return at;
  }
  if (!reserveHeap(m.kernels, top + size)) return -1;
  top += size;
  return top - size;
}

/** Returns a block to the free list, merging it with free neighbours, and lowers `top` when it was the last. */
function release(at: number, size: number): void {
  let i = 0;
  while (i < free.length && free[i][0] < at) i++;
  free.splice(i, 0, [at, size]);
  if (i + 1 < free.length && free[i][0] + free[i][1] === free[i + 1][0]) {
    free[i][1] += free[i + 1][1];
    free.splice(i + 1, 1);
  }
  if (i > 0 && free[i - 1][0] + free[i - 1][1] === free[i][0]) {
    free[i - 1][1] += free[i][1];
    free.splice(i, 1);
    i--;
  }
  if (free[i][0] + free[i][1] === top) {
    top = free[i][0];
    free.splice(i, 1);
  }
}

let scratchAt = -1,
  scratchSize = 0;
/**
 * The kernels' working area for operands that are copied (those not allocated here): one block, replaced by a
 * larger one when a product needs more. Its contents matter only during one product.
 */
function scratch(floats: number): number {
  if (scratchSize >= floats) return scratchAt;
  const m = shared!;
  if (scratchAt >= 0) release(scratchAt, scratchSize);
  scratchAt = -1;
  scratchSize = 0;
  if (floats > 4 * MAX_FLOATS) return -1;
  const size = (floats + 3) & ~3,
    at = claimBlock(m, size);
  if (at < 0) return -1;
  scratchAt = at;
  scratchSize = size;
  return at;
}
