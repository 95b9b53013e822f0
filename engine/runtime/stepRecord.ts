// The loss of each past step, recorded at step starts in a typed-array ring beside the history's checkpoints: with
// what a checkpoint holds (its step's epoch, position in the epoch, previous loss and learning rate), the scalars a
// breakpoint condition can read at any event of a later step, so such a condition can be decided for a past step
// without replaying it (Reverse Continue's search, History.searchBack).

import type { Trainer } from './trainer';

/** Slots the record starts with; it doubles, up to MAX_STEPS, while the history spans more steps. */
const FIRST_STEPS = 256;
/** Most steps recorded (1 MB): older steps in a longer history are replayed, as without a record. */
const MAX_STEPS = 1 << 16;

/** One step of the history as a breakpoint condition reads it (History.searchBack fills it in). */
export interface RecordedStep {
  /** 0-based step and epoch, as events hold them. */
  step: number;
  epoch: number;
  /** Index of the step's first event. */
  start: number;
  /** The loss of its (single) micro-batch; NaN when not recorded. */
  loss: number;
  /** `Trainer.previousLoss` through the step: NaN at the first step, and when not recorded. */
  previousLoss: number;
  /** `Trainer.baseLr` through the step (the schedule's base learning rate, changeable by Set Value). */
  baseLr: number;
  /** Samples in its micro-batch. */
  batchSize: number;
}

/**
 * A ring of the losses of recent steps of one trainer, indexed by step. Kept only for steps of one micro-batch
 * (with gradient accumulation a step has several losses: such runs record nothing).
 */
export class StepRecord {
  /** The step whose loss each slot holds (-1: none). */
  private steps = new Float64Array(0);
  private losses = new Float64Array(0);
  /** The ring's size − 1 (a power of two): a step's slot is `step & mask`. */
  private mask = 0;
  private readonly enabled: boolean;

  constructor(private readonly trainer: Trainer) {
    this.enabled = trainer.spec.train.accumulate === 1;
    this.resize(this.enabled ? FIRST_STEPS : 1);
  }

  /**
   * Call at a step start while training (before its first event): records the loss of the step just ended, which the
   * trainer holds until the next step's first event (also when it was restored there). Runs at every step: two
   * writes, no checks beyond the first step's (what a run of several micro-batches writes is never read).
   */
  note(): void {
    const t = this.trainer,
      s = t.step - 1;
    if (s < 0) return;
    const k = s & this.mask;
    this.steps[k] = s;
    this.losses[k] = t.loss;
  }

  /**
   * Grows the ring, up to MAX_STEPS, to hold the steps from `oldest` (the earliest the history can replay) to the
   * trainer's and `ahead` more: call when a checkpoint is taken, with the steps until the next one as `ahead`.
   */
  reach(oldest: number, ahead: number): void {
    const size = this.steps.length;
    if (this.enabled && this.trainer.step + ahead - oldest >= size && size < MAX_STEPS) this.resize(2 * size);
  }

  /**
   * Records the loss of the step the trainer is in when it is past that step's loss event: call when a search
   * starts, so the step it starts in can be decided too.
   */
  noteCurrent(): void {
    const t = this.trainer;
    // Positions 0…L−1 are the forward events, L the loss (eventsPerStep = 2L + 3 with one micro-batch).
    if (!this.enabled || t.stepPosition <= (t.eventsPerStep - 3) / 2) return;
    const k = t.step & this.mask;
    this.steps[k] = t.step;
    this.losses[k] = t.loss;
  }

  /** The loss of step `step`, or NaN when it is not recorded. */
  loss(step: number): number {
    if (!this.enabled || step < 0) return NaN;
    const k = step & this.mask;
    return this.steps[k] === step ? this.losses[k] : NaN;
  }

  /** Forgets the losses of step `step` and later (an edit in `step` rewrites them). */
  forgetFrom(step: number): void {
    const n = this.steps.length;
    for (let k = 0; k < n; k++) if (this.steps[k] >= step) this.steps[k] = -1;
  }

  /** Memory the record holds now, in bytes (at most 16 · MAX_STEPS: 1 MB). */
  get bytes(): number {
    return this.steps.byteLength + this.losses.byteLength;
  }

  private resize(size: number): void {
    const steps = this.steps,
      losses = this.losses;
    this.steps = new Float64Array(size).fill(-1);
    this.losses = new Float64Array(size);
    const mask = (this.mask = size - 1);
    for (let j = 0; j < steps.length; j++) {
      const s = steps[j];
      if (s < 0) continue;
      this.steps[s & mask] = s;
      this.losses[s & mask] = losses[j];
    }
  }
}
