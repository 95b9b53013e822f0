// The one seeded pseudo-random generator used for everything random in the engine (init, shuffling).
// mulberry32: 32-bit state, fast, and identical on every platform, so a seed reproduces a run bit for bit.

/** A seeded PRNG. `next()` returns a float in [0, 1). */
export class Prng {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator's whole state, for rewinding. */
  getState(): { readonly state: number; readonly spareNormal: number | null } {
    return { state: this.state, spareNormal: this.spareNormal };
  }

  /** Puts back a state from `getState`. */
  setState(s: { readonly state: number; readonly spareNormal: number | null }): void {
    this.state = s.state;
    this.spareNormal = s.spareNormal;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal sample (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle(a: Int32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
