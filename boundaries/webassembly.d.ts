// The slice of the WebAssembly JS API the engine's SIMD kernels use. Node has WebAssembly, but its declarations live in
// TypeScript's DOM lib, which the engine and the debug runtime compile without (see README.md here).

declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, unknown>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    /** Pages of 64 KiB; `shared` memories (threads) need a maximum and have a SharedArrayBuffer as their buffer. */
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
}
