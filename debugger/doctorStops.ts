// The training doctor inside a run: it observes each event once (events replayed after Step Back or a rewind are
// not counted twice), keeps the findings a Train or debug run ends with, and turns the hits of the rules whose
// exception filter is enabled into stops — the filters of the doctor's catalogue stop where its own rules hold.

import { anchorPosition, Doctor } from '../engine/doctor/doctor';
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

  constructor(
    private readonly trainer: Trainer,
    source: string,
    thresholds?: DoctorThresholds,
  ) {
    this.doctor = new Doctor(trainer, { source, thresholds, onHit: (rule, h) => this.onHit(rule, h) });
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
   * enabled filter asks for after it, or null.
   */
  observe(ev: TrainerEvent): ExceptionHit | null {
    const index = this.trainer.eventIndex;
    if (index <= this.seen) return null;
    this.seen = index;
    this.doctor.observe(ev);
    const hit = this.hit;
    this.hit = null;
    return hit;
  }

  /** Records the non-finite value that ended the run, where `origin` says it appeared when known. */
  observeError(e: NonFiniteError, origin: { readonly node: number; readonly text: string } | null): void {
    this.doctor.observeError(e, origin ?? undefined);
  }

  /** The findings so far. */
  findings(): Finding[] {
    return this.doctor.findings();
  }

  private onHit(rule: RuleId, h: Hit): void {
    const filter = this.enabled.get(rule);
    if (!filter || this.hit) return;
    const t = this.trainer,
      text = h.message();
    // The rule's own sentence (it names the layer and the numbers), then the rule and where it sits.
    const said = `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
    if (h.anchor.kind === 'layer') {
      const node = h.anchor.node;
      this.hit = { filter, node, description: `${said} [${rule}, layer '${t.model.nodes[node].name}']` };
      return;
    }
    const line = anchorPosition(t.spec, t, h.anchor).line + 1;
    this.hit = {
      filter,
      node: -1,
      at: { line, layerName: h.anchor.kind },
      description: `${said} [${rule}, ${h.anchor.kind} line ${line}]`,
    };
  }
}
