// The training doctor inside a run: it observes each event once (events replayed after Step Back or a rewind are
// not counted twice), keeps the findings a Train or debug run ends with, and turns the hits of the rules whose
// exception filter is enabled into stops — the filters of the doctor's catalogue stop where its own rules hold.
// Steps the run loop takes whole are observed whole (Doctor.observeClipped), up to the event where a filter stops:
// the run loop then takes the step again event by event, and the events after that one are observed one by one.

import { anchorPosition, AT_CLIP, AT_UPDATE, Doctor } from '../engine/doctor/doctor';
import type { DoctorThresholds } from '../engine/doctor/thresholds';
import type { Finding, Hit, RuleId } from '../engine/doctor/types';
import type { NonFiniteError, Trainer, TrainerEvent } from '../engine/runtime/trainer';
import { EXCEPTION_FILTERS, type ExceptionFilter, type ExceptionFilterId } from './protocol';
import type { ExceptionHit, StopRules } from './stopRules';

/** The doctor of one run and the stops its enabled filters ask for. */
export class DoctorStops {
  private readonly doctor: Doctor;
  /** The trainer's event index after the last event observed: events at or below it are replays. */
  private seen = 0;
  /**
   * The event index from which a step may be taken whole (canTakeWhole): `seen` while the doctor can observe whole
   * steps, else never. Kept wherever `seen` or the doctor's hooks change, so that the run loop asks it with one
   * comparison: a getter of more lines was not inlined there (V8 inlines a getter outright only when it is tiny), and
   * its call cost N1 41 instructions a step (callgrind), 0.6 % of the bare step's.
   */
  private wholeFrom = 0;
  /** The enabled filters the doctor decides, by the rule they stop on. */
  private readonly enabled = new Map<RuleId, ExceptionFilterId>();
  /** The first hit of an enabled filter's rule during the event being observed. */
  private hit: ExceptionHit | null = null;
  /** While a step is observed whole: true, and the first hit of an enabled filter in it with its event (`at`). */
  private observingWhole = false;
  private wholeHit: ExceptionHit | null = null;
  private wholeAt = 0;
  /** The run loop's breakpoints and filters while a step is taken whole (see advanceStep). */
  private rules: StopRules | null = null;
  /** What the step taken whole left: observed at all, observed to its end, to be taken again (advanceStep). */
  private observedSome = false;
  private observedAll = false;
  private again = false;
  /** The stop the last step observed whole found, waiting for its event to be performed again (observe). */
  private waiting: { readonly index: number; readonly hit: ExceptionHit } | null = null;
  /** Trainer.advanceStep's `beforeUpdate` (see advanceStep), and when the observation halts: made once. */
  private readonly beforeUpdate = (): void => {
    if (this.rules !== null && this.rules.stepHit(this.trainer)) return; // its events will be observed
    this.observedSome = true;
    this.observedAll = this.doctor.observeClipped(this.halt);
  };
  private readonly halt = (): boolean => this.wholeHit !== null;

  constructor(
    private readonly trainer: Trainer,
    source: string,
    thresholds?: DoctorThresholds,
  ) {
    // No filter enabled yet: the series rules look at the steps in batches until one is (setFilters).
    this.doctor = new Doctor(trainer, {
      source,
      thresholds,
      onHit: (rule, h, at) => this.onHit(rule, h, at),
      deferred: true,
    });
    this.doctor.muteHits(true); // (onHit would ignore them all)
    this.saw(0);
  }

  /** Which filters are enabled; those of the doctor's rules stop from the next event on. */
  setFilters(filters: readonly ExceptionFilter[]): void {
    // The steps recorded so far were taken under the filters before: their hits are not stops.
    this.doctor.flush();
    this.enabled.clear();
    for (const f of filters) {
      const def = EXCEPTION_FILTERS[f.id];
      if (def.by === 'doctor') this.enabled.set(def.rule, f.id);
    }
    // Hits must come as they happen only where a filter can stop on them.
    this.doctor.setDeferred(this.enabled.size === 0);
    this.doctor.muteHits(this.enabled.size === 0);
  }

  /** New thresholds for the rules' next checks. */
  setThresholds(thresholds: DoctorThresholds): void {
    this.doctor.setThresholds(thresholds);
  }

  /** True when some filter of the doctor's may stop (the run loop asks after each event only then). */
  get stopping(): boolean {
    return this.enabled.size > 0;
  }

  /**
   * Feeds the event the trainer has just performed, unless it was observed before (a replay); returns the stop an
   * enabled filter asks for after it, or null. A replayed event returns, once, the stop that observing its step
   * whole found at it (advanceStep): the run loop performs such a step again event by event to stop there.
   */
  observe(ev: TrainerEvent): ExceptionHit | null {
    const index = this.trainer.eventIndex;
    if (index <= this.seen) {
      const w = this.waiting;
      if (w === null || w.index !== index) return null;
      this.waiting = null;
      return w.hit;
    }
    this.seen = index;
    this.waiting = null; // (an event before this one)
    this.doctor.observe(ev);
    this.saw(index); // (its forward hooks may have left, which lets steps be observed whole)
    const hit = this.hit;
    this.hit = null;
    return hit;
  }

  /**
   * Asked at a step's start: true when that step can be taken whole with the doctor observing it so
   * (Doctor.canObserveWhole): a step not observed yet (a replayed one goes event by event, observing nothing again).
   */
  get canTakeWhole(): boolean {
    return this.trainer.eventIndex >= this.wholeFrom;
  }

  /** The events up to `index` observed (see `seen`), and what that and the doctor's hooks leave of canTakeWhole. */
  private saw(index: number): void {
    this.seen = index;
    this.wholeFrom = this.doctor.canObserveWhole === true ? index : Infinity; // (=== true: see Doctor.observeStep)
  }

  /**
   * Trains the step about to start whole (`Trainer.advanceStep`; only where canTakeWhole), observing it as its events
   * would; false when training is finished. Observes nothing when `rules` (the run loop's breakpoints and filters)
   * may stop inside it (StopRules.stepHit, decided from the state its clip event leaves, which the update does not
   * change), and only up to the event where an enabled filter of the doctor's stops: then the step is to be taken
   * again event by event (takeAgain), whose events up to that one are replays, that one stops, and those after it
   * are observed one by one, all as if every event had been. A NonFiniteError leaves the step unobserved: the run
   * loop takes it again event by event, or calls observeFailedStep.
   */
  advanceStep(rules: StopRules | null): boolean {
    if (rules === null && this.enabled.size === 0) {
      // Nothing can stop inside the step: observed whole to its end, with nothing to halt on or take again.
      this.waiting = null;
      this.again = false;
      if (!this.doctor.takeStep()) return false;
      this.saw(this.trainer.eventIndex);
      return true;
    }
    return this.advanceWatched(rules);
  }

  /**
   * Takes up to `max` quiet steps of the doctor's whole (Doctor.takeQuietSteps): what advanceStep(null) does at
   * each, for a run loop that has nothing of its own to do between them (no history to record, no breakpoint or
   * filter of its own). Returns the steps taken, 0 where advanceStep is to take the next one; quietEpoch and
   * quietEvents describe the last of them.
   */
  takeQuietSteps(max: number): number {
    if (this.enabled.size !== 0) return 0;
    const n = this.doctor.takeQuietSteps(max);
    if (n > 0) {
      this.waiting = null;
      this.again = false;
      this.saw(this.trainer.eventIndex);
    }
    return n;
  }

  /** The epoch at the start of the last step takeQuietSteps took, and its events. */
  get quietEpoch(): number {
    return this.doctor.quietEpoch;
  }
  get quietEvents(): number {
    return this.doctor.quietEvents;
  }

  /**
   * advanceStep where `rules` or an enabled filter may stop inside the step. Its own function, so that advanceStep,
   * which the run loop inlines, is the few lines a step with nothing to stop on runs.
   */
  private advanceWatched(rules: StopRules | null): boolean {
    const t = this.trainer,
      from = t.eventIndex;
    this.waiting = this.wholeHit = null;
    this.observedSome = this.observedAll = this.again = false;
    this.rules = rules;
    this.observingWhole = true;
    try {
      if (!t.advanceStep(this.beforeUpdate)) return false;
      if (this.observedAll) this.doctor.observeUpdated();
    } finally {
      this.observingWhole = false;
      this.rules = null;
    }
    const hit = this.wholeHit,
      end = t.eventIndex;
    if (!this.observedSome) this.again = true;
    else if (hit === null) this.saw(end);
    else {
      // The event index after the hit's event: forward events first in the step (one micro-batch: see
      // canObserveWhole), the clip and update events last.
      const at = this.wholeAt,
        index = at === AT_UPDATE ? end : at === AT_CLIP ? end - 1 : from + at + 1;
      this.saw(index);
      this.waiting = { index, hit };
      this.again = true;
    }
    this.wholeHit = null;
    return true;
  }

  /** True when the step just taken whole (advanceStep) is to be taken again event by event: a stop may be inside. */
  get takeAgain(): boolean {
    return this.again;
  }

  /**
   * What the events of a step taken whole that failed (a NonFiniteError at its loss or clip event) showed the
   * doctor before the failure, when that step is not taken again: its forward pass.
   */
  observeFailedStep(): void {
    this.seen = this.trainer.eventIndex;
    this.doctor.observeForwardPass();
    this.saw(this.trainer.eventIndex);
  }

  /** Records the non-finite value that ended the run, where `origin` says it appeared when known. */
  observeError(e: NonFiniteError, origin: { readonly node: number; readonly text: string } | null): void {
    this.doctor.observeError(e, origin ?? undefined);
  }

  /** The findings so far. */
  findings(): Finding[] {
    return this.doctor.findings();
  }

  private onHit(rule: RuleId, h: Hit, at: number): void {
    if (this.enabled.size === 0) return; // (a run without filters: update-ratio may hit every measured step)
    const filter = this.enabled.get(rule);
    if (!filter) return;
    if (this.observingWhole) {
      // The first one: the observation halts after its event (the others of that event are observed, not stops).
      if (this.wholeHit === null) {
        this.wholeHit = this.describe(rule, filter, h);
        this.wholeAt = at;
      }
      return;
    }
    if (!this.hit) this.hit = this.describe(rule, filter, h);
  }

  /** The stop of an enabled filter's hit. */
  private describe(rule: RuleId, filter: ExceptionFilterId, h: Hit): ExceptionHit {
    const t = this.trainer,
      text = h.message();
    // The rule's own sentence (it names the layer and the numbers), then the rule and where it sits.
    const said = `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
    if (h.anchor.kind === 'layer') {
      const node = h.anchor.node;
      return { filter, node, description: `${said} [${rule}, layer '${t.model.nodes[node].name}']` };
    }
    const line = anchorPosition(t.spec, t, h.anchor).line + 1;
    return {
      filter,
      node: -1,
      at: { line, layerName: h.anchor.kind },
      description: `${said} [${rule}, ${h.anchor.kind} line ${line}]`,
    };
  }
}
