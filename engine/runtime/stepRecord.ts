// The training scalars of each past step (its loss, the previous step's, the learning rate's base, its epoch and batch
// size), recorded at step starts in typed arrays beside the history's checkpoints, so a breakpoint condition reading
// only them can be decided for a past step without replaying it (Reverse Continue's search).

import type { Trainer } from './trainer';

/** Slots the record starts with; it doubles, up to MAX_STEPS, while the history spans more steps. */
const FIRST_STEPS = 256;
/** Most steps recorded (~3 MB): older steps in a longer history are replayed, as without a record. */
const MAX_STEPS = 1 << 16;

/** One recorded step, as `StepRecord.read` fills it in. */
export interface RecordedStep {
  /** 0-based step and epoch, as events hold them. */
  step: number;
  epoch: number;
  /** Index of the step's first event. */
  start: number;
  /** The loss of its (single) micro-batch; NaN when the step has not ended while recorded. */
  loss: number;
  /** `Trainer.previousLoss` through the step: NaN at the first step. */
  previousLoss: number;
  /** `Trainer.baseLr` through the step (the schedule's base learning rate, changeable by Set Value). */
  baseLr: number;
  /** Samples in its micro-batch; -1 when the step has not ended while recorded. */
  batchSize: number;
}

/**
 * A ring of the scalars of recent steps of one trainer, indexed by step. Kept only for steps of one micro-batch (with
 * gradient accumulation a step has several losses and batch sizes: such runs record nothing).
 */
export class StepRecord {
  private steps = new Float64Array(0);
  private starts = new Float64Array(0);
  private epochs = new Int32Array(0);
  private batches = new Int32Array(0);
  private losses = new Float64Array(0);
  private previous = new Float64Array(0);
  private baseLrs = new Float64Array(0);
  private readonly enabled: boolean;
  private readonly perStep: number;

  constructor(private readonly trainer: Trainer) {
    this.enabled = trainer.spec.train.accumulate === 1;
    this.perStep = trainer.eventsPerStep;
    if (this.enabled) this.resize(FIRST_STEPS);
  }

  /**
   * Call at a step start while training (before its first event): records the step about to run and completes the
   * one just ended. `oldest` is the earliest step the history can replay: the ring grows to span it.
   */
  note(oldest: number): void {
    if (!this.enabled) return;
    const t = this.trainer,
      s = t.step;
    let size = this.steps.length;
    if (s - oldest >= size && size < MAX_STEPS) this.resize((size *= 2));
    const mask = size - 1,
      before = (s - 1) & mask;
    // The step just ended leaves its loss and batch size until the next step's first event.
    if (s > 0 && this.steps[before] === s - 1 && this.starts[before] + this.perStep === t.eventIndex) {
      this.losses[before] = t.loss;
      this.batches[before] = t.batchSize;
    }
    const k = s & mask;
    this.steps[k] = s;
    this.starts[k] = t.eventIndex;
    this.epochs[k] = t.epoch;
    this.previous[k] = t.previousLoss;
    this.baseLrs[k] = t.baseLr;
    this.losses[k] = NaN;
    this.batches[k] = -1;
  }

  /**
   * Completes the record of the step the trainer is in when it is past that step's loss event (its loss and batch
   * size are then the trainer's): call when a search starts, so the step it starts in can be decided too.
   */
  noteCurrent(): void {
    const t = this.trainer,
      k = t.step & (this.steps.length - 1);
    if (!this.enabled || this.steps[k] !== t.step || this.starts[k] !== t.eventIndex - t.stepPosition) return;
    // Positions 0…L−1 are the forward events, L the loss (eventsPerStep = 2L + 3 with one micro-batch).
    if (t.stepPosition > (this.perStep - 3) / 2) {
      this.losses[k] = t.loss;
      this.batches[k] = t.batchSize;
    }
  }

  /** Fills `out` with step `step` and returns true, or false when it is not recorded. */
  read(step: number, out: RecordedStep): boolean {
    if (!this.enabled) return false;
    const k = step & (this.steps.length - 1);
    if (this.steps[k] !== step) return false;
    out.step = step;
    out.epoch = this.epochs[k];
    out.start = this.starts[k];
    out.loss = this.losses[k];
    out.previousLoss = this.previous[k];
    out.baseLr = this.baseLrs[k];
    out.batchSize = this.batches[k];
    return true;
  }

  /** Forgets the steps with an event after index `eventIndex` (the future is about to be rewritten). */
  truncateAfter(eventIndex: number): void {
    const n = this.steps.length;
    for (let k = 0; k < n; k++)
      if (this.steps[k] >= 0 && this.starts[k] + this.perStep > eventIndex) this.steps[k] = -1;
  }

  /** Bytes the record holds (for History.stats). */
  get bytes(): number {
    return this.steps.length * (8 * 5 + 4 * 2);
  }

  private resize(size: number): void {
    const old = { s: this.steps, st: this.starts, e: this.epochs, b: this.batches, l: this.losses },
      prev = this.previous,
      lrs = this.baseLrs;
    this.steps = new Float64Array(size).fill(-1);
    this.starts = new Float64Array(size);
    this.epochs = new Int32Array(size);
    this.batches = new Int32Array(size);
    this.losses = new Float64Array(size);
    this.previous = new Float64Array(size);
    this.baseLrs = new Float64Array(size);
    const mask = size - 1;
    for (let j = 0; j < old.s.length; j++) {
      const s = old.s[j];
      if (s < 0) continue;
      const k = s & mask;
      this.steps[k] = s;
      this.starts[k] = old.st[j];
      this.epochs[k] = old.e[j];
      this.batches[k] = old.b[j];
      this.losses[k] = old.l[j];
      this.previous[k] = prev[j];
      this.baseLrs[k] = lrs[j];
    }
  }
}
