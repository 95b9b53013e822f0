// A long replay (Step Back or Reverse Continue over a long history) run in time slices on the worker's message
// loop, so that Pause, or a DAP cancel of its progress, can stop it between two slices; it reports how far it has
// got a few times a second once it has taken long enough to be worth a progress bar.

import type { ReplayProgress } from '../engine/runtime/history';

/** Milliseconds of replay between yields to the message loop (bounds how long a Pause waits). */
const SLICE_MS = 10;
/** A replay reports progress only once it has run this long (a quick one shows no progress bar), then every REPORT_MS. */
const QUIET_MS = 300;
const REPORT_MS = 250;

/** How a replay ended: with its result, stopped at a progress report, or by an exception. */
export type ReplayOutcome<R> =
  | { readonly kind: 'done'; readonly result: R }
  | { readonly kind: 'cancelled'; readonly at: ReplayProgress }
  | { readonly kind: 'failed'; readonly error: unknown };

/** Drives one replay; `end` is called exactly once, unless the job is dropped. */
export class ReplayJob<R> {
  private cancelRequested = false;
  private dropped = false;
  private last: ReplayProgress | null = null;
  private readonly startedAt = performance.now();
  private reportedAt = -Infinity;

  constructor(
    private readonly replay: Generator<ReplayProgress, R>,
    private readonly report: (p: ReplayProgress) => void,
    private readonly end: (outcome: ReplayOutcome<R>) => void,
  ) {}

  /** Runs the first slice now: a short replay ends before this returns. */
  start(): void {
    this.slice();
  }

  /** Stops the replay at its next report (the end callback gets `cancelled`). */
  cancel(): void {
    this.cancelRequested = true;
  }

  /** Forgets the replay without ending it (the run is being disposed). */
  drop(): void {
    this.dropped = true;
  }

  private slice(): void {
    if (this.dropped) return;
    const deadline = performance.now() + SLICE_MS;
    try {
      for (;;) {
        // A cancel is honoured only at a report, where the trainer is just after a known event.
        if (this.cancelRequested && this.last) return this.end({ kind: 'cancelled', at: this.last });
        const r = this.replay.next();
        if (r.done) return this.end({ kind: 'done', result: r.value });
        this.last = r.value;
        if (performance.now() > deadline) break;
      }
    } catch (error) {
      return this.end({ kind: 'failed', error });
    }
    const now = performance.now();
    if (this.last && now - this.startedAt >= QUIET_MS && now - this.reportedAt >= REPORT_MS) {
      this.reportedAt = now;
      this.report(this.last);
    }
    setImmediate(() => this.slice());
  }
}
