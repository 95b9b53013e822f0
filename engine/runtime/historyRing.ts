// The history's ring of checkpoints (History, history.ts, replays and searches over it): checkpoints of the trainer at
// step starts within a memory budget, spaced and grown as measured (historyTuning.ts), with the losses and extremes
// recorded at every step since the oldest, and which checkpoint restores which event.

import { StepExtremes } from './historyExtremes';
import { StepRecord, type RecordedStep } from './stepRecord';
import type { Trainer, TrainerState } from './trainer';
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
  MIN_LONG_RING,
  MIN_SPAN_MS,
  PAUSE_GAP_MS,
  TINY_STEP_WORK,
  WINDOW,
} from './historyTuning';

/** What an omitted applied step is rebuilt from: the parameters of the checkpoint before (see save). */
type Before = Pick<TrainerState, 'params'>;

/** An applied-step buffer handed to the anchor (see HistoryRing.evict): an omitted step holds none. */
const NO_BUFFER = new Float32Array(0);

/** The checkpoints History (history.ts) keeps of one trainer, and their recording while training. */
export class HistoryRing {
  /** A ring of checkpoints: `count` of them, the oldest at `head`; it grows (see GROWTH_SHARE) up to `capacity`. */
  private ring: TrainerState[] = [];
  private head = 0;
  protected count = 0;
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
  protected mid: TrainerState | null = null;
  protected midSpare: TrainerState | undefined;
  /** The parameters `mid`'s applied step is rebuilt from (see restore), if its checkpoint did not copy it. */
  protected midPrevious: Before | undefined;
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
  protected edits: { readonly at: number; readonly apply: () => void }[] = [];
  /** The losses of the steps since the oldest checkpoint (see stepRecord.ts), for searchBack. */
  protected readonly steps: StepRecord;
  /** The extremes of each layer's z and a at the steps since the oldest checkpoint (historyExtremes.ts), for searchBack. */
  readonly extremes: StepExtremes;
  /** The step searchBack decides from the record (one object, filled in place). */
  protected readonly recorded: RecordedStep = {
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
    protected readonly trainer: Trainer,
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
    // The minimum ring is allocated now, before training begins, and the cost of fresh memory measured on it paces
    // the growth that follows: this step's start and the previous one, and for a long step the one before too. Paced
    // growth buys a long step's first new slot only after seconds (N5: ~3 s), and a ring of two reached back as little
    // as one step: a pause at a step's start then could not Step Back ten events (N5's step has nine).
    const minimum = Math.min(long ? MIN_LONG_RING : 2, this.capacity),
      began = performance.now();
    for (let k = 0; k < minimum; k++) this.ring.push(trainer.saveState());
    this.growth.lastMs = (performance.now() - began) / minimum;
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
  protected before(k: number): Before | undefined {
    if (k > 0) return this.at(k - 1);
    const a = this.anchor;
    return a && a.for === this.at(0) ? a : undefined;
  }

  /**
   * The index of the oldest checkpoint that can be restored: 1 when the oldest kept lacks its applied step and the
   * parameters it is rebuilt from are not kept (see evict), so it only serves to rebuild the next one's; else 0.
   */
  protected get first(): number {
    return this.count > 1 && this.at(0).optimizer.stepOmitted && !this.before(0) ? 1 : 0;
  }

  /** Restores the k-th checkpoint (k ≥ first), its applied step rebuilt from the one before when it was not copied. */
  protected restore(k: number): void {
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

  /** The k-th checkpoint, oldest first. */
  protected at(k: number): TrainerState {
    return this.ring[(this.head + k) % this.ring.length];
  }

  /** The index of the newest restorable checkpoint at or before `eventIndex` (the oldest restorable if none is). */
  protected nearestAtOrBefore(eventIndex: number): number {
    const first = this.first;
    for (let k = this.count - 1; k > first; k--) if (this.at(k).eventIndex <= eventIndex) return k;
    return first;
  }
}
