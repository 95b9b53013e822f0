// The run loop of a training run (TrainingRun): trains in time-sliced chunks at full speed, whole steps where nothing
// can stop inside them, and stops on breakpoints, exception filters, steps and pauses.

import { History } from '../engine/runtime/history';
import { NonFiniteError, Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { StopRules, WATCH_BREAKPOINTS, WATCH_FILTERS, type ExceptionHit } from './stopRules';
import { gotoNotice, isStepStart } from './gotoStep';
import { PROGRESS_MS } from './runProgress';
import { locate } from './runLocation';
import { RunState, type StepMode } from './runState';

/** The update event that ends a step taken whole: `events` of it ran, `L` nodes (its last micro-batch's index). */
function wholeUpdate(step: number, epoch: number, events: number, L: number): TrainerEvent {
  return { phase: 'update', layer: -1, step, epoch, micro: (events - 2) / (2 * L + 1) - 1 };
}

/** Milliseconds of training between yields to the message loop (bounds Pause latency). */
const SLICE_MS = 10;
/** Wanted milliseconds between two reads of the clock in the run loop (Pause is noticed at the next read). */
const CLOCK_READ_MS = 1;
/**
 * Longest step, in ms as the run loop measures it, that it takes whole (`Trainer.advanceStep`) when nothing can stop
 * inside it: a Pause then waits for the step's end, so half of the 50 ms a Pause may take. Longer steps go event by
 * event, which costs a large network's step ~10 % more CPU (N5's on two threads: ~17 ms of wall time whole, ~20 ms
 * event by event; at 8 ms it went event by event, in Train and in debug sessions alike).
 */
const WHOLE_STEP_MS = 25;
/**
 * Work of a step (≈ 6 · parameters · batch) below which it is taken whole from the first slice, before it has been
 * measured: the first slice of events would otherwise cost a tiny network ~10 ms at half speed.
 */
export const TINY_STEP_FLOPS = 1e6;

/** The run loop of a training run, over its state (RunState); TrainingRun (trainingRun.ts) handles the messages. */
export class RunLoop extends RunState {
  protected resume(mode: StepMode | null): void {
    if (!this.trainer || this.running || this.disposed || this.replay) return;
    this.running = true;
    this.stepMode = mode;
    this.pauseRequested = false;
    this.ranSinceResume = false;
    this.sub = null;
    this.meter.restart(this.trainer);
    setImmediate(() => this.runSlice());
  }

  private runSlice(): void {
    const t = this.trainer;
    if (!t || !this.running) return;
    // A Pause is handled between slices: stopping here, not after one more slice, saves up to a slice of latency
    // (one event of N5 is ~25 ms). Only once this resume has run an event, so the stop is at a new place.
    if (this.pauseRequested && this.ranSinceResume) return this.stop('pause', this.current);
    this.ranSinceResume = true;
    const deadline = performance.now() + SLICE_MS;
    // Breakpoints, filters and the step mode change only between slices, so decide once whether events are checked.
    const stepping = this.debug && this.stepMode !== null,
      rules = this.debug && this.rules.active && this.stepMode?.kind !== 'toStep' ? this.rules : null;
    const history = this.history,
      doctor = this.doctor;
    // With nothing of the loop's own to do between steps (no history, no breakpoint or filter), the doctor's quiet
    // steps are taken a run at a time (DoctorStops.takeQuietSteps): what the loop does per step, once per run.
    const quiet = doctor !== null && history === null && rules === null ? doctor : null;
    const whole = this.wholeStepsNow(stepping, rules),
      L = t.model.nodes.length,
      firstStep = t.step;
    // What each whole step asks of the rules, decided once here: a tiny step (N1's ~0.7 µs) feels every call.
    const checks = rules?.stepChecks,
      stepBps = checks?.bps === true ? rules : null,
      stepFilters = checks?.filters === true ? rules : null;
    // Where nothing else reads the gradients inside a step taken event by event (no stepping; the exception filters
    // read activations and statistics, conditions only gradients computed already, see EventState, and the doctor's
    // hooks activations at forward events and gradients from the clip event on, after every backward event has
    // written them), its start leaves their zeroing to its backward events (Trainer.advance `unwatched`); a stop, a
    // failure or an edit made again settles them first.
    const unwatched = !stepping;
    /** A step taken again event by event (an exception filter or a NaN in it: its events say where they stop). */
    let redo = -1;
    // The next Set Value to make again on the way (after a rewind to before it): no whole step may pass over it.
    let editAt = history !== null ? history.nextEditAfter(t.eventIndex) : Infinity;
    let last = this.current;
    // After whole steps, `last` is the latest one's update event, built only when needed (wholeUpdate): at step ≥ 0.
    // Plain locals, no closure over them: one would keep them in a heap context, written at every step.
    let wholeStep = -1,
      wholeEpoch = 0,
      wholeEvents = 0;
    // The steps before `quietTo` are quiet (StopRules.quietUntil): asked again only there, or after a step taken again.
    let quietTo = -1;
    // The clock is read every `stride` events (or whole steps): rarely for tiny networks (reading it costs more than
    // an event), every event for large ones (64 events of a 2M-weight network take ~400 ms, and Pause waits for the
    // read).
    let stride = this.clockStride,
      sinceRead = 0,
      lastRead = performance.now();
    const began = lastRead;
    try {
      for (;;) {
        if (++sinceRead >= stride) {
          sinceRead = 0;
          const now = performance.now(),
            took = now - lastRead;
          lastRead = now;
          if (took > CLOCK_READ_MS && stride > 1) stride >>= 1;
          else if (took < CLOCK_READ_MS / 8 && stride < 64) stride <<= 1;
          if (now - this.meter.lastSentAt >= PROGRESS_MS) this.meter.due = true;
          if (now > deadline) break;
        }
        if (history && t.atStepStart) history.record();
        if (
          whole &&
          t.atStepStart &&
          t.step !== redo &&
          t.eventIndex + t.eventsPerStep <= editAt &&
          (doctor === null || doctor.canTakeWhole) &&
          (stepBps === null || t.step < quietTo || (quietTo = stepBps.quietUntil(t.step, t.epoch)) > t.step)
        ) {
          if (quiet !== null) {
            // As many as fit before the clock's next read (see `stride`), which then comes after as many steps. A
            // NonFiniteError ends the run (no history to take its step again); a quiet step has no forward hook, so
            // there is nothing of its events for observeFailedStep to show the doctor.
            const n = quiet.takeQuietSteps(stride - sinceRead);
            if (n > 0) {
              sinceRead += n - 1;
              wholeStep = t.step - 1;
              wholeEpoch = quiet.quietEpoch;
              wholeEvents = quiet.quietEvents;
              if (this.meter.due) this.sendProgress();
              continue;
            }
          }
          // The whole step at once, and its bookkeeping once: nothing could stop inside it, or it is taken again.
          const e0 = t.eventIndex,
            step = t.step,
            epoch = t.epoch;
          let again: boolean;
          try {
            if (doctor !== null) {
              // (!== true: its result, partly a call's, would otherwise be tested as any value would be, every step.)
              if (doctor.advanceStep(rules) !== true) return this.finish(false);
              again = doctor.takeAgain;
            } else {
              if (!t.advanceStep()) return this.finish(false);
              again = stepFilters !== null && stepFilters.stepHit(t);
            }
          } catch (e) {
            if (!(e instanceof NonFiniteError)) throw e;
            if (!history) {
              doctor?.observeFailedStep(); // what its events showed the doctor before the failure
              throw e;
            }
            again = true;
          }
          if (again) {
            // From the step's start again, event by event, to stop (or fail) exactly where the events do.
            last = history!.goTo(e0 - 1);
            wholeStep = -1;
            quietTo = -1;
            redo = step;
            continue;
          }
          if (t.eventIndex === editAt) editAt = this.arriveAtEdit(history!);
          // The step's last event, its update: where a Pause now stops, with the state the events would leave.
          wholeStep = step;
          wholeEpoch = epoch;
          wholeEvents = t.eventIndex - e0;
          if (this.meter.due) this.sendProgress();
          continue;
        }
        const ev = t.advance(false, unwatched && t.eventIndex + t.eventsPerStep <= editAt);
        if (!ev) return this.finish(false);
        if (t.eventIndex === editAt) editAt = this.arriveAtEdit(history!);
        last = ev;
        wholeStep = -1;
        // Each event once: a replay after Step Back is not observed again (and its hits do not stop twice).
        const found = doctor !== null ? doctor.observe(ev) : null;
        if (ev.phase === 'update' && this.meter.due) this.sendProgress();
        const watch = rules !== null ? rules.watches(ev) : 0;
        if ((stepping || watch !== 0 || found !== null) && this.afterEvent(t, ev, watch, found)) return;
      }
    } catch (e) {
      this.current = wholeStep < 0 ? last : wholeUpdate(wholeStep, wholeEpoch, wholeEvents, L);
      return this.fail(e);
    }
    this.clockStride = stride;
    this.current = wholeStep < 0 ? last : wholeUpdate(wholeStep, wholeEpoch, wholeEvents, L);
    const steps = t.step - firstStep;
    this.msPerStep = steps > 0 ? (performance.now() - began) / steps : Infinity;
    if (this.pauseRequested) return this.stop('pause', this.current);
    setImmediate(() => this.runSlice());
  }

  /** Makes again the Set Values made at the trainer's event (the run reached it again); returns the next one's index. */
  protected arriveAtEdit(history: History): number {
    this.trainer!.settleUnwatched(); // the edit finds the gradients as the events show them
    history.arrive();
    this.meter.forgetRatios(); // the weights within this step differ from here on
    return history.nextEditAfter(this.trainer!.eventIndex);
  }

  /**
   * Whether this slice takes whole steps where it can: not while stepping (it looks at every event); with breakpoints
   * or filters only when each step can be decided as a whole (StopRules.quietStep, stepCheckable) and a history can
   * take one again event by event; with the doctor watching, the steps it can observe whole (DoctorStops.canTakeWhole,
   * checked per step), and with its filters on only with that history too; only for steps short enough for Pause.
   */
  private wholeStepsNow(stepping: boolean, rules: StopRules | null): boolean {
    if (this.wholeSteps === 'never' || stepping) return false;
    if (rules && (!this.history || !rules.stepCheckable(this.trainer!.spec.train.accumulate))) return false;
    if (this.doctor?.stopping && !this.history) return false;
    return this.wholeSteps === 'always' || this.msPerStep <= WHOLE_STEP_MS;
  }

  /**
   * Applies breakpoints, exception filters and the step mode after an event; true if it stopped. `found`: what the
   * doctor's filters found after it.
   */
  private afterEvent(t: Trainer, ev: TrainerEvent, watch: number, found: ExceptionHit | null): boolean {
    this.current = ev;
    if (watch & WATCH_BREAKPOINTS) {
      const verdict = this.rules.check(ev, this.scopeOf);
      if (!StopRules.quiet(verdict)) {
        for (const message of verdict.logs) this.post({ kind: 'logpoint', message, line: locate(t, ev).line });
        for (const message of verdict.errors) this.post({ kind: 'logpoint', message, line: locate(t, ev).line });
        if (verdict.stop) {
          this.stop('breakpoint', ev, { ids: verdict.ids });
          return true;
        }
      }
    }
    if (watch & WATCH_FILTERS || found) {
      const hit = (watch & WATCH_FILTERS ? this.rules.checkExceptions(t, ev) : null) ?? found;
      if (hit) {
        this.stop('exception', ev, { exception: hit });
        return true;
      }
    }
    const mode = this.stepMode;
    if (!mode) return false;
    if (mode.kind === 'over' || (mode.kind === 'out' && ev.phase === mode.until)) {
      this.stop('step', ev);
      return true;
    }
    if (mode.kind === 'toStep') {
      if (ev.step !== mode.step || !isStepStart(ev)) return false;
      this.stop('step', ev, { notice: gotoNotice(mode.step + 1) });
      return true;
    }
    if (mode.kind === 'into') {
      const defs = this.subSteps(ev);
      this.sub = defs.length ? { defs, index: 0 } : null;
      this.stop('step', ev);
      return true;
    }
    return false;
  }
}
