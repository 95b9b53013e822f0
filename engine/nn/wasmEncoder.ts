// A small WebAssembly encoder, just enough for the engine's kernels (denseSimdModule.ts, tanhSimd.ts, sgdSimd.ts,
// gradStatsSimd.ts, summarySimd.ts, reluSimd.ts): function bodies and the pieces a module's sections are made of.

/** Value types. */
export const I32 = 0x7f,
  V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** A module section: its id, then its contents' byte length. */
export const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

/** A vector of encoded items, led by their count. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** A name (ASCII), led by its length. */
export const name = (str: string): number[] => [...uleb(str.length), ...Array.from(str, (ch) => ch.charCodeAt(0))];

/**
 * The import section of a module that computes in the kernels' shared memory (kernelMemory.ts) instead of its own:
 * env.memory, shared, at least one page and at most `maxPages` (64 KiB each; an import whose maximum is below the
 * memory's own does not link, so every kernel declares denseSimdModule.ts's SHARED_PAGES).
 */
export function sharedMemoryImport(maxPages: number): number[] {
  // Import kind 2 (a memory); limits flag 0x03: shared, with a maximum.
  return section(2, vec([[...name('env'), ...name('memory'), 2, 0x03, ...uleb(1), ...uleb(maxPages)]]));
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
export class Body {
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
  /** A SIMD instruction (0xfd prefix) by its opcode, with its immediate bytes. */
  simd(code: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(code), ...imm);
  }
  /** v128.const holding the double `v` in both lanes. */
  f64x2(v: number): this {
    const d = new DataView(new ArrayBuffer(16));
    d.setFloat64(0, v, true);
    d.setFloat64(8, v, true);
    return this.simd(0x0c, ...new Uint8Array(d.buffer));
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
