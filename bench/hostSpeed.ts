// How fast this process's core runs plain arithmetic right now, so the benches that compare fresh processes can tell
// a slow process from a slow machine state. On the 2-core VMs the bench runs on, a core intermittently runs at about
// 0.6× its speed for seconds at a time, whatever runs on it: a fixed C loop (gcc -O2, one thread, nothing else
// running) took 205–215 µs per round in some processes and 345–380 µs in others, pinned to either core, and N2's
// bare training steps 13.1–14.2 µs in some processes and 19.3–21.1 µs in others, sometimes switching mid-run. With
// three pairs of processes, one slow process is enough to move a cost's median by tens of percent (N2's doctor cost
// read 54.9 % in a run where its processes' steps took 12.6–20.4 µs; measured per 0.4 s the two sides ran within 3 %).

/**
 * Milliseconds of wall time a fixed loop of float arithmetic takes on this thread, the fastest of `reps` tries:
 * higher means the core is slow now. The loop reads two arrays of 16 KB (in L1) and allocates nothing.
 */
export function hostProbeMs(reps = 5): number {
  const a = new Float32Array(4096),
    b = new Float32Array(4096);
  for (let i = 0; i < a.length; i++) {
    a[i] = (i % 7) * 0.125;
    b[i] = 0.5;
  }
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let k = 0; k < 400; k++) for (let i = 0; i < 4096; i++) a[i] = a[i] * b[i] + 0.25 * a[(i + 1) & 4095];
    best = Math.min(best, performance.now() - t0);
  }
  if (!(a[7] >= 0)) throw new Error('unreachable: keeps the loop from being optimised away');
  return best;
}

/**
 * A process counts as slow when its probe took more than this many times the fastest probe of the same bench
 * section: between the two states measured above (1.6–1.8×) and well above the probe's spread within one (2.22–2.39
 * ms over ten processes, ~8 %).
 */
export const SLOW_HOST_FACTOR = 1.25;

/**
 * The fastest probe of a bench section so far, and measuring again what ran on a slow core: a measurement whose
 * probe says its core was slow is taken again up to `retries` times, keeping the try whose core was fastest. On
 * these VMs a slow core lasts seconds, and one slow process among three moves a median by tens of percent.
 */
export class SlowCoreRetry {
  /** The fastest probe seen, in ms. */
  private fastest = Infinity;
  /** Measurements taken again so far. */
  remeasured = 0;

  constructor(private readonly retries = 2) {}

  /** Whether a probe of `ms` (undefined: none) took over SLOW_HOST_FACTOR × the fastest so far. */
  isSlow(ms: number | undefined): boolean {
    return ms !== undefined && ms > SLOW_HOST_FACTOR * this.fastest;
  }

  /** Counts a probe towards the fastest. */
  note(ms: number | undefined): void {
    this.fastest = Math.min(this.fastest, ms ?? Infinity);
  }

  /**
   * `first` (already noted), or, when its core was slow, the try on the fastest core among it and up to `retries`
   * more by `again` (which answers null when it could not measure: the tries stop there).
   */
  keep<T extends { readonly hostProbeMs?: number }>(first: T, again: () => T | null): T {
    let best = first;
    for (let k = 0; k < this.retries && this.isSlow(best.hostProbeMs); k++) {
      const r = again();
      this.remeasured++;
      if (r === null) break;
      this.note(r.hostProbeMs);
      if ((r.hostProbeMs ?? Infinity) < (best.hostProbeMs ?? Infinity)) best = r;
    }
    return best;
  }
}
