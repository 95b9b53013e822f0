// The training doctor inside a run: it observes each event once (events replayed after Step Back or a rewind are
// not counted twice), keeps the findings a Train or debug run ends with, and turns the hits of the rules whose
// exception filter is enabled into stops — the filters of the doctor's catalogue stop where its own rules hold.
// Steps the run loop takes whole are observed whole (Doctor.observeClipped): their hits wait for the events that
// would have reported them, which the run loop then performs one by one from the step's start.

import { anchorPosition, AT_CLIP, AT_UPDATE, Doctor } from '../engine/doctor/doctor';
import type { DoctorThresholds } from '../engine/doctor/thresholds';
import type { Finding, Hit, RuleId } from '../engine/doctor/types';
import type { NonFiniteError, Trainer, TrainerEvent } from '../engine/runtime/trainer';
import { EXCEPTION_FILTERS, type ExceptionFilter, type ExceptionFilterId } from './protocol';
import type { ExceptionHit } from './stopRules';

/** The doctor of one run and the stops its enabled filters ask for. */
export class DoctorStops {
  private readonly doctor: Doctor;
  /** The trainer's event index after the last event observed: events at or below it are replays. */
  private seen = 0;
  /** The enabled filters the doctor decides, by the rule they stop on. */
  private readonly enabled = new Map<RuleId, ExceptionFilterId>();
  /** The first hit of an enabled filter's rule during the event being observed. */
  private hit: ExceptionHit | null = null;
  /**
   * While a step is observed whole: its first event's index (else -1), and the first hit of an enabled filter per
   * event of it (HitListener's `at`), in the order they came.
   */
  private wholeFrom = -1;
  private readonly wholeHits: { readonly at: number; readonly hit: ExceptionHit }[] = [];
  /** Hits found in a step observed whole, by the event index after which they stop (see observe). */
  private readonly queued = new Map<number, ExceptionHit>();

  constructor(
    private readonly trainer: Trainer,
    source: string,
    thresholds?: DoctorThresholds,
  ) {
    this.doctor = new Doctor(trainer, { source, thresholds, onHit: (rule, h, at) => this.onHit(rule, h, at) });
  }

  /** Which filters are enabled; those of the doctor's rules stop from the next event on. */
  setFilters(filters: readonly ExceptionFilter[]): void {
    this.enabled.clear();
    for (const f of filters) {
      const def = EXCEPTION_FILTERS[f.id];
      if (def.by === 'doctor') this.enabled.set(def.rule, f.id);
    }
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
      if (this.queued.size === 0) return null;
      const q = this.queued.get(index) ?? null;
      this.queued.delete(index);
      return q;
    }
    this.seen = index;
    this.queued.clear(); // (past events only)
    this.doctor.observe(ev);
    const hit = this.hit;
    this.hit = null;
    return hit;
  }

  /**
   * True when the step about to start can be taken whole with the doctor observing it so (Doctor.canObserveWhole):
   * a step not observed yet, at its start (a replayed one goes event by event, observing nothing again).
   */
  get canTakeWhole(): boolean {
    const t = this.trainer;
    return t.atStepStart && t.eventIndex >= this.seen && this.doctor.canObserveWhole;
  }

  /**
   * Trains the step about to start whole (`Trainer.advanceStep`; only where canTakeWhole), observing it as its events
   * would have been; false when training is finished. When an enabled filter hit in it (stopsWaiting), its stops
   * wait for their events (observe), which the run loop performs again from the step's start. A NonFiniteError
   * leaves the step unobserved: the run loop performs it again event by event, or calls observeFailedStep.
   */
  advanceStep(): boolean {
    const t = this.trainer,
      from = t.eventIndex;
    this.queued.clear();
    this.wholeHits.length = 0;
    this.wholeFrom = from;
    try {
      if (!t.advanceStep(this.doctor.observeClipped)) return false;
      this.doctor.observeUpdated();
    } finally {
      this.wholeFrom = -1;
    }
    const end = (this.seen = t.eventIndex);
    // The event index after each hit's event: forward events first in the step (one micro-batch: see
    // canObserveWhole), the clip and update events last.
    for (const { at, hit } of this.wholeHits)
      this.queued.set(at === AT_UPDATE ? end : at === AT_CLIP ? end - 1 : from + at + 1, hit);
    this.wholeHits.length = 0;
    return true;
  }

  /** True when the step just taken whole (advanceStep) has stops waiting for its events. */
  get stopsWaiting(): boolean {
    return this.queued.size > 0;
  }

  /**
   * What the events of a step taken whole that failed (a NonFiniteError at its loss or clip event) showed the
   * doctor before the failure, when that step is not performed again: its forward pass.
   */
  observeFailedStep(): void {
    const t = this.trainer;
    this.seen = t.eventIndex;
    this.doctor.observeForwardPass();
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
    const filter = this.enabled.get(rule);
    if (!filter) return;
    if (this.wholeFrom >= 0) {
      // The first hit per event, as when each event is observed on its own.
      if (!this.wholeHits.some((w) => w.at === at)) this.wholeHits.push({ at, hit: this.describe(rule, filter, h) });
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
