// The training doctor's observation event by event: the rules' hooks per event (hooks.ts), the steps recorded for the
// series rules and looked at in batches (flush), the measured updates, and the hits folded into findings.

import type { NonFiniteError, Trainer, TrainerEvent } from '../runtime/trainer';
import {
  AT_CLIP,
  AT_NONE,
  AT_UPDATE,
  hookLists,
  type ClipHook,
  type HitListener,
  type LogHook,
  type SeriesHook,
  type UpdateHook,
} from './hooks';
import { copyRanges, measureUpdate, updateMeasures } from './measures';
import { RULES } from './rules';
import { nonFiniteHit } from './rules/nonFinite';
import { StepSeries } from './series';
import { Tallies } from './tallies';
import type { UpdateLog } from './updateLog';
import { unsubscribe, type Subscribers } from './subscribers';
import { DEFAULT_THRESHOLDS, type DoctorThresholds } from './thresholds';
import type { Anchor, DoctorOptions, Finding, Hit, Rule, RuleContext, RuleId } from './types';

/**
 * Watches one trainer's run event by event and says what went wrong and where; Doctor (doctor.ts) adds the steps
 * taken whole.
 */
export class DoctorObserver {
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
  /**
   * The same lists without the series rules and the rules reading measured updates: what a deferred step calls (see
   * setDeferred).
   */
  private readonly onClipNow: Subscribers<ClipHook>;
  private readonly onUpdateNow: Subscribers<UpdateHook>;
  /** The rules reading measured updates, which a deferred doctor hands its log at a flush. */
  private readonly updateLog: Subscribers<LogHook>;
  /** The series rules' hooks, called over the recorded steps (flush). */
  private readonly clipSeries: Subscribers<SeriesHook>;
  private readonly updateSeries: Subscribers<SeriesHook>;
  /** Every list of the clip and update events, for unsubscribing. */
  private readonly lists: readonly Subscribers<unknown>[];
  /** The steps recorded for the series rules (null when no rule reads them), and whether they wait for a flush. */
  protected readonly series: StepSeries | null;
  private deferred: boolean;
  /**
   * The epoch hooks with their contexts, and the rules with a pending hit to offer after each epoch (to the hit
   * listener) with their ids and hooks: flat arrays, because a tiny network ends an epoch every few steps.
   */
  protected readonly onEpoch: Subscribers<(ctx: RuleContext) => boolean | void>;
  private readonly pendingIds: RuleId[];
  protected readonly pendingFns: (() => Hit | null | false)[];
  private readonly onHit: HitListener | undefined;
  /** Whether the listener hears the hits (see muteHits). */
  private heard: boolean;
  /**
   * The parameters before a measured step's update, and the measured updates the rules have not read yet, when a
   * rule asked (needsUpdates): a doctor that is not deferred hands each to them at its step's update event, a
   * deferred one at the next flush (which comes before the log fills: it holds as many entries as the series, and
   * each logged step fills a slot of the series too, or flushes when full without a series).
   */
  protected readonly previous: Float32Array | null;
  protected readonly log: UpdateLog | null;
  /** Where the weight matrices of `log` sit in the parameters (matrixRanges). */
  protected readonly ranges: Int32Array;
  protected epochs: number;
  private finished = false;
  /** The event whose hooks run (see HitListener). */
  protected at = AT_NONE;
  /** True when no forward hook is left (see observeAfter). */
  private noForward = false;
  /**
   * What observeAfter and observeStep ask at every step, kept as the lists and `deferred` change (refresh): a
   * deferred doctor with no forward or clip hook left, and one with no hook reading an unmeasured update either.
   */
  protected afterOk = false;
  protected quietUpdate = false;
  /** True when every step has one micro-batch: its activations at the step's end are its forward pass's. */
  private readonly oneMicroBatch: boolean;
  /** canObserveWhole, kept as the forward lists change (refresh): the run loop asks it before every step. */
  protected wholeOk = false;
  /** Whether this step's update is measured; the last step measured; how many, and in how many bursts. */
  protected sampling = false;
  /**
   * The sampling period of the last step observed, [periodStart, periodEnd), and the end of its measured burst
   * (empty: to be found). Whole numbers: a step is then told from them by two comparisons of integers.
   */
  private periodStart = 0;
  private periodEnd = -1;
  private burstEnd = 0;
  private lastSampled = -2;
  /**
   * Per weight matrix, 1 while it has been unchanged at every measured step of the burst so far ([log.width]), and
   * whether any is: the burst's next step is measured only then (see sampled).
   */
  private stillInBurst: Uint8Array | null = null;
  private burstGoesOn = false;
  private sampledSteps = 0;
  private bursts = 0;
  /**
   * Steps from the next one on that observeAfter and observeStep only count, and log the update of a measured one
   * (see quietAhead): each, deferred with no hook to call at it, with a slot left before the series' last, and no
   * epoch hook or pending hit left.
   */
  protected quiet = 0;
  /** The epoch at the start of the last step takeQuietSteps completed, and its events. */
  quietEpoch = 0;
  quietEvents = 0;

  constructor(
    readonly trainer: Trainer,
    options: DoctorOptions = {},
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
    // The steps recorded and the updates measured before a deferred doctor hands them to the rules (flush).
    const batch = Math.max(1, options.batchSteps ?? 1024);
    const series = (this.series = rules.some((r) => r.clipSeries || r.updateSeries)
      ? new StepSeries(trainer, batch)
      : null);
    this.deferred = options.deferred ?? !options.onHit;
    // The generated whole steps write their numbers into the series themselves (see observeStep).
    if (series) trainer.recordInto(series);
    const measures = updateMeasures(
      trainer,
      rules.some((r) => r.needsUpdates),
      batch,
    );
    this.previous = measures.previous;
    this.log = measures.log;
    this.ranges = measures.ranges;
    const h = hookLists(trainer, rules, this.ctxs, series, this.log);
    this.forward = h.forward;
    this.onClip = h.onClip;
    this.onUpdate = h.onUpdate;
    this.onUnmeasuredUpdate = h.onUnmeasuredUpdate;
    this.onClipNow = h.onClipNow;
    this.onUpdateNow = h.onUpdateNow;
    this.updateLog = h.updateLog;
    this.clipSeries = h.clipSeries;
    this.updateSeries = h.updateSeries;
    this.lists = h.lists;
    this.onEpoch = h.onEpoch;
    const withPending = options.onHit ? rules.filter((r) => r.pending) : [];
    this.pendingIds = withPending.map((r) => r.id);
    this.pendingFns = withPending.map((r) => r.pending!);
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
    this.quietUpdate = this.deferred && this.onUpdateNow.fns.length === 0;
    this.wholeOk = this.oneMicroBatch || this.noForward;
  }

  /**
   * Whether the update of step `step` is measured (false when no rule asked for the measurements): the first step of
   * each period's burst (step % updateSamplePeriod < unchangedSteps) that the doctor sees, and the burst's steps after
   * it while some weight matrix has stayed unchanged at every one measured before. unchanged-weights, the one rule
   * reading consecutive steps, hits only on a matrix unchanged at every step of a burst, so it misses nothing, and a
   * run that learns pays one measured step a period, not a burst's. Where bursts touch (a period no longer than a
   * burst), streaks run across them, so every step is measured.
   */
  protected sampled(step: number): boolean {
    if (this.log === null) return false;
    // step % updateSamplePeriod, with a division only once per period (it costs as much as the rest).
    if (step < this.periodStart || step >= this.periodEnd) {
      const th = this.thresholds,
        start = step - (step % th.updateSamplePeriod);
      this.periodStart = start;
      this.periodEnd = start + th.updateSamplePeriod;
      this.burstEnd = start + Math.max(1, th.unchangedSteps);
    }
    return (
      step < this.burstEnd &&
      (this.lastSampled < this.periodStart ||
        (this.lastSampled === step - 1 && this.burstGoesOn) ||
        this.burstEnd >= this.periodEnd)
    );
  }

  /** The first step from `step` on whose update is measured (see sampled); -1 when no rule asked. */
  protected nextMeasured(step: number): number {
    if (!this.sampled(step)) return this.log === null ? -1 : this.periodEnd;
    return step;
  }

  /**
   * Measures the update the trainer's last step made (its parameters before it copied by copyRanges) into a new
   * entry of the log (which must not be full), and counts it.
   */
  protected measured(): void {
    const log = this.log!,
      step = this.trainer.step - 1,
      consecutive = this.lastSampled === step - 1;
    measureUpdate(this.trainer.model.params, this.previous!, this.ranges, log, this.thresholds);
    // (A burst that reaches into the next period, where bursts touch, starts that period too.)
    const first = !consecutive || step % this.thresholds.updateSamplePeriod === 0;
    log.steps[log.length] = step;
    log.consecutive[log.length] = consecutive ? 1 : 0;
    log.firstOfPeriod[log.length] = first ? 1 : 0;
    // Which matrices have been unchanged at every step of the burst so far, and so whether it goes on (sampled).
    const w = log.width,
      still = (this.stillInBurst ??= new Uint8Array(w)),
      flags = log.unchanged;
    let any = 0;
    for (let k = 0, o = log.length * w; k < w; k++) any |= still[k] = flags[o + k] & (consecutive ? still[k] : 1);
    this.burstGoesOn = any !== 0;
    log.length++;
    this.lastSampled = step;
    if (first) this.sampledSteps++;
    if (!consecutive) this.bursts++;
  }

  protected updated(): void {
    this.quiet = 0;
    this.at = AT_UPDATE;
    this.steps++;
    const log = this.log,
      measuring = this.sampling && log !== null;
    if (measuring) this.measured();
    const series = this.series,
      deferred = this.deferred;
    series?.closeStep(this.trainer);
    // Not deferred, the rules in catalogue order: when two hit in one event, the first one's filter stops. Deferred,
    // the rules reading measured updates read them at the next flush, with the series rules.
    const s = deferred ? this.onUpdateNow : measuring ? this.onUpdate : this.onUnmeasuredUpdate;
    for (let k = 0; k < s.fns.length; k++) if (s.fns[k](s.ctxs[k]) === false) this.drop(this.lists, s.ids[k--]);
    if (!deferred) {
      log?.clear();
      if (series) {
        series.updateSeen = series.length;
        series.compact();
      }
    } else if (series ? series.length === series.capacity : log !== null && log.length === log.capacity) this.flush();
    if (this.trainer.epochs.length !== this.epochs) this.epochEnded();
  }

  /**
   * Hands the steps recorded since the series rules last looked to them, in step order (every clip event's numbers
   * first, to the rules that read them, then every update event's), then the updates logged since to the rules that
   * read measured updates: the hits each rule would have reported at the steps' events, now. Deferred observation
   * calls it every `batchSteps` steps; it is called before thresholds change, before findings are read, and before
   * hits must be told as they happen again (setDeferred).
   */
  flush(): void {
    this.quiet = 0;
    this.at = AT_NONE;
    const series = this.series;
    if (series) this.flushSeries(series);
    const log = this.log;
    if (log !== null && log.length > 0) {
      const s = this.updateLog;
      for (let k = 0; k < s.fns.length; k++)
        if (s.fns[k](s.ctxs[k], log, 0, log.length) === false) this.drop(this.lists, s.ids[k--]);
      log.clear();
    }
    series?.compact();
  }

  /** The series hooks over the steps recorded since they last looked (flush). */
  private flushSeries(series: StepSeries): void {
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

  protected epochEnded(): void {
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
    this.record(rule, nonFiniteHit(e, this.trainer.model.nodes.length, origin));
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
