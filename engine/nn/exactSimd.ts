// The JavaScript side of an exact-activation WebAssembly kernel pair (tanhSimd.ts, sigmoidSimd.ts): the module with
// its value and δ kernels, its memory, the copies in and out, the recomputation of the pairs it lists, and the
// JavaScript loops it falls back to (same results) when SIMD is off or missing.

import { simdKernelsAvailable } from './denseSimd';
import { I32, name, section, uleb, vec, type Body } from './wasmEncoder';
import { heapView, reserveHeap, type WasmHeap } from './wasmHeap';

/** Below this many values a call's fixed cost (copies, the call itself) outweighs the kernel's gain. */
const SIMD_MIN_VALUES = 32;

/** The module: memory (exported), `value` (4 i32 → i32) and `delta` (4 i32). */
function moduleOf(value: Body, delta: Body): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        [0x60, 4, I32, I32, I32, I32, 1, I32],
        [0x60, 4, I32, I32, I32, I32, 0],
      ]),
    ),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(
      7,
      vec([
        [...name('memory'), 2, 0],
        [...name('value'), 0, 0],
        [...name('delta'), 0, 1],
      ]),
    ),
    ...section(10, vec([value.encode(), delta.encode()])),
  ]);
}

interface Instance extends WasmHeap {
  readonly value: (out: number, x: number, pairs: number, fails: number) => number;
  readonly delta: (d: number, da: number, a: number, pairs: number) => void;
  /** The memory as ints (the failed pairs' indices), rebuilt when the memory grows (see reserve). */
  ints: Int32Array;
}

/** Views of the first n floats of the model's arrays, made once and reused. */
const prefixes = new WeakMap<Float32Array, Map<number, Float32Array>>();
function prefix(a: Float32Array, len: number): Float32Array {
  if (len === a.length) return a;
  let byLen = prefixes.get(a);
  if (!byLen) prefixes.set(a, (byLen = new Map()));
  let v = byLen.get(len);
  if (!v) byLen.set(len, (v = a.subarray(0, len)));
  return v;
}

/** reserveHeap, with the ints view kept over the same (possibly grown) memory. */
function reserve(k: Instance, floats: number): boolean {
  if (!reserveHeap(k, floats)) return false;
  if (k.ints.buffer !== k.heap.buffer) k.ints = new Int32Array(k.heap.buffer);
  return true;
}

/** What an activation gives its kernels: their bodies, and the JavaScript that computes the same bits. */
export interface ExactActivation {
  /** The two kernels (simdExpr.ts's exactValueBody and deltaBody), built once on first use. */
  readonly bodies: () => { readonly value: Body; readonly delta: Body };
  /** The float32 value of one input, the reference the value kernel agrees with. */
  readonly scalar: (x: number) => number;
  /** out[k] = scalar(z[k]) for k < n, in a loop where scalar is inlined. */
  readonly scalarInto: (out: Float32Array, z: Float32Array, n: number) => void;
  /** d[k] = the δ for k < n, the expression the delta kernel computes. */
  readonly deltaInto: (d: Float32Array, da: Float32Array, a: Float32Array, n: number) => void;
}

/** An activation's value and δ over float32 arrays: in its WebAssembly kernels where they pay and run, else in JS. */
export class ExactKernels {
  private enabled = true;
  private kernel: Instance | null | undefined;
  constructor(private readonly act: ExactActivation) {}

  /**
   * Switches the kernels off (false) or back on (true, the default): the same results either way, for tests. They
   * are off too while denseSimd.ts's kernels are (useSimdKernels(false), the bench's JavaScript-only engine).
   */
  use(on: boolean): void {
    this.enabled = on;
  }

  private instance(): Instance | null {
    if (!this.enabled || !simdKernelsAvailable()) return null;
    if (this.kernel === undefined) {
      try {
        const { value, delta } = this.act.bodies();
        const e = new WebAssembly.Instance(new WebAssembly.Module(moduleOf(value, delta))).exports as unknown as Pick<
          Instance,
          'memory' | 'value' | 'delta'
        >;
        const buf = e.memory.buffer;
        this.kernel = { ...e, heap: new Float32Array(buf), ints: new Int32Array(buf), views: new Map() };
      } catch {
        this.kernel = null; // no WebAssembly SIMD here: the JavaScript loops do it
      }
    }
    return this.kernel;
  }

  /**
   * out[k] = scalar(z[k]) for k < n in the SIMD kernel; false (nothing written) when it is off, missing, or its
   * memory cannot hold the operands (the caller then loops over scalar).
   */
  valuesSimd(out: Float32Array, z: Float32Array, n: number): boolean {
    const k = this.instance();
    // Whole blocks of four floats (an even count of pairs): tanhSimd.ts's kernel takes four at a time.
    const n4 = (n + 3) & ~3,
      outAt = n4,
      failAt = 2 * n4;
    if (!k || !reserve(k, failAt + n4 / 2)) return false;
    const heap = k.heap;
    heap.set(prefix(z, n), 0);
    if (n4 > n) heap.fill(0, n, n4); // the last block's padding: stale garbage there could only cost a recomputation
    const failed = k.value(outAt * 4, 0, n4 / 2, failAt * 4);
    out.set(heapView(k, outAt, n), 0);
    const scalar = this.act.scalar;
    for (let j = 0; j < failed; j++) {
      const p = 2 * k.ints[failAt + j];
      if (p >= n) continue; // (the padding's pair)
      out[p] = scalar(z[p]);
      if (p + 1 < n) out[p + 1] = scalar(z[p + 1]);
    }
    return true;
  }

  /** out[k] = scalar(z[k]) for k < n: in the SIMD kernel where it pays and runs, else in JavaScript. */
  values(out: Float32Array, z: Float32Array, n: number): void {
    if (n < SIMD_MIN_VALUES || !this.valuesSimd(out, z, n)) this.act.scalarInto(out, z, n);
  }

  /** The δ of n values (see ExactActivation.deltaInto): in the SIMD kernel where it pays and runs, else in JS. */
  deltas(d: Float32Array, da: Float32Array, a: Float32Array, n: number): void {
    const k = n >= SIMD_MIN_VALUES ? this.instance() : null;
    const n2 = (n + 1) & ~1;
    if (!k || !reserve(k, 3 * n2)) {
      this.act.deltaInto(d, da, a, n);
      return;
    }
    k.heap.set(prefix(da, n), 0);
    k.heap.set(prefix(a, n), n2);
    k.delta(2 * n2 * 4, 0, n2 * 4, n2 / 2);
    d.set(heapView(k, 2 * n2, n), 0);
  }
}
