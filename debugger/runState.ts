// The state of one training run in the worker (TrainingRun), and what every part of it does with that state: stop,
// log, report progress, finish or fail. The run loop (runLoop.ts) and the message handling (trainingRun.ts) build on it.

import type { ExprScope } from '../engine/expr/values';
import { History } from '../engine/runtime/history';
import { NonFiniteError, Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import type { StopReason, WorkerToHost } from './protocol';
import { trainerScope } from './scope';
import { StopRules } from './stopRules';
import { subStepsOf, type SubStepDef } from './substeps';
import { nanOrigin, type NanOrigin } from './nanOrigin';
import { DoctorStops } from './doctorStops';
import { ReplayJob } from './replayJob';
import { passes, type LogLevel } from './log';
import type { SubStepPosition } from './rewind';
import { emptyProgress, ProgressMeter } from './runProgress';
import { failedMessage, stoppedMessage, type StopExtra } from './runMessages';

/** Whether the run loop takes whole steps where nothing can stop inside them: as measured, or (for tests) always or never. */
export type WholeSteps = 'auto' | 'always' | 'never';

/** What a resumed run stops at besides breakpoints and filters (null: nothing else). */
export type StepMode =
  | { kind: 'over' }
  | { kind: 'into' }
  | { kind: 'out'; until: 'loss' | 'update' }
  /** Go to Step forward: run on to the first event of 0-based `step`, past breakpoints and filters. */
  | { kind: 'toStep'; step: number };

/** One run's state and its stop, progress and end; TrainingRun (trainingRun.ts) is the whole run. */
export class RunState {
  protected trainer: Trainer | null = null;
  protected history: History | null = null;
  /** The training doctor, on a run that asked for it; on a debug run it also decides its exception filters. */
  protected doctor: DoctorStops | null = null;
  protected readonly rules = new StopRules();
  protected debug = false;
  protected running = false;
  protected stepMode: StepMode | null = null;
  protected pauseRequested = false;
  /** Whether a slice has run since the last resume (a Pause before that waits for one). */
  protected ranSinceResume = false;
  protected disposed = false;
  /** The event the current stop shows (null at entry), and the sub-step within it. */
  protected current: TrainerEvent | null = null;
  protected sub: SubStepPosition | null = null;
  /** What Step Back walks over: sub-steps after Step Into (its inverse), whole events otherwise. */
  protected granularity: 'event' | 'substep' = 'event';
  protected readonly meter = new ProgressMeter();
  /** Events between clock reads, adapted to the network's speed and kept from slice to slice. */
  protected clockStride = 1;
  protected liveScope: ExprScope | null = null;
  /** `scope` as a function made once: the rules take it after every event, so no closure per event. */
  protected readonly scopeOf = (): ExprScope => this.scope();
  /** Set once the NaN filter has stopped: the failing event cannot run, so the next attempt ends the run. */
  protected stoppedOnNaN = false;
  /** Where that NaN appeared (the replay that found it is not repeated when the run then ends). */
  protected nanOrigin: NanOrigin | null = null;
  /** A long Step Back or Reverse Continue under way (time-sliced, stopped by Pause). */
  protected replay: ReplayJob<unknown> | null = null;
  /** The host's log level: messages below it are not even built. */
  protected logLevel: LogLevel | 'off' = 'off';
  /**
   * Milliseconds an optimizer step took in the last slice that finished one (see WHOLE_STEP_MS); before that, 0 for
   * a tiny step (TINY_STEP_FLOPS) and Infinity for the others.
   */
  protected msPerStep = Infinity;

  /** Whether Reverse Continue decides recorded steps without replaying them (recordScope.ts); tests compare both. */
  searchByRecord = true;
  /** Whether Reverse Continue replays steps whole where it can decide them at their clip (wholeSearch.ts); likewise. */
  searchWhole = true;

  constructor(
    protected readonly post: (msg: WorkerToHost) => void,
    protected readonly wholeSteps: WholeSteps = 'auto',
  ) {}

  /** Sends a line to the host's log if its level wants it; `message` is a function so unwanted lines cost nothing. */
  protected log(level: LogLevel, message: () => string): void {
    if (passes(level, this.logLevel)) this.post({ kind: 'log', level, message: `worker: ${message()}` });
  }

  protected stop(reason: StopReason, ev: TrainerEvent | null, extra: StopExtra = {}): void {
    const t = this.trainer!;
    t.settleUnwatched(); // what the stop shows, and what requests read and edit while paused
    this.running = false;
    this.stepMode = null;
    this.pauseRequested = false;
    this.current = ev;
    if (reason !== 'step') this.sub = null;
    this.post(stoppedMessage(t, reason, ev, this.sub, this.meter.progress(t), extra));
  }

  protected subSteps(ev: TrainerEvent): SubStepDef[] {
    const t = this.trainer!;
    const node = ev.layer >= 0 ? t.model.nodes[ev.layer] : null;
    return subStepsOf(node, ev.phase, t.fusedOutput, ev.layer === t.model.nodes.length - 1);
  }

  /** One scope per run: it reads the trainer and the current event live, so conditions allocate no scope per check. */
  protected scope(): ExprScope {
    if (!this.liveScope) {
      this.liveScope = trainerScope(this.trainer!, () => this.current);
    }
    return this.liveScope;
  }

  protected requirePaused(): Trainer {
    if (!this.trainer) throw new Error('training has not started');
    if (this.replay) throw new Error('rewinding: values can be read and changed once it has stopped (Pause stops it)');
    if (this.running) throw new Error('pause first: values can be read and changed only while paused');
    return this.trainer;
  }

  /** The scope, for requests that read values: only while paused. */
  protected pausedScope(): ExprScope {
    this.requirePaused();
    return this.scope();
  }

  protected sendProgress(): void {
    this.meter.due = false;
    this.meter.lastSentAt = performance.now();
    this.post({ kind: 'progress', progress: this.meter.progress(this.trainer!, true) });
  }

  protected finish(stopped: boolean): void {
    if (this.disposed) return;
    this.disposed = true;
    this.replay?.drop();
    this.replay = null;
    this.running = false;
    const t = this.trainer;
    t?.settleUnwatched(); // a finished run can still be inspected
    t?.dispose(); // the helper thread, if any: what remains (inspecting a finished run) runs on one thread
    if (!t) {
      this.post({ kind: 'finished', progress: emptyProgress(), stopped, summary: 'stopped before training began' });
      return;
    }
    const progress = this.meter.progress(t);
    const summary = `${stopped ? 'stopped' : 'finished'} after ${t.step} steps (${t.epoch} epochs), loss ${progress.loss.toPrecision(4)}`;
    this.log('info', () => summary);
    const findings = this.doctor?.findings();
    this.post({ kind: 'finished', progress, stopped, summary, ...(findings ? { findings } : {}) });
  }

  protected fail(e: unknown): void {
    const t = this.trainer!;
    t.settleUnwatched(); // where the failure stops or ends the run, the gradients are as its events left them
    if (e instanceof NonFiniteError && this.debug && this.rules.has('nan') && !this.stoppedOnNaN) {
      // Stay paused where the NaN appeared, so it can be inspected and stepped back from; continuing ends the run.
      this.stoppedOnNaN = true;
      const origin = (this.nanOrigin = this.history ? nanOrigin(t, this.history, e, t.eventIndex) : null);
      this.stop('exception', this.current, {
        exception: {
          filter: 'nan',
          description: origin ? `${origin.text} — ${e.message}` : `NaN or Inf: ${e.message}`,
          node: origin?.node ?? e.layer,
        },
      });
      return;
    }
    this.running = false;
    this.disposed = true;
    t.dispose();
    // The user sees the message; the log keeps where in the worker an internal error came from.
    if (!(e instanceof NonFiniteError))
      this.log(
        'error',
        () => `internal error at step ${t.step + 1}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
    const doctor = this.doctor;
    if (!doctor) return this.post(failedMessage(t, e));
    // The doctor's `nan` finding comes with the error, at the sub-step where the value appeared when it is known.
    if (e instanceof NonFiniteError)
      doctor.observeError(
        e,
        this.stoppedOnNaN ? this.nanOrigin : this.history ? nanOrigin(t, this.history, e, t.eventIndex) : null,
      );
    this.post({ ...failedMessage(t, e), findings: doctor.findings() });
  }
}
