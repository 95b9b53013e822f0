// What the model's step buffers are known to hold, and the second set that keeps the previous step for a replay to
// take its events from (the Trainer's bookkeeping for advance(reuse), keepPreviousStep and the generated steps).

import { stepBufferBytes, type Model, type StepBuffers } from '../nn/model';

/**
 * What a set of step buffers holds: the outputs of events 0..`through` of the step whose first event is `start`
 * (−1: nothing known), and whether its gradients are that step's whole backward pass (`gradsFinal`: set at its clip
 * event when the clip left them as they were).
 */
export interface Held {
  start: number;
  through: number;
  gradsFinal: boolean;
}

const nothing = (): Held => ({ start: -1, through: -1, gradsFinal: false });

/** Marks a set of step buffers as holding nothing known. */
export function forget(h: Held): void {
  h.start = h.through = -1;
  h.gradsFinal = false;
}

/** The model's set of step buffers and, once kept, a second one: what each holds, and which the model has. */
export class StepBufferSets {
  /**
   * What the model's buffers hold. Training is deterministic, so an event performed again from an exact state
   * writes the same values, and a replay may take a forward event's outputs from the buffers instead.
   */
  held: Held = nothing();
  /**
   * A second set of the buffers a step writes, holding the latest complete step before the one in the model's
   * (see keep); null when not kept. The two are exchanged, never copied, so keeping it costs no time.
   */
  private kept: { readonly buffers: StepBuffers; held: Held } | null = null;
  /** Which of the two sets the model holds (generated whole steps are compiled for the arrays they were given). */
  parity = 0;

  constructor(
    private readonly model: Model,
    private readonly eventsPerStep: number,
  ) {}

  /** Allocates the second set (a no-op once kept): from now on it keeps the latest complete step (see enterStep). */
  keep(): void {
    if (!this.kept) this.kept = { buffers: this.model.newStepBuffers(), held: nothing() };
  }

  /** Bytes of the second set (0 when none is kept). */
  get keptBytes(): number {
    return this.kept ? stepBufferBytes(this.kept.buffers) : 0;
  }

  /**
   * At the first event of the step starting at event `start`: gives the model the kept set if it holds this step, or
   * keeps the model's set if that holds a whole step (the other set is then written).
   */
  enterStep(start: number): void {
    const k = this.kept,
      h = this.held;
    if (k && h.start !== start && (k.held.start === start || (h.start >= 0 && h.through === this.eventsPerStep - 1))) {
      this.model.swapStepBuffers(k.buffers);
      this.held = k.held;
      k.held = h;
      this.parity ^= 1;
    }
  }

  /** True when the model's buffers hold the outputs of event `pos` of the step starting at event `start`. */
  holds(start: number, pos: number): boolean {
    return this.held.start === start && this.held.through >= pos;
  }

  /**
   * Notes that event `pos` of the step starting at event `start` has just been performed. `trackable`: the step is
   * one micro-batch of forward events that draw nothing and carry no state (micro-batches share the buffers).
   */
  note(start: number, pos: number, trackable: boolean): void {
    const h = this.held;
    if (!trackable) forget(h);
    else if (h.start === start && h.through >= pos - 1) h.through = Math.max(h.through, pos);
    else {
      h.start = pos === 0 ? start : -1;
      h.through = pos === 0 ? 0 : -1;
      h.gradsFinal = false;
    }
  }

  /** The model's buffers hold every event of the step that started at event `start` (a generated whole step). */
  holdWhole(start: number): void {
    this.held = { start, through: this.eventsPerStep - 1, gradsFinal: false };
  }

  /** Forgets what both sets were known to hold. */
  forgetAll(): void {
    forget(this.held);
    if (this.kept) forget(this.kept.held);
  }
}
