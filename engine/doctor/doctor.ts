// The training doctor (Doctor): the observer of observer.ts, with the steps it can observe whole taken here, and the
// quiet ones (nothing to observe but their row) taken in a few lines or a run at a time.

import { anchorPosition } from './anchors';
import { AT_CLIP, AT_NONE, AT_UPDATE, type HitListener } from './hooks';
import { copyRanges } from './measures';
import { DoctorObserver } from './observer';
import { LOSS, STEP, type StepSeries } from './series';
import type { RuleId } from './types';

export { anchorPosition, AT_CLIP, AT_NONE, AT_UPDATE, DoctorObserver };
export type { HitListener };
export type { DoctorOptions } from './types';

/** Watches one trainer's run and says what went wrong and where. */
export class Doctor extends DoctorObserver {
  /** The next step of a quiet run whose update is measured (see quietAhead), -1 when none is. */
  private measureStep = -1;

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
      // marked by the step before: beQuiet).
      const t = this.trainer,
        measuring = t.step === this.measureStep;
      if (measuring) copyRanges(t.model.params, this.previous!, this.ranges);
      if (!t.advanceStep()) return false;
      this.quiet--;
      this.steps++;
      this.countQuietStep(this.series!);
      if (measuring) this.logQuietly();
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
      // The slot of the next step whose update is measured (see measureStep), -1 for none: compared with `k`.
      measureAt = this.measureStep < 0 ? -1 : k + this.measureStep - t.step;
    try {
      while (done < n) {
        const e = t.epoch,
          measuring = k === measureAt;
        if (measuring) copyRanges(t.model.params, this.previous!, this.ranges);
        if (!t.advanceStep()) break;
        // countStep's lines, with the series' fields in locals (the generated step reads `length`, so it moves).
        const o = k * stride;
        rows[o + STEP] = t.step - 1;
        s.length = k + 1;
        const loss = rows[o + LOSS];
        rows[o + stride + LOSS] = NaN; // the next row's mark (see beQuiet)
        if (loss !== loss || norms !== true) this.recordAgain(s, k);
        if (measuring) measureAt = this.logQuietly() < 0 ? -1 : k + 1 + this.measureStep - t.step;
        k++;
        done++;
        epoch = e;
      }
    } finally {
      this.quiet -= done;
      this.steps += done;
      this.quietEpoch = epoch;
      // (A quiet step starts at a step's start, so it takes all of the step's events.)
      if (done > 0) this.quietEvents = t.eventsPerStep;
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
    if (this.quiet > 0) {
      // (Its row's loss is marked already: beQuiet.)
      if (this.trainer.step === this.measureStep) copyRanges(this.trainer.model.params, this.previous!, this.ranges);
      return true;
    }
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
      this.countQuietStep(this.series!);
      if (this.trainer.step - 1 === this.measureStep) this.logQuietly();
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

  /** countStep at a quiet step, marking the next row as beQuiet marked this one's (it is within the series). */
  private countQuietStep(series: StepSeries): void {
    this.countStep(series);
    series.rows[series.length * series.stride + LOSS] = NaN;
  }

  /** Step k of the series recorded whole from the trainer (see countStep). */
  private recordAgain(series: StepSeries, k: number): void {
    series.length = k;
    series.recordStep(this.trainer, this.trainer.step - 1);
  }

  /**
   * How many steps from the next one on need nothing but counting, and at a measured one its update measured into
   * the log (see `quiet`), from what observeStep would find at each: deferred with no hook reading an unmeasured
   * update, the series' slots before its last (whose step flushes it), and no epoch hook or pending hit left (lists
   * that only ever shrink). Sets measureStep. Any other observation sets it to 0 (updated, refresh, setThresholds,
   * flush).
   */
  private quietAhead(): number {
    const series = this.series;
    if (series === null || !this.afterOk || !this.quietUpdate || this.onEpoch.fns.length || this.pendingFns.length)
      return 0;
    this.measureStep = this.nextMeasured(this.trainer.step);
    return series.capacity - 1 - series.length;
  }

  /**
   * At the end of a quiet step whose update is measured (measureStep, its parameters before it copied): measures it
   * into the log, for the rules to read at the next flush, and returns the next step to measure (measureStep).
   */
  private logQuietly(): number {
    this.measured();
    return (this.measureStep = this.nextMeasured(this.trainer.step));
  }

  /**
   * Makes the next `n` steps quiet (see `quiet`), marking the first one's row's loss as no step's (see observeAfter):
   * a generated step overwrites the mark, another leaves it (countStep). Each quiet step marks the row after its own
   * (countQuietStep, takeQuietSteps), one store among those it makes anyway: marking the run's rows here in a loop
   * cost N1 13 instructions a step more (the loop checks the array's map at every row). The row after a run's last
   * step is within the series (quietAhead leaves its last slot), and unused until a step writes it. Only their steps
   * write those rows while the run lasts: a step recorded otherwise (at its clip event, recordClip) ends at its update
   * event, which ends the run (updated), as flush, refresh and setThresholds do.
   */
  private beQuiet(n: number): void {
    this.quiet = n;
    if (n <= 0) return;
    const s = this.series!;
    s.rows[s.length * s.stride + LOSS] = NaN;
  }
}

/** The rule ids, for documentation and tests. */
export type { RuleId };
