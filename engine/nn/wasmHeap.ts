// The float heap of a WebAssembly kernel module (denseSimd.ts and its shared memory, kernelMemory.ts; sgdSimd.ts;
// exactSimd.ts, for tanhSimd.ts and sigmoidSimd.ts): growing its memory, and views of parts of it made once.

/** A kernel module's memory, the floats over it and the views of parts of them (see heapView). */
export interface WasmHeap {
  readonly memory: WebAssembly.Memory;
  /** The memory as floats (replaced when the memory grows). */
  heap: Float32Array;
  /** Views of the heap by offset and length, made once and reused; cleared when the memory grows. */
  readonly views: Map<number, Map<number, Float32Array>>;
}

/** Makes the heap hold `floats` floats; false when the memory cannot grow that far. */
export function reserveHeap(k: WasmHeap, floats: number): boolean {
  if (k.heap.length >= floats) return true;
  try {
    k.memory.grow(Math.ceil((floats * 4 - k.memory.buffer.byteLength) / 65536));
  } catch {
    return false;
  }
  k.heap = new Float32Array(k.memory.buffer);
  k.views.clear();
  return true;
}

/** heap[at, at + len) as a view made once (a copy's source or destination costs no allocation per call). */
export function heapView(k: WasmHeap, at: number, len: number): Float32Array {
  let byLen = k.views.get(at);
  if (!byLen) k.views.set(at, (byLen = new Map()));
  let v = byLen.get(len);
  if (!v) byLen.set(len, (v = k.heap.subarray(at, at + len)));
  return v;
}
