// The measured updates (what an optimizer step did to each weight matrix), logged for the rules that read them
// (update-ratio, unchanged-weights): at each measured step's own event, or in a batch at the next flush.

/**
 * What measured optimizer steps did to each weight matrix (see measures.ts hasWeightMatrix), one entry per measured
 * step in step order, `width` matrices per entry in network order. One step is measured every `updateSamplePeriod`
 * steps, and the steps after it up to `unchangedSteps` in all while a matrix stays unchanged (a burst,
 * DoctorObserver.sampled): a pass over every weight per step costs as much as a fast kernel's training step of a big
 * network.
 *
 * Why a log rather than one step's numbers: a deferred doctor hands the rules its measured updates in batches, with
 * the series' steps (DoctorObserver.flush). On a tiny network, running the rules at each measured step, once per
 * sampling period, pushed the training step's own code out of the processor's instruction cache every period, and
 * the measured step cost several times a plain one; logged, a measured step is its measurement, and the rules run
 * over many entries at once. A doctor that is not deferred hands each entry over at its step's event.
 */
export class UpdateLog {
  /** Entries logged since the last `clear`. */
  length = 0;
  /** The step whose update each entry measured (the trainer's `step` before it). */
  readonly steps: Float64Array; // [capacity]
  /** 1 when the step before the entry's was measured too (the same burst), else 0. */
  readonly consecutive: Uint8Array; // [capacity]
  /**
   * 1 when the entry is the first step measured in its sampling period, else 0: update-ratio reads only these. The
   * steps after it in a burst are measured only while a matrix stays unchanged (DoctorObserver.sampled), so they
   * would weigh the smallest updates more than the others.
   */
  readonly firstOfPeriod: Uint8Array; // [capacity]
  /** ‖ΔW‖ / ‖W before‖ per matrix (Infinity when W was all zero): entry e's matrix j at e·width + j. */
  readonly ratio: Float64Array; // [capacity, width]
  /** 1 when |ΔW| ≤ atol + rtol·|W| for every entry of the matrix (the unchanged-weights tolerance), else 0. */
  readonly unchanged: Uint8Array; // [capacity, width]
  /** Weight matrices per entry. */
  readonly width: number;

  constructor(
    /** Entries the log holds before it must be handed over (DoctorObserver flushes when it is full). */
    readonly capacity: number,
    /** Node index of each weight matrix. */
    readonly nodes: readonly number[],
  ) {
    this.width = nodes.length;
    this.steps = new Float64Array(capacity);
    this.consecutive = new Uint8Array(capacity);
    this.firstOfPeriod = new Uint8Array(capacity);
    this.ratio = new Float64Array(capacity * nodes.length);
    this.unchanged = new Uint8Array(capacity * nodes.length);
  }

  /** Forgets every entry (the rules have read them). */
  clear(): void {
    this.length = 0;
  }
}
