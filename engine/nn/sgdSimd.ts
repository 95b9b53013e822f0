// The SGD update of a float32 parameter buffer in WebAssembly SIMD, two float64 lanes at a time: θ ← θ − lr·(g + λθ)
// and the applied step θ_new − θ_old, the same bits as optimizers.ts's loop. The JavaScript loop converts every
// value between float32 and float64 one at a time (~3–4 ns per parameter: a quarter of N3's step); here the
// conversions and the arithmetic take two lanes per instruction, and the copies in and out of the module's memory
// run at memcpy speed (N3's step: ~10 % less CPU time).
//
// Why the same bits: per parameter the kernel does what the loop does, in float64 and in the same order — wd·θ,
// g + that, lr·that, θ − that —, each an IEEE operation that WebAssembly neither fuses nor reorders, then rounds
// to float32 (f32x4.demote_f64x2_zero: round to nearest even, like Math.fround and the float32 store); the step is
// the float64 difference of the two float32 values, rounded once. Only a NaN's payload may differ, as anywhere.

import { simdKernelsAvailable } from './denseSimd';
import { SHARED_PAGES } from './denseSimdModule';
import { inKernelMemory, kernelMemory } from './kernelMemory';
import { Body, I32, name, section, sharedMemoryImport, uleb, V128, vec } from './wasmEncoder';
import { heapView, reserveHeap, type WasmHeap } from './wasmHeap';

const F64 = 0x7c;

/** f64x2 and v128 opcodes used below (after the 0xfd prefix). */
const OP = {
  load64Zero: 0x5d,
  store64Lane: 0x5b,
  promote: 0x5f,
  demote: 0x5e,
  splat: 0x14,
  add: 0xf0,
  sub: 0xf1,
  mul: 0xf2,
} as const;

/** `sgd(p, g, last, pairs, lr, wd)`: byte addresses; p[k] updated in place, last[k] the applied step. */
function sgdBody(): Body {
  const f = new Body(6);
  const p = 0,
    g = 1,
    last = 2,
    pairs = 3,
    lr = 4,
    wd = 5;
  const [i, end] = f.locals(I32, 2);
  const [lrv, wdv, pv, qv] = f.locals(V128, 4);
  const load = (base: number) => f.get(base).get(i).add().simd(OP.load64Zero, 3, 0).simd(OP.promote);
  f.get(pairs).i32(8).mul().set(end);
  f.op(0x02, 0x40).get(pairs).op(0x45 /* i32.eqz */, 0x0d /* br_if */, 0);
  f.get(lr).simd(OP.splat).set(lrv).get(wd).simd(OP.splat).set(wdv).i32(0).set(i);
  f.repeat(i, 8, end, () => {
    load(p).set(pv);
    // q = float32(θ − lr·(g + λ·θ))
    f.get(p).get(i).add().get(pv).get(lrv);
    load(g)
      .get(wdv)
      .get(pv)
      .simd(OP.mul)
      .simd(OP.add)
      .simd(OP.mul)
      .simd(OP.sub)
      .simd(OP.demote)
      .tee(qv)
      .simd(OP.store64Lane, 3, 0, 0);
    // step = float32(q − θ)
    f.get(last).get(i).add().get(qv).simd(OP.promote).get(pv).simd(OP.sub).simd(OP.demote);
    f.simd(OP.store64Lane, 3, 0, 0);
  });
  f.op(0x0b); // end block
  return f;
}

/**
 * The module: memory (exported) and sgd. With `shared`, it imports the dense kernels' shared memory (env.memory,
 * kernelMemory.ts) instead of defining one, to update buffers allocated there in place.
 */
function sgdModule(shared: boolean): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 6, I32, I32, I32, I32, F64, F64, 0]])),
    ...(shared ? sharedMemoryImport(SHARED_PAGES) : []),
    ...section(3, vec([[0]])),
    ...(shared ? [] : section(5, vec([[0x00, ...uleb(1)]]))),
    ...section(
      7,
      vec([
        [...name('memory'), 2, 0],
        [...name('sgd'), 0, 0],
      ]),
    ),
    ...section(10, vec([sgdBody().encode()])),
  ]);
}

interface Kernel extends WasmHeap {
  readonly sgd: (p: number, g: number, last: number, pairs: number, lr: number, wd: number) => void;
}

let kernel: Kernel | null | undefined;

function instance(): Kernel | null {
  if (!simdKernelsAvailable()) return null; // off with the dense kernels (tests, the JavaScript-only bench engine)
  if (kernel === undefined) {
    try {
      const e = new WebAssembly.Instance(new WebAssembly.Module(sgdModule(false))).exports as unknown as Pick<
        Kernel,
        'memory' | 'sgd'
      >;
      kernel = { ...e, heap: new Float32Array(e.memory.buffer), views: new Map() };
    } catch {
      kernel = null; // no WebAssembly SIMD here: the optimizer's loop does it
    }
  }
  return kernel;
}

/** `sgd` of the module over the dense kernels' shared memory: byte addresses in it, `pairs` pairs of floats. */
export type SgdInPlace = Kernel['sgd'];

let inPlaceKernel: { module: WebAssembly.Module; sgd: SgdInPlace } | null | undefined;

/**
 * The module over the dense kernels' shared memory (for the helper thread's instance, denseThreads.ts) and this
 * thread's instance of it, or null where there is no such memory (or no SIMD). Whether the kernels are switched
 * on is not asked here: denseThreads.ts calls this while starting its helper, and asking (simd()) may start it.
 */
export function sgdInPlaceKernel(): { module: WebAssembly.Module; sgd: SgdInPlace } | null {
  if (inPlaceKernel === undefined) {
    const m = kernelMemory();
    try {
      const module = new WebAssembly.Module(sgdModule(true));
      inPlaceKernel = m
        ? { module, sgd: new WebAssembly.Instance(module, { env: { memory: m.memory } }).exports.sgd as SgdInPlace }
        : null;
    } catch {
      inPlaceKernel = null;
    }
  }
  return inPlaceKernel;
}

let inPlaceUpdates = 0;
/** Updates made in place in the kernels' memory since the process started (for tests: proof that the path ran). */
export function sgdInPlaceCount(): number {
  return inPlaceUpdates;
}

type Sgd = (params: Float32Array, grads: Float32Array, last: Float32Array, lr: number, wd: number) => boolean;
let parallelSgd: Sgd | null = null;

/**
 * Lets denseThreads.ts share large updates with its helper thread (null: none): the function updates all three
 * arrays and says true, or leaves them and says false. Each element gets optimizers.ts's arithmetic either way (in
 * the kernels' memory, both threads run this file's kernel over their runs of pairs; elsewhere, the loop).
 */
export function setParallelSgd(sgd: Sgd | null): void {
  parallelSgd = sgd;
}

/** Below this many parameters the copies' and the call's fixed cost outweigh the kernel's gain. */
const SIMD_MIN_PARAMS = 1024;
/**
 * Above this many parameters the loop does it: the buffers no longer stay in cache, the four copies cost what the
 * kernel saves (N5's 2.1M parameters: the same step time either way, CPU time) and the module's memory would hold
 * 12 more bytes per parameter. At this bound it holds 6 MB.
 */
const SIMD_MAX_PARAMS = 1 << 19;

/**
 * params[k] ← float32(params[k] − lr·(grads[k] + wd·params[k])) and last[k] ← float32(new − old) for every k, in
 * the SIMD kernel, or for large shared buffers on two threads (setParallelSgd); false (nothing written) when the
 * kernels are off or missing, the buffer is small, or the memory cannot hold it (the caller then runs its loop,
 * with the same results).
 */
export function sgdSimd(
  params: Float32Array,
  grads: Float32Array,
  last: Float32Array,
  lr: number,
  wd: number,
): boolean {
  const n = params.length;
  if (grads.length !== n || last.length !== n) return false;
  // All three in the kernels' memory: updated where they lie, nothing copied, so no upper bound (N5's 2.1M
  // parameters: ~1.5 ms on this thread, against ~3 ms for the loop shared by both threads); an odd length's partner
  // is in the padding of each block, which is its own: computed, never read.
  if (n >= SIMD_MIN_PARAMS && inKernelMemory(params) && inKernelMemory(grads) && inKernelMemory(last)) {
    const k = simdKernelsAvailable() ? sgdInPlaceKernel() : null;
    if (k) {
      // Large ones on both threads, each running this kernel over its runs of pairs (the same bits).
      if (!parallelSgd?.(params, grads, last, lr, wd))
        k.sgd(params.byteOffset, grads.byteOffset, last.byteOffset, (n + 1) >> 1, lr, wd);
      inPlaceUpdates++;
      return true;
    }
  }
  // Large buffers not in that memory (it was full): both threads run the loop.
  if (parallelSgd && simdKernelsAvailable() && parallelSgd(params, grads, last, lr, wd)) return true;
  if (n < SIMD_MIN_PARAMS || n > SIMD_MAX_PARAMS) return false;
  const k = instance();
  const n2 = (n + 1) & ~1;
  if (!k || !reserveHeap(k, 3 * n2)) return false;
  const heap = k.heap;
  heap.set(params, 0);
  heap.set(grads, n2);
  if (n2 > n) heap[n] = heap[n2 + n] = 0; // the odd length's partner, computed and never copied back
  k.sgd(0, n2 * 4, 2 * n2 * 4, n2 / 2, lr, wd);
  params.set(heapView(k, 0, n));
  last.set(heapView(k, 2 * n2, n));
  return true;
}
