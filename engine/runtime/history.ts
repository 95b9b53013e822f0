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
import { StepExtremes } from './historyExtremes';
import { StepRecord, type RecordedStep } from './stepRecord';
import type { Trainer, TrainerEvent, TrainerState } from './trainer';
import { finish, REPORT_EVERY, RewindError, type ReplayProgress } from './historyReplay';
import {
  COST_CAP,
  COST_SHARE,
  FREE_GROWTH_BYTES,
  FREE_GROWTH_SLOTS,
  GROWTH_MS,
  GROWTH_SHARE,
  MAX_CHECKPOINTS,
  MAX_INTERVAL,
  MAX_REPLAY_MS,
  MIN_SPAN_MS,
  PAUSE_GAP_MS,
  TINY_STEP_WORK,
  WINDOW,
} from './historyTuning';

export { RewindError, type ReplayProgress };

/** What an omitted applied step is rebuilt from: the parameters of the checkpoint before (see save). */
type Before = Pick<TrainerState, 'params'>;

/** An applied-step buffer handed to the anchor (see History.evict): an omitted step holds none. */
const NO_BUFFER = new Float32Array(0);

/** Keeps checkpoints of one trainer and moves it to any event since the oldest. */
export class History {
  /** A ring of checkpoints: `count` of them, the oldest at `head`; it grows (see GROWTH_SHARE) up to `capacity`. */
  private ring: TrainerState[] = [];
  private head = 0;
  private count = 0;
  private readonly stateBytes: number;
  /** Bytes of the optimizer's applied step, which a checkpoint may not hold (see save). */
  private readonly stepBytes: number;
  /** How many checkpoints fit in the budget (at least 2), and never more than MAX_CHECKPOINTS. */
  readonly capacity: number;
  /**
   * Steps between checkpoints: 1 for networks whose step is costly, more for tiny ones where copying dominates, and
   * doubled whenever checkpoints are measured to take more than COST_SHARE of the time or to come less than
   * MIN_SPAN_MS apart (growing the ring is paced separately, see GROWTH_SHARE).
   */
  get interval(): number {
    return this.stepsBetween;
  }
  private stepsBetween: number;
  /**
   * The steps strictly between these two multiples of the interval take no checkpoint (see record); the range is
   * emptied whenever the interval changes.
   */
  private skipAfter = 0;
  private skipBefore = 0;
  /** The current measuring window: when it began, ms spent copying and growing the ring in it, checkpoints taken. */
  private window = { start: 0, spentMs: 0, grownMs: 0, taken: 0 };
  /** Measuring windows in a row whose copies took more than COST_CAP of the time. */
  private windowsOverCap = 0;
  /**
   * Training time so far (ms, measured between checkpoints, pauses counted as PAUSE_GAP_MS), the time spent growing
   * the ring, what the last growth took, and when the last checkpoint was taken.
   */
  private growth = { trainedMs: 0, spentMs: 0, lastMs: 0, seenAt: 0 };
  /**
   * The state just after the backward pass of the step a Step Back last replayed, sharing the parameters of that
   * step's checkpoint (null: none kept). Stepping back within that step restores it instead of replaying the
   * forward and backward passes again, while the buffers still hold that step (Trainer.buffersCurrent); `spare`
   * keeps its gradient buffer for the next one.
   */
  private mid: TrainerState | null = null;
  private midSpare: TrainerState | undefined;
  /** The parameters `mid`'s applied step is rebuilt from (see restore), if its checkpoint did not copy it. */
  private midPrevious: Before | undefined;
  /**
   * The parameters of the checkpoint evicted last (θ before the oldest kept), when the oldest did not copy its
   * applied step: kept so that it can still be rebuilt (see save), as `anchor.params`, valid while `anchor.for` is the
   * oldest checkpoint. Its buffer is the next evicted checkpoint's, so evicting allocates and computes nothing.
   */
  private anchor: { params: Float32Array; for: TrainerState } | null = null;
  /**
   * Edits made while paused (Set Value), oldest first, each at the event index the trainer was at (`at`): a replay
   * or the run reaching that index again makes it again (`arrive`), so the history replays what happened.
   */
  private edits: { readonly at: number; readonly apply: () => void }[] = [];
  /** The losses of the steps since the oldest checkpoint (see stepRecord.ts), for searchBack. */
  private readonly steps: StepRecord;
  /** The extremes of each layer's z and a at the steps since the oldest checkpoint (historyExtremes.ts), for searchBack. */
  readonly extremes: StepExtremes;
  /** The step searchBack decides from the record (one object, filled in place). */
  private readonly recorded: RecordedStep = {
    step: 0,
    epoch: 0,
    start: 0,
    loss: NaN,
    previousLoss: NaN,
    baseLr: 0,
    batchSize: -1,
  };

  /** @param budgetBytes memory the checkpoints may use, with the trainer's second set of step buffers if it keeps one. */
  constructor(
    private readonly trainer: Trainer,
    budgetBytes: number,
  ) {
    const p = trainer.model.params.length;
    this.stepBytes = 4 * p;
    const opt = trainer.optimizer.saveState().buffers.length;
    // Typed arrays cost their bytes plus a few hundred bytes of object headers each; count them honestly.
    const arrays = 6 + opt + 2 * trainer.model.nodes.length;
    this.stateBytes =
      4 * (p * (1 + opt) + trainer.trainRows.length) + 24 * (trainer.model.nodes.length + 3) + 200 * arrays + 1024;
    // A step costs about 6·P·B flops; a checkpoint (at a step start, where gradients are zero and not saved) copies
    // 4·P·(1 + optimizer buffers) bytes plus fixed overhead. With the kernels' ~30 GFLOP/s against ~5 GB/s of
    // copying, copying takes about 4·(1 + opt)/B of a step: space
    // checkpoints to keep that near 5%, and wider still for tiny steps where fixed costs dominate. A rewind then
    // replays at most `interval` steps.
    const B = Math.max(1, trainer.spec.train.batch);
    const byCopy = Math.ceil((80 * (1 + opt)) / B),
      byFixedCost = Math.ceil(TINY_STEP_WORK / (6 * p * B));
    // A step estimated to take more than half of MAX_REPLAY_MS (at ~30 GFLOP/s) gets a checkpoint at every start:
    // Step Back must not replay two of them, and the copy is then small next to the step (measured below).
    const long = (6 * p * B) / 30e6 > MAX_REPLAY_MS / 2;
    this.stepsBetween = long ? 1 : Math.max(1, Math.min(64, Math.max(byCopy, byFixedCost)));
    // Where a step is long, replaying one to go back into it is what Step Back waits for: the trainer keeps the
    // latest complete step's buffers (exchanged, not copied, at each step start), so a replay of it computes neither
    // its forward nor its backward pass (see replayTo).
    if (long) trainer.keepPreviousStep();
    // That second set is memory the history spends, so it comes out of the budget.
    const forCheckpoints = budgetBytes - trainer.keptBytes;
    this.capacity = Math.max(2, Math.min(MAX_CHECKPOINTS, Math.floor(forCheckpoints / this.stateBytes)));
    // The minimum ring (this step's start and the previous one) is allocated now, before training begins, and the
    // cost of fresh memory measured on it paces the growth that follows.
    const began = performance.now();
    this.ring.push(trainer.saveState(), trainer.saveState());
    this.growth.lastMs = (performance.now() - began) / 2;
    this.count = 1;
    this.window.start = this.growth.seenAt = performance.now();
    this.steps = new StepRecord(trainer);
    this.extremes = new StepExtremes(trainer);
  }

  /**
   * Call between events while training; at a step start records the loss of the step just ended (StepRecord) and
   * takes a checkpoint at every `interval`-th one, reusing the oldest when full.
   */
  record(): void {
    const t = this.trainer;
    if (!t.atStepStart) return;
    this.steps.note();
    this.extremes.note();
    // Most steps are not a multiple of the interval (N1's spacing reaches thousands): the range between the two
    // multiples around the last step checked answers without a division (~25 cycles of a ~1 µs step).
    const s = t.step;
    if (s > this.skipAfter && s < this.skipBefore) return;
    const below = s - (s % this.stepsBetween);
    if (below !== s) {
      this.skipAfter = below;
      this.skipBefore = below + this.stepsBetween;
      return;
    }
    const last = this.count ? this.at(this.count - 1) : null;
    if (last && last.eventIndex >= t.eventIndex) return;
    this.steps.reach(this.at(this.first).step, this.interval);
    this.extremes.reach(this.at(this.first).step, this.interval);
    const began = performance.now(),
      g = this.growth;
    g.trainedMs += Math.min(began - g.seenAt, PAUSE_GAP_MS);
    this.mid = null; // the slot it shares with may be taken now
    const grew = this.save();
    const now = (g.seenAt = performance.now());
    const w = this.window;
    if (grew) {
      // Fresh memory is paced on its own: counted in the window's copies or its span, it would space checkpoints
      // wider for good. The checkpoint still counts in the window, so a tiny network's spacing widens while its
      // ring grows (it used to stay at its first spacing until the ring had stopped growing).
      g.spentMs += now - began;
      g.lastMs = now - began;
      w.grownMs += now - began;
    } else w.spentMs += now - began;
    if (++w.taken < WINDOW) return;
    const took = now - w.start - w.grownMs;
    // Doubled, a spacing must still replay quickly (Step Back), unless the copies cost far more than their share in
    // two windows in a row: one window of slow copies (a busy machine) doubled N5's spacing to 4 steps, and a Step
    // Back then replayed up to three of them (~150–300 ms) until it narrowed again.
    const overCap = w.spentMs > COST_CAP * took;
    this.windowsOverCap = overCap ? this.windowsOverCap + 1 : 0;
    const quick = (2 * took) / WINDOW <= MAX_REPLAY_MS || this.windowsOverCap >= 2;
    if (((quick && w.spentMs > COST_SHARE * took) || took < MIN_SPAN_MS * WINDOW) && this.stepsBetween < MAX_INTERVAL) {
      this.stepsBetween *= 2;
      this.skipBefore = 0;
      this.windowsOverCap = 0;
    }
    // A spacing whose replay is slow narrows again once copies at half of it would stay within COST_CAP: a window of
    // slow copies (a busy machine, memory paged out) doubled it for good before, and every Step Back of N5 then
    // replayed up to four steps (~200 ms) for the rest of the session.
    else if (this.stepsBetween > 1 && took / WINDOW > MAX_REPLAY_MS && 2 * w.spentMs < COST_CAP * took) {
      this.stepsBetween /= 2;
      this.skipBefore = 0;
    }
    this.window = { start: now, spentMs: 0, grownMs: 0, taken: 0 };
  }

  /**
   * Takes a checkpoint into a slot the ring holds, or into a new one when it may grow; true if it grew. Right after
   * the checkpoint of the step before (every step start of a long step), with no edit to make again, it does not
   * copy the optimizer's applied step (half of what plain SGD's checkpoint copies: 8.4 MB of N5's 16.8 MB): that is
   * θ_t − θ_{t−1} of the two checkpoints' parameters, rebuilt when restoring (see restore). The oldest
   * checkpoint's is rebuilt from the parameters of the one evicted before it, kept for that (see evict).
   */
  private save(): boolean {
    const t = this.trainer,
      slots = this.ring.length,
      newest = this.count ? this.at(this.count - 1) : null;
    // An edit before the update may have changed the parameters it started from: then copied (rare, kept simple).
    const previous =
      newest && newest.pos === 0 && newest.step === t.step - 1 && !this.edits.length ? newest : undefined;
    if (this.count < slots) {
      const k = (this.head + this.count) % slots;
      this.ring[k] = t.saveState(this.ring[k], undefined, previous);
      this.count++;
      return false;
    }
    if (slots < this.capacity && this.mayGrow()) {
      // The new slot goes just before the oldest (the newest place in the ring's order); the oldest moves up one.
      // Rebuilding the ring oldest first instead cost O(slots) in JavaScript at every growth, which a tiny network
      // reaches hundreds of times in its first second.
      this.ring.splice(this.head, 0, t.saveState(undefined, undefined, previous));
      this.head++;
      this.count++;
      return true;
    }
    this.ring[this.head] = t.saveState(this.evict(), undefined, previous);
    this.head = (this.head + 1) % slots;
    return false;
  }

  /**
   * The oldest checkpoint, to be overwritten by a new one. If the next oldest did not copy its applied step, the
   * evicted one's parameters are what rebuilds it: they are kept (`anchor`) instead of overwritten, and the new
   * checkpoint's parameters go to the buffer the anchor held before, or the first time to the evicted one's
   * applied-step buffer (fresh memory costs a long step's run loop ~50 ms). The ring then loses no restorable checkpoint to the omitted steps (it used to keep its oldest only to
   * rebuild the next one's: a ring of two reached one step back), for one buffer of parameters more.
   */
  private evict(): TrainerState {
    const old = this.ring[this.head] as { -readonly [K in keyof TrainerState]: TrainerState[K] },
      next = this.count > 1 ? this.at(1) : null;
    if (!next?.optimizer.stepOmitted) return old;
    let free = this.anchor?.params;
    const step = old.optimizer.buffers[0];
    if (!free && step.length === old.params.length) {
      free = step; // evicted, so no longer read; and the new checkpoint omits its step too (else it allocates one)
      (old.optimizer.buffers as Float32Array[])[0] = NO_BUFFER;
    }
    this.anchor = { params: old.params, for: next };
    // undefined: saveState allocates a new buffer (once: from then on the anchor's is free at each eviction).
    old.params = free as Float32Array;
    return old;
  }

  /** The parameters the k-th checkpoint's omitted applied step is rebuilt from (undefined: none kept). */
  private before(k: number): Before | undefined {
    if (k > 0) return this.at(k - 1);
    const a = this.anchor;
    return a && a.for === this.at(0) ? a : undefined;
  }

  /**
   * The index of the oldest checkpoint that can be restored: 1 when the oldest kept lacks its applied step and the
   * parameters it is rebuilt from are not kept (see evict), so it only serves to rebuild the next one's; else 0.
   */
  private get first(): number {
    return this.count > 1 && this.at(0).optimizer.stepOmitted && !this.before(0) ? 1 : 0;
  }

  /** Restores the k-th checkpoint (k ≥ first), its applied step rebuilt from the one before when it was not copied. */
  private restore(k: number): void {
    const cp = this.at(k);
    this.trainer.restoreState(cp, cp.optimizer.stepOmitted ? this.before(k) : undefined);
  }

  /**
   * True if the ring may take a new slot now: while it is small (FREE_GROWTH_SLOTS, FREE_GROWTH_BYTES), or within
   * the first GROWTH_MS of training while growing stays within GROWTH_SHARE of it.
   */
  private mayGrow(): boolean {
    const g = this.growth;
    return (
      (this.ring.length < FREE_GROWTH_SLOTS && this.ring.length * this.stateBytes < FREE_GROWTH_BYTES) ||
      (g.trainedMs <= GROWTH_MS && g.spentMs + g.lastMs <= GROWTH_SHARE * g.trainedMs)
    );
  }

  /** Index of the earliest event that can be the target of a rewind. */
  get earliestEvent(): number {
    return this.at(this.first).eventIndex;
  }

  /** The earliest step (0-based) whose events can still be replayed. */
  get earliestStep(): number {
    return this.at(this.first).step;
  }

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

  /** Checkpoints kept and the memory they take, with the trainer's kept step buffers (for messages and tests). */
  get stats(): { count: number; bytes: number; recordBytes: number } {
    // The step record and extremes (at most 1 + 4 MB: stepRecord.ts, historyExtremes.ts) are counted here but not taken
    // from the budget.
    const recordBytes = this.steps.bytes + this.extremes.bytes;
    // A checkpoint made without its applied step holds no buffer for it unless its slot had one (see save).
    let unheld = 0;
    for (let k = 0; k < this.count; k++) if (this.at(k).optimizer.buffers[0].length === 0) unheld += this.stepBytes;
    return {
      count: this.count,
      bytes:
        this.count * this.stateBytes -
        unheld +
        (this.anchor ? this.stepBytes : 0) +
        this.trainer.keptBytes +
        recordBytes,
      recordBytes,
    };
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

  /** The k-th checkpoint, oldest first. */
  private at(k: number): TrainerState {
    return this.ring[(this.head + k) % this.ring.length];
  }

  /** The index of the newest restorable checkpoint at or before `eventIndex` (the oldest restorable if none is). */
  private nearestAtOrBefore(eventIndex: number): number {
    const first = this.first;
    for (let k = this.count - 1; k > first; k--) if (this.at(k).eventIndex <= eventIndex) return k;
    return first;
  }
}
