// What a replay of the history reports while it runs (ReplayProgress), the error of a rewind past the oldest state
// kept, and how a replay generator is run to its end (finish).

import type { TrainerEvent } from './trainer';

/** A rewind that would go past the oldest state kept. */
export class RewindError extends Error {}

/** Events replayed between two progress reports of a long replay (each report is a chance to stop it). */
export const REPORT_EVERY = 32;

/** How far a long replay has got: events replayed of those it expects to replay at most. */
export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
  /**
   * For a backwards search: the earliest event from which on, up to where the search began, no event matched (null
   * until a whole segment has been searched). Stopping there is consistent with having searched that far.
   */
  readonly clearFrom: number | null;
  /** The event just replayed: stopped at this report, the trainer is just after it. */
  readonly event: TrainerEvent;
}

/** Runs a replay to its end and returns its result (the plain, uninterruptible form). */
export function finish<R>(replay: Generator<ReplayProgress, R>): R {
  for (;;) {
    const r = replay.next();
    if (r.done) return r.value;
  }
}
