// The training doctor: an observer fed every event of a run, handing the events each rule asked for to that rule (or
// recording the step's numbers for the rules that read them as a series, in batches) and folding the hits into findings.

import { NonFiniteError, type Trainer, type TrainerEvent } from '../runtime/trainer';
import { anchorPosition } from './anchors';
import { copyRanges, hasWeightMatrix, matrixRanges, measureUpdate } from './measures';
import { RULES } from './rules';
import { LOSS, STEP, StepSeries } from './series';
import { Tallies } from './tallies';
import { add, subscribers, unsubscribe, type Subscribers } from './subscribers';
import { DEFAULT_THRESHOLDS, type DoctorThresholds } from './thresholds';
import type { Anchor, Finding, Hit, Rule, RuleContext, RuleId, UpdateStats } from './types';

export { anchorPosition };

/**
 * Told of every hit as it happens (a debug session's exception filters stop on them; a deferred doctor tells the
 * series rules' hits when it looks at their batch, with AT_NONE: see Doctor.setDeferred), and of pending ones, with the
 * event whose hook reported it: the forward event of node `at` (≥ 0), the clip event (AT_CLIP) or the update event
 * (AT_UPDATE, with the epoch's end it may bring). A step observed whole says so where a step's events do not.
 */
export type HitListener = (rule: RuleId, hit: Hit, at: number) => void;

/** The clip event and the update event, as HitListener's `at`; AT_NONE for hits outside an event (the run's end). */
export const AT_CLIP = -1;
export const AT_UPDATE = -2;
export const AT_NONE = -3;

/** Watches one trainer's run and says what went wrong and where. */
export class Doctor {
  /** Read by the rules at each check: `setThresholds` changes them for the next one. */
  readonly thresholds: DoctorThresholds;
  /** Optimizer steps observed. */
  steps = 0;
  /** The hits folded into findings-to-be. */
  private readonly tallies: Tallies;
  private readonly rules: readonly Rule[];
  private readonly ctxs: readonly RuleContext[];
  /**
   * Per event, the rules that read it, as their hooks: per node for forward events, then clip and update (all of
   * them on a measured step; those that do not need the update's measurements otherwise). Calling a hook from an
   * array skips the lookup of the hook on rules of as many shapes as there are rules, at every event.
   */
  private readonly forward: Subscribers<(ctx: RuleContext, node: number) => boolean | void>[];
  private readonly onClip: Subscribers<ClipHook>;
  private readonly onUpdate: Subscribers<UpdateHook>;
  private readonly onUnmeasuredUpdate: Subscribers<UpdateHook>;
  /** The same lists without the series rules: what a deferred step calls (see setDeferred). */
  private readonly onClipNow: Subscribers<ClipHook>;
  private readonly onUpdateNow: Subscribers<UpdateHook>;
  private readonly onUnmeasuredUpdateNow: Subscribers<UpdateHook>;
  /** The series rules' hooks, called over the recorded steps (flush). */
  private readonly clipSeries: Subscribers<SeriesHook>;
  private readonly updateSeries: Subscribers<SeriesHook>;
  /** Every list of the clip and update events, for unsubscribing. */
  private readonly lists: readonly Subscribers<unknown>[];
  /** The steps recorded for the series rules (null when no rule reads them), and whether they wait for a flush. */
  private readonly series: StepSeries | null;
  private deferred: boolean;
  /**
   * The epoch hooks with their contexts, and the rules with a pending hit to offer after each epoch (to the hit
   * listener) with their ids and hooks: flat arrays, because a tiny network ends an epoch every few steps.
   */
  private readonly onEpoch: Subscribers<(ctx: RuleContext) => boolean | void>;
  private readonly pendingIds: RuleId[];
  private readonly pendingFns: (() => Hit | null | false)[];
  private readonly onHit: HitListener | undefined;
  /** Whether the listener hears the hits (see muteHits). */
  private heard: boolean;
  /** The parameters before the step's update and what it did, when a rule asked (needsUpdateStats). */
  private readonly previous: Float32Array | null;
  private readonly stats: UpdateStats | null;
  /** Where the weight matrices of `stats` sit in the parameters (matrixRanges). */
  private readonly ranges: Int32Array;
  private epochs: number;
  private finished = false;
  /** The event whose hooks run (see HitListener). */
  private at = AT_NONE;
  /** True when no forward hook is left (see observeAfter). */
  private noForward = false;
  /**
   * What observeAfter and observeStep ask at every step, kept as the lists and `deferred` change (refresh): a
   * deferred doctor with no forward or clip hook left, and one with no hook reading an unmeasured update either.
   */
  private afterOk = false;
  private quietUpdate = false;
  /** True when every step has one micro-batch: its activations at the step's end are its forward pass's. */
  private readonly oneMicroBatch: boolean;
  /** canObserveWhole, kept as the forward lists change (refresh): the run loop asks it before every step. */
  private wholeOk = false;
  /** Whether this step's update is measured; the last step measured; how many, and in how many bursts. */
  private sampling = false;
  /**
   * The sampling period of the last step observed, [periodStart, periodEnd), and the end of its measured burst
   * (empty: to be found). Whole numbers: a step is then told from them by two comparisons of integers.
   */
  private periodStart = 0;
  private periodEnd = -1;
  private burstEnd = 0;
  private lastSampled = -2;
  private sampledSteps = 0;
  private bursts = 0;
  /**
   * Steps from the next one on that observeAfter and observeStep only count (see quietAhead): each, deferred with
   * no hook to call, not measured, with a slot left before the series' last, and no epoch hook or pending hit left.
   */
  private quiet = 0;
  /** The epoch at the start of the last step takeQuietSteps completed, and its events. */
  quietEpoch = 0;
  quietEvents = 0;

  constructor(
    readonly trainer: Trainer,
    options: {
      readonly thresholds?: Partial<DoctorThresholds>;
      readonly rules?: readonly Rule[];
      readonly source?: string;
      readonly onHit?: HitListener;
      /**
       * Whether the series rules look at the recorded steps in batches (see setDeferred); by default when nobody
       * listens to the hits as they happen (no onHit).
       */
      readonly deferred?: boolean;
      /** Steps recorded before a deferred batch is looked at (the series' capacity). */
      readonly batchSteps?: number;
    } = {},
  ) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    this.onHit = options.onHit;
    this.heard = this.onHit !== undefined;
    const rules = (this.rules = options.rules ?? RULES.map((make) => make()));
    this.tallies = new Tallies(trainer, options.source);
    this.ctxs = rules.map((r) => ({
      trainer,
      thresholds: this.thresholds,
      report: (h: Hit) => this.record(r, h),
      repeat: (a: Anchor, variant: string | undefined, step: number, excess: number) =>
        !this.heard && this.tallies.repeat(r, a, variant, step, excess),
    }));
    const list = <F>(hook: (r: Rule) => F | undefined, where: (r: Rule) => boolean = () => true) => {
      const out = subscribers<F>();
      rules.forEach((r, k) => {
        const f = hook(r);
        if (f && where(r)) add(out, f, this.ctxs[k], k);
      });
      return out;
    };
    this.forward = trainer.model.nodes.map(() => subscribers());
    rules.forEach((r, k) => {
      for (const i of r.forwardNodes?.(trainer) ?? []) add(this.forward[i], r.afterForward!, this.ctxs[k], k);
    });
    const series = (this.series = rules.some((r) => r.clipSeries || r.updateSeries)
      ? new StepSeries(trainer, Math.max(1, options.batchSteps ?? 256))
      : null);
    this.deferred = options.deferred ?? !options.onHit;
    // The generated whole steps write their numbers into the series themselves (see observeStep).
    if (series) trainer.recordInto(series);
    // At each step's own event (not deferred), a series rule looks at that step alone, in catalogue order with the
    // others: when two hit in one event, the first one's filter stops.
    // A rule with a series hook is fed by it alone (a per-step hook beside it is for callers without a series).
    const clipNow = (r: Rule): ClipHook | undefined =>
      r.clipSeries ? (ctx) => r.clipSeries!(ctx, series!, series!.length, series!.length + 1) : r.afterClip;
    const updateNow = (r: Rule): UpdateHook | undefined =>
      r.updateSeries ? (ctx) => r.updateSeries!(ctx, series!, series!.length - 1, series!.length) : r.afterUpdate;
    this.onClip = list(clipNow);
    this.onUpdate = list(updateNow);
    this.onUnmeasuredUpdate = list(updateNow, (r) => !r.needsUpdateStats);
    this.onClipNow = list((r) => (r.clipSeries ? undefined : r.afterClip));
    this.onUpdateNow = list((r) => (r.updateSeries ? undefined : r.afterUpdate));
    this.onUnmeasuredUpdateNow = list(
      (r) => (r.updateSeries ? undefined : r.afterUpdate),
      (r) => !r.needsUpdateStats,
    );
    this.clipSeries = list((r) => r.clipSeries);
    this.updateSeries = list((r) => r.updateSeries);
    this.lists = [
      this.onClip,
      this.onUpdate,
      this.onUnmeasuredUpdate,
      this.onClipNow,
      this.onUpdateNow,
      this.onUnmeasuredUpdateNow,
      this.clipSeries,
      this.updateSeries,
    ];
    this.onEpoch = list((r) => r.afterEpoch);
    const withPending = options.onHit ? rules.filter((r) => r.pending) : [];
    this.pendingIds = withPending.map((r) => r.id);
    this.pendingFns = withPending.map((r) => r.pending!);
    const matrices = trainer.model.nodes.flatMap((n, i) => (hasWeightMatrix(n) ? [i] : []));
    const asked = rules.some((r) => r.needsUpdateStats);
    this.previous = asked ? new Float32Array(trainer.model.params.length) : null;
    this.stats = asked
      ? {
          consecutive: false,
          nodes: matrices,
          ratio: new Float64Array(matrices.length),
          unchanged: new Uint8Array(matrices.length),
        }
      : null;
    this.ranges = matrixRanges(trainer, matrices);
    this.oneMicroBatch = trainer.spec.train.accumulate === 1;
    this.refresh();
    this.epochs = trainer.epochs.length;
  }

  /**
   * Feeds the event the trainer has just performed. Small on purpose, so that it is inlined where it is called: an
   * event no rule reads (loss, backward, the forward events of unwatched layers) then costs a comparison or two, and
   * the event object itself need not be built for the doctor. The work is in forwarded, clipped and updated.
   */
  observe(ev: TrainerEvent): void {
    const phase = ev.phase;
    if (phase === 'update') this.updated();
    else if (phase === 'clip') this.clipped();
    else if (phase === 'forward' && this.forward[ev.layer].fns.length) this.forwarded(ev.layer);
  }

  /**
   * True when the step about to start can be observed whole (observeClipped, then observeUpdated) with the same
   * result as its events: every hook reads there what it reads at its event (activations, gradients, clip, loss, the
   * parameters before the update; `step` as it was), except the forward hooks of a step of several micro-batches,
   * whose earlier activations are gone by then. So: one micro-batch per step, or no forward hook left.
   */
  get canObserveWhole(): boolean {
    return this.wholeOk;
  }

  /**
   * Trains the step about to start whole and observes it (only where canObserveWhole): what a caller with nothing to
   * stop inside the step does (doctoredStep, the debugger's run loop). False when training is finished. A quiet step
   * (see `quiet`) is taken here in a few lines: a tiny network's step costs less than a microsecond, and the chain of
   * observeAfter, the step and observeStep, each asking again what the last one found, cost it several percent.
   * Throws NonFiniteError as the trainer does, having observed what the step's events before it showed the rules
   * (observeForwardPass) only where the caller does so.
   */
  takeStep(): boolean {
    if (this.quiet > 0) {
      // observeAfter and observeStep at a quiet step, without asking twice whether it is one (its row's loss was
      // marked when the quiet steps were counted: beQuiet).
      if (!this.trainer.advanceStep()) return false;
      this.quiet--;
      this.steps++;
      this.countStep(this.series!);
      return true;
    }
    return this.takeStepSlowly();
  }

  /**
   * Takes up to `max` of the quiet steps ahead (see `quiet`) whole, as takeStep takes each, in one loop: what a run
   * loop with nothing of its own to do between steps does (the Train command's), so that a tiny network's quiet step
   * costs its trainer's step and the few stores that record it, not a chain of calls. Returns the steps taken: 0
   * when the next step is not quiet (takeStep then), fewer than asked when training finished. A step that throws
   * (takeStep's NonFiniteError) is not counted, those before it are. quietEpoch and quietEvents then describe the
   * last step taken.
   */
  takeQuietSteps(max: number): number {
    const n = this.quiet < max ? this.quiet : max;
    if (n <= 0) return 0;
    const t = this.trainer,
      s = this.series!,
      rows = s.rows,
      stride = s.stride,
      norms = s.norms;
    let k = s.length,
      done = 0,
      epoch = this.quietEpoch,
      events = this.quietEvents;
    try {
      while (done < n) {
        const e = t.epoch,
          from = t.eventIndex;
        if (!t.advanceStep()) break;
        // countStep's lines, with the series' fields in locals (the generated step reads `length`, so it moves).
        const o = k * stride;
        rows[o + STEP] = t.step - 1;
        s.length = k + 1;
        const loss = rows[o + LOSS];
        if (loss !== loss || norms !== true) this.recordAgain(s, k);
        k++;
        done++;
        epoch = e;
        events = t.eventIndex - from;
      }
    } finally {
      this.quiet -= done;
      this.steps += done;
      this.quietEpoch = epoch;
      this.quietEvents = events;
    }
    return done;
  }

  /** takeStep at a step that is not quiet. */
  private takeStepSlowly(): boolean {
    const t = this.trainer;
    if (this.observeAfter()) {
      if (!t.advanceStep()) return false;
      this.observeStep();
    } else {
      if (!t.advanceStep(this.observeClipped)) return false;
      this.observeUpdated();
    }
    return true;
  }

  /**
   * Called right before a step starts: true when that step needs nothing observed before its update, a deferred
   * doctor with no forward or clip hook left. It may then be taken whole with no `beforeUpdate`, as the bare trainer
   * takes it, and observed once it has ended (observeStep): the update leaves the loss, the clip and the gradient
   * statistics the series records as the clip event left them. On a step whose update is measured, the parameters
   * are copied here: nothing before the update changes them, so they are the ones its update starts from. The row
   * the step goes to is marked as no step's: a generated step writes it (Trainer.recordInto), another leaves the mark.
   */
  observeAfter(): boolean {
    if (this.quiet > 0) return true; // (its row's loss is marked already: beQuiet)
    return this.observeAfterSlowly();
  }

  /**
   * observeAfter at a step that is not quiet. Its own function, as observeStep's: the quiet steps' few lines are
   * then small enough to be inlined where they are called.
   */
  private observeAfterSlowly(): boolean {
    if (this.afterOk !== true) return false;
    const t = this.trainer,
      series = this.series;
    const sampling = (this.sampling = this.sampled(t.step));
    if (sampling) copyRanges(t.model.params, this.previous!, this.ranges);
    if (series !== null) series.rows[series.length * series.stride + LOSS] = NaN;
    return true;
  }

  /** What a step taken whole shows the rules, observed after it (only where observeAfter said so before it). */
  observeStep(): void {
    if (this.quiet > 0) {
      this.quiet--;
      this.steps++;
      this.countStep(this.series!);
      return;
    }
    this.observeStepSlowly();
  }

  /** observeStep at a step that is not quiet (see observeAfterSlowly). */
  private observeStepSlowly(): void {
    const t = this.trainer,
      series = this.series;
    // (=== true: a field's boolean is otherwise tested as any value would be, at every step.)
    if (this.sampling === true || this.quietUpdate !== true) {
      // Its update measured (from the parameters observeAfter copied), or a hook reads an unmeasured one: its row as
      // its clip event leaves it (recordClip: written, not closed), which updated() closes.
      if (series) {
        this.countStep(series);
        series.length--;
        series.open = true;
      }
      this.updated();
      // The steps after a measured burst are as quiet as those after the first unmeasured step.
      this.beQuiet(this.quietAhead());
      return;
    }
    // No hook reads the update: what updated() does then, with the step recorded in one call.
    this.at = AT_UPDATE;
    this.steps++;
    if (series) {
      this.countStep(series);
      if (series.length === series.capacity) this.flush();
    }
    if (t.epochs.length !== this.epochs) this.epochEnded();
    this.beQuiet(this.quietAhead());
  }

  /**
   * Adds the step just taken to the series: a generated step wrote its loss, gradient statistics and (without
   * clipping) its norms into its row (Trainer.recordInto; the loss observeAfter set to NaN there is then the step's
   * finite one), so only its step, and its clip norms if clipped, are left to write; another step is recorded whole.
   */
  private countStep(series: StepSeries): void {
    const t = this.trainer,
      k = series.length,
      r = series.rows,
      o = k * series.stride;
    r[o + STEP] = t.step - 1;
    series.length = k + 1;
    const loss = r[o + LOSS];
    // (x !== x: NaN; === true: a field's boolean is otherwise tested as any value would be, at every step.)
    if (loss !== loss || series.norms !== true) this.recordAgain(series, k);
  }

  /** Step k of the series recorded whole from the trainer (see countStep). */
  private recordAgain(series: StepSeries, k: number): void {
    series.length = k;
    series.recordStep(this.trainer, this.trainer.step - 1);
  }

  /**
   * How many steps from the next one on need nothing but counting (see `quiet`), from what observeStep would find
   * at each: deferred with no hook reading the update, none measured (the rest of the sampling period after its
   * burst), the series' slots before its last (whose step flushes it), and no epoch hook or pending hit left (lists
   * that only ever shrink). Any other observation sets it to 0 (updated, refresh, setThresholds, flush).
   */
  private quietAhead(): number {
    const series = this.series;
    if (series === null || !this.afterOk || !this.quietUpdate || this.onEpoch.fns.length || this.pendingFns.length)
      return 0;
    const next = this.trainer.step,
      room = series.capacity - 1 - series.length;
    if (this.stats === null) return room;
    if (this.sampled(next)) return 0;
    return Math.max(0, Math.min(room, this.periodEnd - next));
  }

  /**
   * Makes the next `n` steps quiet (see `quiet`), marking their rows' loss as no step's at once (see observeAfter):
   * a generated step overwrites the mark, another leaves it (countStep). Once per quiet run, not at every step: the
   * mark cost a tiny network's quiet step a tenth of what the doctor added to it. Only their steps write those rows
   * while the run lasts: a step recorded otherwise (at its clip event, recordClip) ends at its update event, which
   * ends the run (updated), as flush, refresh and setThresholds do.
   */
  private beQuiet(n: number): void {
    this.quiet = n;
    if (n <= 0) return;
    const s = this.series!,
      r = s.rows,
      stride = s.stride;
    for (let k = 0, o = s.length * stride + LOSS; k < n; k++, o += stride) r[o] = NaN;
  }

  /**
   * What a step's events before its update show the rules, observed at once in a step taken whole, as
   * `Trainer.advanceStep`'s `beforeUpdate` (the state its clip event leaves; see canObserveWhole): the forward
   * hooks of every node in order, then the clip hooks (and, on a step whose update is measured, the parameters
   * before it are copied). `halt`, asked after each event's hooks, may end the observation after that event (a
   * debug session stops there: the events after it are then observed one by one); returns false when it did.
   */
  readonly observeClipped = (halt?: () => boolean): boolean => {
    const f = this.forward;
    for (let i = 0; i < f.length; i++)
      if (f[i].fns.length) {
        this.forwarded(i);
        if (halt?.()) return false;
      }
    this.clipped();
    return !halt?.();
  };

  /** What a step's update event shows the rules (and its epoch's end), after a step taken whole. */
  observeUpdated(): void {
    this.updated();
  }

  /**
   * The forward hooks of every node in order: what a step taken whole that failed (a NonFiniteError at its loss or
   * clip event, both after its forward pass) showed the rules before it failed.
   */
  observeForwardPass(): void {
    const f = this.forward;
    for (let i = 0; i < f.length; i++) if (f[i].fns.length) this.forwarded(i);
  }

  private forwarded(layer: number): void {
    this.at = layer;
    const s = this.forward[layer];
    for (let k = 0; k < s.fns.length; k++) if (s.fns[k](s.ctxs[k], layer) === false) this.drop([s], s.ids[k--]);
  }

  private clipped(): void {
    this.at = AT_CLIP;
    const series = this.series,
      deferred = this.deferred;
    series?.recordClip(this.trainer);
    const s = deferred ? this.onClipNow : this.onClip;
    for (let k = 0; k < s.fns.length; k++) if (s.fns[k](s.ctxs[k]) === false) this.drop(this.lists, s.ids[k--]);
    if (series && !deferred) series.clipSeen = series.length + 1;
    const sampling = (this.sampling = this.sampled(this.trainer.step));
    if (sampling) copyRanges(this.trainer.model.params, this.previous!, this.ranges);
  }

  /** Removes rule `id` from `lists` (its hook returned false) and updates what the lists decide (refresh). */
  private drop(lists: readonly Subscribers<unknown>[], id: number): void {
    unsubscribe(lists, id);
    this.refresh();
  }

  /** Recomputes noForward, afterOk and quietUpdate from the lists and `deferred`. */
  private refresh(): void {
    this.quiet = 0;
    this.noForward = this.forward.every((f) => f.fns.length === 0);
    this.afterOk = this.deferred && this.noForward && this.onClipNow.fns.length === 0;
    this.quietUpdate = this.deferred && this.onUnmeasuredUpdateNow.fns.length === 0;
    this.wholeOk = this.oneMicroBatch || this.noForward;
  }

  /** Whether the update of step `step` is measured (false when no rule asked for the measurements). */
  private sampled(step: number): boolean {
    if (this.stats === null) return false;
    // step % updateSamplePeriod < unchangedSteps, with a division only once per period (it costs as much as the rest).
    if (step < this.periodStart || step >= this.periodEnd) {
      const th = this.thresholds,
        start = step - (step % th.updateSamplePeriod);
      this.periodStart = start;
      this.periodEnd = start + th.updateSamplePeriod;
      this.burstEnd = start + Math.max(1, th.unchangedSteps);
    }
    return step < this.burstEnd;
  }

  private updated(): void {
    this.quiet = 0;
    this.at = AT_UPDATE;
    this.steps++;
    const stats = this.sampling ? this.stats : null;
    if (stats) {
      measureUpdate(this.trainer.model.params, this.previous!, this.ranges, stats, this.thresholds);
      stats.consecutive = this.lastSampled === this.trainer.step - 2;
      this.lastSampled = this.trainer.step - 1;
      this.sampledSteps++;
      if (!stats.consecutive) this.bursts++;
    }
    const series = this.series,
      deferred = this.deferred;
    series?.closeStep(this.trainer);
    // The rules in catalogue order either way: when two hit in one event, the first one's filter stops.
    const s = deferred
      ? stats
        ? this.onUpdateNow
        : this.onUnmeasuredUpdateNow
      : stats
        ? this.onUpdate
        : this.onUnmeasuredUpdate;
    for (let k = 0; k < s.fns.length; k++) if (s.fns[k](s.ctxs[k], stats) === false) this.drop(this.lists, s.ids[k--]);
    if (series) {
      if (!deferred) {
        series.updateSeen = series.length;
        series.compact();
      } else if (series.length === series.capacity) this.flush();
    }
    if (this.trainer.epochs.length !== this.epochs) this.epochEnded();
  }

  /**
   * Hands the steps recorded since the series rules last looked to them, in step order (every clip event's numbers
   * first, to the rules that read them, then every update event's): the hits each rule would have reported at the
   * steps' events, now. Deferred observation calls it every `batchSteps` steps; it is called before thresholds
   * change, before findings are read, and before hits must be told as they happen again (setDeferred).
   */
  flush(): void {
    const series = this.series;
    if (!series) return;
    this.quiet = 0;
    this.at = AT_NONE;
    const clipTo = series.length + (series.open ? 1 : 0);
    if (series.clipSeen < clipTo) {
      const s = this.clipSeries;
      for (let k = 0; k < s.fns.length; k++)
        if (s.fns[k](s.ctxs[k], series, series.clipSeen, clipTo) === false) this.drop(this.lists, s.ids[k--]);
      series.clipSeen = clipTo;
    }
    if (series.updateSeen < series.length) {
      const s = this.updateSeries;
      for (let k = 0; k < s.fns.length; k++)
        if (s.fns[k](s.ctxs[k], series, series.updateSeen, series.length) === false) this.drop(this.lists, s.ids[k--]);
      series.updateSeen = series.length;
    }
    series.compact();
  }

  /**
   * Whether the series rules look at each step at its own event (false: the hits come as they happen, which a debug
   * session's exception filters stop on) or at many recorded steps at once, later (true: the same hits, for much
   * less per step; what a run does while no filter can stop). Turning it off flushes the recorded steps first.
   */
  setDeferred(deferred: boolean): void {
    if (!deferred) this.flush();
    this.deferred = deferred;
    this.refresh();
  }

  /**
   * Whether the hits, and the pending ones, are told to the listener from now on (muted: not; a debug session
   * without a doctor filter, which would not stop on them). Muted, a rule's hit that only adds to its tally's counts
   * is folded without being built (RuleContext.repeat).
   */
  muteHits(muted: boolean): void {
    this.heard = !muted && this.onHit !== undefined;
  }

  private epochEnded(): void {
    this.epochs = this.trainer.epochs.length;
    const e = this.onEpoch,
      fns = this.pendingFns;
    if (e.fns.length === 0 && fns.length === 0) return; // (a tiny network ends an epoch every few steps)
    for (let k = 0; k < e.fns.length; k++) if (e.fns[k](e.ctxs[k]) === false) unsubscribe([e], e.ids[k--]);
    for (let k = 0; k < fns.length; k++) {
      const h = fns[k]();
      if (h) {
        if (this.heard) this.onHit!(this.pendingIds[k], h, AT_UPDATE);
      } else if (h === false) {
        fns.splice(k, 1);
        this.pendingIds.splice(k--, 1);
      }
    }
  }

  /**
   * Changes thresholds from the next check on (a debug session's settings or filter conditions changed).
   */
  setThresholds(t: Partial<DoctorThresholds>): void {
    this.flush(); // the recorded steps were taken under the thresholds before (and quiet is 0)
    this.periodStart = 0;
    this.periodEnd = -1;
    Object.assign(this.thresholds as { -readonly [K in keyof DoctorThresholds]: number }, t);
  }

  /**
   * Records a non-finite value that stopped the run, as a `nan` finding on the layer where it appeared, or where
   * `origin` (the replay of debugger/nanOrigin.ts) says it first appeared.
   */
  observeError(e: NonFiniteError, origin?: { readonly node: number; readonly text: string }): void {
    this.flush();
    const rule = this.rules.find((r) => r.id === 'nan') ?? { id: 'nan' as const };
    this.at = AT_NONE;
    this.record(rule, {
      anchor: {
        kind: 'layer',
        node: Math.max(0, Math.min(origin?.node ?? e.layer, this.trainer.model.nodes.length - 1)),
      },
      step: e.step,
      measured: NaN,
      threshold: 0,
      excess: 1,
      message: () => (origin ? `non-finite value: ${origin.text} (${e.message})` : `non-finite value: ${e.message}`),
    });
  }

  /** The findings so far, in source order; ends partial windows once. */
  findings(): Finding[] {
    this.flush();
    this.at = AT_NONE;
    if (!this.finished) {
      this.finished = true;
      this.rules.forEach((r, k) => r.finish?.(this.ctxs[k]));
    }
    const th = this.thresholds,
      perStep = this.steps;
    return this.tallies.findings(th, (per) =>
      per === 'window'
        ? Math.ceil(perStep / th.window)
        : per === 'sampled'
          ? this.sampledSteps
          : per === 'burst'
            ? this.bursts
            : perStep,
    );
  }

  /** A hit, told to the listener (with the event whose hooks run) and folded. */
  private record(rule: Rule, h: Hit): void {
    if (this.heard) this.onHit!(rule.id, h, this.at);
    this.tallies.record(rule, h);
  }
}

type ClipHook = (ctx: RuleContext) => boolean | void;
type UpdateHook = (ctx: RuleContext, stats: UpdateStats | null) => boolean | void;
type SeriesHook = (ctx: RuleContext, series: StepSeries, from: number, to: number) => boolean | void;

/** The rule ids, for documentation and tests. */
export type { RuleId };
