// Rewinding: a sliding window (a ring) of checkpoints of the trainer at step starts, within a memory budget, and
// exact replay from the nearest one to any later event. Training is deterministic, so a replay equals the original
// bit for bit. The window bounds memory; the checkpoint interval bounds what a rewind replays.

import {
  allQuiet,
  lastHitRecorded,
  lastStepBy,
  searchWhole,
  type RecordedSearch,
  type WholeSearch,
} from './historySearch';
import type { TrainerEvent } from './trainer';
import { finish, REPORT_EVERY, RewindError, type ReplayProgress } from './historyReplay';
import { HistoryRing } from './historyRing';

export { RewindError, type ReplayProgress };

/** Keeps checkpoints of one trainer (HistoryRing, historyRing.ts) and moves it to any event since the oldest. */
export class History extends HistoryRing {
  /**
   * Replays from the newest checkpoint at or before step `step` (0-based) until an event of that step satisfies
   * `match`, and returns it (the trainer is left just after it); null when none does (the trainer is then left at
   * the first event of a later step, or at the end). Call goTo afterwards to return to where the run was.
   * @throws RewindError when `step` is older than the oldest checkpoint.
   */
  seekStep(step: number, match: (ev: TrainerEvent) => boolean): TrainerEvent | null {
    return finish(this.replayToStep(step, match));
  }

  /**
   * seekStep as a replay that reports progress every few events (see replayTo), so a caller can spread it over
   * time slices. Throws RewindError on its first step, as seekStep does.
   */
  *replayToStep(step: number, match: (ev: TrainerEvent) => boolean): Generator<ReplayProgress, TrainerEvent | null> {
    const t = this.trainer;
    if (step < this.earliestStep)
      throw new RewindError(`step ${step + 1} is older than the oldest state kept (step ${this.earliestStep + 1})`);
    let k = this.count - 1;
    while (k > this.first && this.at(k).step > step) k--;
    this.restore(k);
    if (this.edits.length) {
      t.settleGrads();
      this.arrive();
    }
    const from = t.eventIndex,
      // Events up to the end of `step` at most (steps have about the same number of events).
      total = Math.max(1, (step + 1 - this.at(k).step) * t.eventsPerStep);
    for (;;) {
      const ev = t.advance();
      if (ev && this.edits.length) this.arrive();
      if (!ev || ev.step > step) return null;
      if (ev.step === step && match(ev)) return ev;
      const done = t.eventIndex - from;
      if (done % REPORT_EVERY === 0) yield { done, total: Math.max(total, done + 1), clearFrom: null, event: ev };
    }
  }

  /**
   * Moves the trainer to just after event `target` (so `eventIndex === target + 1`) by restoring the nearest
   * checkpoint at or before it and replaying. `target === -1` means the very start (null is returned then).
   * Returns the event `target`.
   * @throws RewindError when `target` is older than the oldest checkpoint.
   */
  goTo(target: number): TrainerEvent | null {
    return finish(this.replayTo(target));
  }

  /**
   * goTo as a replay that reports progress every few events, so a caller can spread it over time slices and stop
   * it: stopped early, the trainer is just after the last event replayed (`trainer.eventIndex − 1`, an event at or
   * before `target`), or at the restored checkpoint if none was. Throws RewindError on its first step, as goTo does.
   */
  *replayTo(target: number): Generator<ReplayProgress, TrainerEvent | null> {
    const t = this.trainer,
      first = this.first,
      oldest = this.at(first);
    if (target === -1 && oldest.eventIndex === 0) {
      this.restore(first);
      t.settleGrads();
      if (this.edits.length) this.arrive();
      return null;
    }
    // The target event itself must be replayed (a checkpoint holds no activations), so it needs one at or before it.
    if (target < oldest.eventIndex) {
      throw new RewindError(
        `cannot rewind to event ${target + 1}: the oldest state kept is event ${oldest.eventIndex + 1} (step ${oldest.step + 1}); raise the history budget to keep more`,
      );
    }
    const k = this.nearestAtOrBefore(target),
      cp = this.at(k);
    const mid = this.mid;
    if (mid && mid.eventIndex > cp.eventIndex && mid.eventIndex <= target + 1) {
      // Within the step whose backward pass is kept: nothing before it to replay while the buffers still hold it.
      t.restoreState(mid, this.midPrevious);
      if (!t.buffersCurrent) this.restore(k);
    } else this.restore(k);
    if (this.edits.length) {
      t.settleGrads(); // an edit made again here must find the gradients as they were (rare: kept simple)
      this.arrive();
    }
    const from = t.eventIndex,
      total = target + 1 - from,
      whole = this.wholeStepsBefore(target);
    let last: TrainerEvent | null = t.eventIndex > target ? t.eventBefore() : null;
    while (t.eventIndex <= target) {
      last = t.advance(t.eventIndex < whole ? 'step' : true);
      if (!last) break;
      if (this.edits.length) this.arrive();
      if (t.atBackwardEnd) this.keepMid();
      // Not while passing over kept gradients: stopped there, the trainer would not be in an exact state.
      if ((t.eventIndex - from) % REPORT_EVERY === 0 && t.eventIndex <= target && !t.gradsAhead)
        yield { done: t.eventIndex - from, total, clearFrom: null, event: last };
    }
    return last;
  }

  /**
   * The event before which a replay from where the trainer is to event `target` may take backward events from the
   * buffers (Trainer.advance 'step'): the end of `target`'s step when `target` is at or after its last backward
   * event, else its start, so the replay leaves no step with gradients its events have not computed yet; none (the
   * trainer's event) when an edit is made again on the way (it would make the buffers' gradients stale in the middle
   * of a step). Steps of one micro-batch only, all of the same length.
   */
  private wholeStepsBefore(target: number): number {
    const t = this.trainer,
      n = t.eventsPerStep,
      from = t.eventIndex;
    if (t.spec.train.accumulate !== 1 || this.edits.some((e) => e.at > from && e.at <= target)) return from;
    const pos = (target - (from - t.stepPosition)) % n,
      start = target - pos;
    return pos >= n - 3 ? start + n : start;
  }

  /** Keeps the state just after this step's backward pass (see `mid`), if this step's start is a checkpoint. */
  private keepMid(): void {
    const t = this.trainer,
      start = t.eventIndex - t.stepPosition;
    if (this.mid?.eventIndex === t.eventIndex || !t.buffersCurrent) return;
    let k = this.count - 1;
    while (k > this.first && this.at(k).eventIndex > start) k--;
    const cp = this.at(k);
    if (cp.eventIndex !== start) return;
    this.mid = this.midSpare = t.saveState(this.midSpare, cp);
    // It shares the checkpoint's optimizer state, applied step included (or not, then rebuilt the same way).
    this.midPrevious = cp.optimizer.stepOmitted ? this.before(k) : undefined;
  }

  /**
   * The index of the last event before `before` for which `hit` is true, found by replaying segment by segment
   * from the newest checkpoint backwards; null if none since the oldest checkpoint. Leaves the trainer anywhere:
   * call goTo afterwards.
   */
  findLastBefore(before: number, hit: (ev: TrainerEvent) => boolean): number | null {
    return finish(this.searchBack(before, hit));
  }

  /**
   * findLastBefore as a replay that reports progress every few events (see replayTo); stopped early, it leaves the
   * trainer anywhere, and the last progress's `clearFrom` says how far back it had found nothing. `quiet`, when
   * given, says of a step (0-based, with its 0-based epoch) that `hit` is false at every event of it, without
   * replaying it: a stretch between two checkpoints whose steps are all quiet is passed over unreplayed. `recorded`,
   * when given, decides a step from its recorded scalars (historySearch.ts): the replay then runs only over the
   * steps it cannot decide. `whole`, when given, decides a step taken whole at its clip (searchWhole): the steps of
   * a stretch with no edit to make again are replayed so, until one it cannot decide (from then on, event by event).
   */
  *searchBack(
    before: number,
    hit: (ev: TrainerEvent) => boolean,
    quiet?: (step: number, epoch: number) => boolean,
    recorded?: RecordedSearch,
    whole?: WholeSearch,
  ): Generator<ReplayProgress, number | null> {
    const t = this.trainer,
      first = this.first,
      total = Math.max(0, before - this.at(first).eventIndex);
    let done = 0,
      clearFrom: number | null = null;
    // Reports a progress where the events searched cross a multiple of REPORT_EVERY (whole steps come in bunches).
    const wholeReport = (event: TrainerEvent, events: number): ReplayProgress | null => {
      const was = done;
      done += events;
      return Math.floor(done / REPORT_EVERY) > Math.floor(was / REPORT_EVERY)
        ? { done, total, clearFrom, event }
        : null;
    };
    if (recorded) {
      this.steps.noteCurrent();
      this.extremes.noteCurrent();
    }
    for (let k = this.count - 1; k >= first; k--) {
      const cp = this.at(k);
      if (cp.eventIndex >= before) continue;
      const next = k + 1 < this.count ? this.at(k + 1) : null;
      let end = Math.min(before, next ? next.eventIndex : before);
      if (quiet && allQuiet(t, cp, next && end === next.eventIndex ? next.step - 1 : lastStepBy(t, cp, end), quiet)) {
        done += end - cp.eventIndex;
        clearFrom = cp.eventIndex;
        continue;
      }
      if (recorded) {
        const r = lastHitRecorded(t, cp, end, recorded, this.edits, this.steps, this.recorded);
        if (typeof r === 'number') return r;
        // The steps from `r.replayTo` on are decided clear: only those before it are replayed.
        done += end - r.replayTo;
        end = r.replayTo;
        if (end === cp.eventIndex) {
          clearFrom = cp.eventIndex;
          continue;
        }
      }
      this.restoreForSearch(k);
      let found: number | null = null;
      if (whole && cp.pos === 0 && t.spec.train.accumulate === 1 && this.nextEditAfter(cp.eventIndex - 1) >= end) {
        const was = done;
        const r = yield* searchWhole(t, end, whole, wholeReport);
        if (r === undefined) {
          // A step it cannot decide: this stretch and the older ones go event by event.
          whole = undefined;
          done = was;
          this.restoreForSearch(k);
        } else found = r;
      }
      while (t.eventIndex < end) {
        const index = t.eventIndex;
        const ev = t.advance();
        if (!ev) break;
        if (this.edits.length) this.arrive();
        if (hit(ev)) found = index;
        if (++done % REPORT_EVERY === 0) yield { done, total, clearFrom, event: ev };
      }
      if (found !== null) return found;
      clearFrom = cp.eventIndex;
    }
    return null;
  }

  /** Restores the k-th checkpoint for a search, making again the edits made where it is. */
  private restoreForSearch(k: number): void {
    this.restore(k);
    if (this.edits.length) {
      this.trainer.settleGrads();
      this.arrive();
    }
  }

  /** Forgets checkpoints, recorded losses and edits after event index `eventIndex` (the future is about to be rewritten). */
  truncateAfter(eventIndex: number): void {
    // The steps from the trainer's on, when it is there (an edit); else every recorded loss.
    const from = this.trainer.eventIndex === eventIndex ? this.trainer.step : 0;
    this.steps.forgetFrom(from);
    this.extremes.forgetFrom(from);
    if (this.mid && this.mid.eventIndex > eventIndex) this.mid = null;
    const keep = this.first + 1;
    while (this.count > keep && this.at(this.count - 1).eventIndex > eventIndex) this.count--;
    if (this.edits.length) this.edits = this.edits.filter((e) => e.at <= eventIndex);
  }

  /**
   * Records an edit just made to the trainer at its current event (Set Value: `apply` writes the value again). What
   * was recorded after this event is forgotten (the future is different now). From then on, whatever reaches this
   * event again makes the edit again: a replay passing it (so Step Back to a later event shows the edited run, not
   * one that never happened), and the run passing it after a rewind (so stepping back and forward again ends where
   * it was).
   */
  edit(apply: () => void): void {
    const at = this.trainer.eventIndex,
      oldest = this.earliestEvent;
    this.truncateAfter(at);
    // An edit before the oldest checkpoint is never reached again: no replay starts before that.
    this.edits = this.edits.filter((e) => e.at >= oldest);
    this.edits.push({ at, apply });
  }

  /** True while edits are kept (see `edit`): states of one step may then differ before and after one. */
  get edited(): boolean {
    return this.edits.length > 0;
  }

  /** The index of the first event after `eventIndex` that has an edit to make again (Infinity: none). */
  nextEditAfter(eventIndex: number): number {
    for (const e of this.edits) if (e.at > eventIndex) return e.at;
    return Infinity;
  }

  /** Makes again the edits made at the trainer's current event: call on reaching an event index anew. */
  arrive(): void {
    const at = this.trainer.eventIndex;
    for (const e of this.edits) if (e.at === at) e.apply();
  }
}
