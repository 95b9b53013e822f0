// Rewinding: a sliding window of checkpoints of the trainer at step starts, within a memory budget, and exact
// replay from the nearest one to any later event. Training is deterministic, so a replay equals the original bit
// for bit. The window bounds both memory and the cost of a rewind (at most one step is replayed).

import type { Trainer, TrainerEvent, TrainerState } from './trainer';

/** A rewind that would go past the oldest state kept. */
export class RewindError extends Error {}

/** Keeps checkpoints of one trainer and moves it to any event since the oldest. */
export class History {
  /** Oldest first. */
  private readonly checkpoints: TrainerState[] = [];
  private readonly stateBytes: number;
  /** How many checkpoints fit in the budget (at least 2: the current step's start and the one before). */
  readonly capacity: number;

  /** @param budgetBytes memory the checkpoints may use. */
  constructor(private readonly trainer: Trainer, budgetBytes: number) {
    const p = trainer.model.params.length;
    const opt = trainer.optimizer.saveState().buffers.length;
    this.stateBytes = 4 * (p * (2 + opt) + trainer.trainRows.length) + 512;
    this.capacity = Math.max(2, Math.floor(budgetBytes / this.stateBytes));
    this.record();
  }

  /** Call between events while training; takes a checkpoint at each step start, reusing the oldest when full. */
  record(): void {
    const t = this.trainer;
    if (!t.atStepStart) return;
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last && last.eventIndex >= t.eventIndex) return;
    const reuse = this.checkpoints.length >= this.capacity ? this.checkpoints.shift() : undefined;
    this.checkpoints.push(t.saveState(reuse));
  }

  /** Index of the earliest event that can be the target of a rewind. */
  get earliestEvent(): number {
    return this.checkpoints[0].eventIndex;
  }

  /** Checkpoints kept and the memory they take (for messages and tests). */
  get stats(): { count: number; bytes: number } {
    return { count: this.checkpoints.length, bytes: this.checkpoints.length * this.stateBytes };
  }

  /**
   * Moves the trainer to just after event `target` (so `eventIndex === target + 1`) by restoring the nearest
   * checkpoint at or before it and replaying. `target === -1` means the very start (null is returned then).
   * Returns the event `target`.
   * @throws RewindError when `target` is older than the oldest checkpoint.
   */
  goTo(target: number): TrainerEvent | null {
    const t = this.trainer, oldest = this.checkpoints[0];
    if (target === -1 && oldest.eventIndex === 0) {
      t.restoreState(oldest);
      return null;
    }
    // The target event itself must be replayed (a checkpoint holds no activations), so it needs one at or before it.
    if (target < oldest.eventIndex) {
      throw new RewindError(`cannot rewind to event ${target + 1}: the oldest state kept is event ${oldest.eventIndex + 1} (step ${oldest.step + 1}); raise the history budget to keep more`);
    }
    t.restoreState(this.nearestAtOrBefore(target));
    let last: TrainerEvent | null = null;
    while (t.eventIndex <= target) last = t.advance();
    return last;
  }

  /**
   * The index of the last event before `before` for which `hit` is true, found by replaying segment by segment
   * from the newest checkpoint backwards; null if none since the oldest checkpoint. Leaves the trainer anywhere:
   * call goTo afterwards.
   */
  findLastBefore(before: number, hit: (ev: TrainerEvent) => boolean): number | null {
    const t = this.trainer;
    for (let k = this.checkpoints.length - 1; k >= 0; k--) {
      const cp = this.checkpoints[k];
      if (cp.eventIndex >= before) continue;
      const end = Math.min(before, this.checkpoints[k + 1]?.eventIndex ?? before);
      t.restoreState(cp);
      let found: number | null = null;
      while (t.eventIndex < end) {
        const index = t.eventIndex;
        const ev = t.advance();
        if (!ev) break;
        if (hit(ev)) found = index;
      }
      if (found !== null) return found;
    }
    return null;
  }

  /** Forgets checkpoints after the trainer's current event (used when the future is about to be rewritten). */
  truncateAfter(eventIndex: number): void {
    while (this.checkpoints.length > 1 && this.checkpoints[this.checkpoints.length - 1].eventIndex > eventIndex) this.checkpoints.pop();
  }

  private nearestAtOrBefore(eventIndex: number): TrainerState {
    for (let k = this.checkpoints.length - 1; k >= 0; k--) if (this.checkpoints[k].eventIndex <= eventIndex) return this.checkpoints[k];
    return this.checkpoints[0];
  }
}
