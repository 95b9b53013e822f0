// The measured updates a deferred doctor keeps for the rules that read them (update-ratio, unchanged-weights), handed
// to those rules in a batch with the series' steps (DoctorObserver.flush) instead of at each measured step's event.

import type { UpdateStats } from './types';

/**
 * Measured updates in the order they were measured, each what UpdateStats held for it. Why a log: a tiny network's
 * measured step cost several times its plain step when the rules ran at it (their code, run once per sampling period,
 * pushed the training step's own code out of the processor's instruction cache every period); kept here, a measured
 * step is its measurement and a few stores, and the rules run over many of them at once.
 */
export class UpdateLog {
  /** Entries logged since the last `clear`. */
  length = 0;
  /** UpdateStats.step of each entry. */
  private readonly steps: Float64Array; // [capacity]
  /** UpdateStats.consecutive of each entry, as 0 or 1. */
  private readonly consecutive: Uint8Array; // [capacity]
  /** UpdateStats.ratio of each entry, a row of `width` each. */
  private readonly ratio: Float64Array; // [capacity, width]
  /** UpdateStats.unchanged of each entry. */
  private readonly unchanged: Uint8Array; // [capacity, width]
  /** Weight matrices per entry (UpdateStats.nodes.length). */
  private readonly width: number;

  constructor(
    /** Entries the log holds: a deferred doctor's series capacity, since each logged step also fills a slot there. */
    readonly capacity: number,
    width: number,
  ) {
    this.width = width;
    this.steps = new Float64Array(capacity);
    this.consecutive = new Uint8Array(capacity);
    this.ratio = new Float64Array(capacity * width);
    this.unchanged = new Uint8Array(capacity * width);
  }

  /** Appends what `s` holds; the log must not be full (`length < capacity`). */
  push(s: UpdateStats): void {
    const k = this.length++,
      w = this.width,
      o = k * w;
    this.steps[k] = s.step;
    this.consecutive[k] = s.consecutive ? 1 : 0;
    for (let j = 0; j < w; j++) {
      this.ratio[o + j] = s.ratio[j];
      this.unchanged[o + j] = s.unchanged[j];
    }
  }

  /** Writes entry k back into `s` (whose nodes are the ones the log was made for). */
  load(k: number, s: UpdateStats): void {
    const w = this.width,
      o = k * w;
    s.step = this.steps[k];
    s.consecutive = this.consecutive[k] === 1;
    for (let j = 0; j < w; j++) {
      s.ratio[j] = this.ratio[o + j];
      s.unchanged[j] = this.unchanged[o + j];
    }
  }

  /** Forgets every entry (the rules have read them). */
  clear(): void {
    this.length = 0;
  }
}
