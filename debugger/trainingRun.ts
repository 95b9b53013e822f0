// One training run inside the worker: drives the Trainer at full speed in time-sliced chunks, stops on
// breakpoints, exception filters, steps and pauses, and dispatches the host's messages. Rewinding (rewind.ts),
// answering requests (runRequests.ts), progress (runProgress.ts) and locations (runLocation.ts) live beside it.
// Takes a `post` function so it can be tested without a thread.

import type { ExprScope } from '../engine/expr/values';
import { nodeReadFile } from '../engine/data/files';
import { nodeReadWeights } from '../engine/io/weightsFile';
import { parseNnet } from '../engine/language/parser';
import { History, type ReplayProgress } from '../engine/runtime/history';
import { NonFiniteError, Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { onDenseThreadsLog } from '../engine/nn/denseThreads';
import type { BreakpointSpec, HostToWorker, Request, StepKind, StopReason, WorkerToHost } from './protocol';
import { assertNever } from './protocol';
import { summarySearch } from './summaryScope';
import { trainerScope } from './scope';
import { applySetValue } from './setValue';
import { StopRules, WATCH_BREAKPOINTS, WATCH_FILTERS, type ExceptionHit } from './stopRules';
import { subStepsOf, type SubStepDef } from './substeps';
import { wholeStepSearch } from './wholeSearch';
import { gradcheckCall, gradientCheckHere } from './gradientCheckHere';
import { MAX_DETAIL_VALUES } from './layerDetail';
import { nanOrigin, type NanOrigin } from './nanOrigin';
import { DoctorStops } from './doctorStops';
import { ReplayJob, type ReplayOutcome } from './replayJob';
import { passes, type LogLevel } from './log';
import { reverseContinuePlan, stepBackPlan, type RewindPlan, type SubStepPosition } from './rewind';
import { gotoNotice, gotoStepMove, isStepStart, type GotoMove } from './gotoStep';
import { completions, evaluateExpression, layerDetailAt, reply, unknownNames } from './runRequests';
import { emptyProgress, PROGRESS_MS, ProgressMeter } from './runProgress';
import { locate } from './runLocation';
import { failedMessage, refusedMessage, startLog, stoppedMessage, type StopExtra } from './runMessages';

export { MAX_LOSS_POINTS_PER_MESSAGE } from './runProgress';

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
 * inside it: a Pause then waits for the step's end. Longer steps (N5's take ~80 ms) go event by event.
 */
const WHOLE_STEP_MS = 8;
/**
 * Work of a step (≈ 6 · parameters · batch) below which it is taken whole from the first slice, before it has been
 * measured: the first slice of events would otherwise cost a tiny network ~10 ms at half speed.
 */
const TINY_STEP_FLOPS = 1e6;

/** Whether the run loop takes whole steps where nothing can stop inside them: as measured, or (for tests) always or never. */
export type WholeSteps = 'auto' | 'always' | 'never';

type StepMode =
  | { kind: 'over' }
  | { kind: 'into' }
  | { kind: 'out'; until: 'loss' | 'update' }
  /** Go to Step forward: run on to the first event of 0-based `step`, past breakpoints and filters. */
  | { kind: 'toStep'; step: number };

/** Runs one .nnet file; one instance per `start` message. */
export class TrainingRun {
  private trainer: Trainer | null = null;
  private history: History | null = null;
  /** The training doctor, on a run that asked for it; on a debug run it also decides its exception filters. */
  private doctor: DoctorStops | null = null;
  private readonly rules = new StopRules();
  private debug = false;
  private running = false;
  private stepMode: StepMode | null = null;
  private pauseRequested = false;
  /** Whether a slice has run since the last resume (a Pause before that waits for one). */
  private ranSinceResume = false;
  private disposed = false;
  /** The event the current stop shows (null at entry), and the sub-step within it. */
  private current: TrainerEvent | null = null;
  private sub: SubStepPosition | null = null;
  /** What Step Back walks over: sub-steps after Step Into (its inverse), whole events otherwise. */
  private granularity: 'event' | 'substep' = 'event';
  private readonly meter = new ProgressMeter();
  /** Events between clock reads, adapted to the network's speed and kept from slice to slice. */
  private clockStride = 1;
  private liveScope: ExprScope | null = null;
  /** `scope` as a function made once: the rules take it after every event, so no closure per event. */
  private readonly scopeOf = (): ExprScope => this.scope();
  /** Set once the NaN filter has stopped: the failing event cannot run, so the next attempt ends the run. */
  private stoppedOnNaN = false;
  /** Where that NaN appeared (the replay that found it is not repeated when the run then ends). */
  private nanOrigin: NanOrigin | null = null;
  /** A long Step Back or Reverse Continue under way (time-sliced, stopped by Pause). */
  private replay: ReplayJob<unknown> | null = null;
  /** The host's log level: messages below it are not even built. */
  private logLevel: LogLevel | 'off' = 'off';
  /**
   * Milliseconds an optimizer step took in the last slice that finished one (see WHOLE_STEP_MS); before that, 0 for
   * a tiny step (TINY_STEP_FLOPS) and Infinity for the others.
   */
  private msPerStep = Infinity;

  /** Whether Reverse Continue decides recorded steps without replaying them (recordScope.ts); tests compare both. */
  searchByRecord = true;
  /** Whether Reverse Continue replays steps whole where it can decide them at their clip (wholeSearch.ts); likewise. */
  searchWhole = true;

  constructor(
    private readonly post: (msg: WorkerToHost) => void,
    private readonly wholeSteps: WholeSteps = 'auto',
  ) {}

  /** Handles one message from the host. */
  handle(msg: HostToWorker): void {
    switch (msg.kind) {
      case 'start':
        return this.start(msg);
      case 'setBreakpoints':
        this.applyBreakpoints(msg.breakpoints);
        return;
      case 'setExceptionFilters':
        this.rules.setExceptionFilters(msg.filters);
        if (this.debug) this.doctor?.setFilters(msg.filters);
        if (msg.thresholds) this.doctor?.setThresholds(msg.thresholds);
        return;
      case 'continue':
        this.granularity = 'event';
        this.resume(null);
        return;
      case 'step':
        this.step(msg.step);
        return;
      case 'reverseContinue':
        this.reverseContinue();
        return;
      case 'pause':
        if (this.running) this.pauseRequested = true;
        else this.replay?.cancel();
        return;
      case 'stop':
        this.finish(true);
        return;
      case 'evaluate': {
        // `gradcheck(h1)` in the Debug Console is Check Gradients Here on a layer (no argument: the paused one).
        const layer = gradcheckCall(msg.expression);
        if (layer !== undefined)
          return reply(this.post, msg.kind, msg.id, () => ({
            text: gradientCheckHere(this.requirePaused(), layer, this.current).text,
          }));
        return reply(this.post, msg.kind, msg.id, () => evaluateExpression(this.pausedScope(), msg.expression));
      }
      case 'tensor':
        return reply(this.post, msg.kind, msg.id, () => evaluateExpression(this.pausedScope(), msg.path));
      case 'setValue':
        return reply(this.post, msg.kind, msg.id, () => {
          const t = this.requirePaused();
          const edit = applySetValue(t, this.scope(), msg.path, msg.value);
          t.forgetBuffers(); // an edited buffer is no longer what the events computed
          this.meter.forgetRatios(); // nor an edited weight what the update ratios were measured on
          // The future is different now; replays and the run make the edit again wherever they reach this event.
          this.history?.edit(() => {
            edit.apply();
            t.forgetBuffers();
          });
          t.epochs.forgetAhead();
          return { text: edit.text };
        });
      case 'layerDetail':
        return reply(this.post, msg.kind, msg.id, () => ({
          layer: layerDetailAt(
            this.requirePaused(),
            this.history,
            this.current,
            msg.layer,
            msg.step,
            msg.maxValues ?? MAX_DETAIL_VALUES,
          ),
        }));
      case 'checkGradients':
        return reply(this.post, msg.kind, msg.id, () => {
          const gradCheck = gradientCheckHere(this.requirePaused(), msg.layer, this.current);
          return { text: gradCheck.text, gradCheck };
        });
      case 'gotoStep':
        return this.gotoStep(msg);
      case 'completions':
        return reply(this.post, msg.kind, msg.id, () => ({
          items: this.trainer ? completions(this.scope(), msg.text, msg.offset) : [],
        }));
      default:
        assertNever(msg);
    }
  }

  /** Sends a line to the host's log if its level wants it; `message` is a function so unwanted lines cost nothing. */
  private log(level: LogLevel, message: () => string): void {
    if (passes(level, this.logLevel)) this.post({ kind: 'log', level, message: `worker: ${message()}` });
  }

  private start(msg: Extract<HostToWorker, { kind: 'start' }>): void {
    this.logLevel = msg.logLevel ?? 'off';
    const limits = msg.limits;
    const { spec, diagnostics } = parseNnet(msg.source, {
      readFile: nodeReadFile(msg.fileName, msg.dataRoot, limits?.maxCsvBytes),
      readWeights: nodeReadWeights(msg.fileName, msg.dataRoot),
      memoryBudget: limits?.memoryBudget,
    });
    if (!spec) {
      const refused = refusedMessage(diagnostics);
      this.log('warn', () => `refused ${msg.fileName}: ${refused.message}`);
      this.post(refused);
      return;
    }
    // Whether the large products got a helper thread, when the first one asks for it (or why they did not).
    onDenseThreadsLog((message) => this.log('info', () => message));
    const t = (this.trainer = new Trainer(spec));
    this.debug = msg.debug;
    const train = spec.train;
    if (6 * t.model.params.length * train.batch * train.accumulate <= TINY_STEP_FLOPS) this.msPerStep = 0;
    if (msg.debug) this.history = new History(t, msg.historyBytes);
    if (msg.doctor) this.doctor = new DoctorStops(t, msg.source, msg.thresholds);
    for (const [level, message] of startLog(msg, t, this.history)) this.log(level, message);
    this.rules.setNetwork(t.model.nodes);
    this.applyBreakpoints(msg.breakpoints);
    this.rules.setExceptionFilters(msg.exceptionFilters);
    if (msg.debug) this.doctor?.setFilters(msg.exceptionFilters);
    this.post({
      kind: 'started',
      layerNames: t.gradStats().map((g) => g.name),
      parameterCount: t.model.params.length,
      epochs: spec.train.epochs,
    });
    if (msg.stopOnEntry) this.stop('entry', null);
    else this.resume(null);
  }

  /**
   * Applies the breakpoints whose conditions and log messages name only what this network has; each other one is
   * reported (the host marks it unverified with the reason) instead of never firing or failing at every hit.
   */
  private applyBreakpoints(specs: readonly BreakpointSpec[]): void {
    const names = this.trainer ? this.scope().names() : null;
    const usable: BreakpointSpec[] = [];
    for (const b of specs) {
      const problem = names ? unknownNames(b, names) : undefined;
      if (problem) this.post({ kind: 'breakpointProblem', id: b.id, message: problem });
      else usable.push(b);
    }
    this.rules.setBreakpoints(usable);
  }

  private resume(mode: StepMode | null): void {
    if (!this.trainer || this.running || this.disposed || this.replay) return;
    this.running = true;
    this.stepMode = mode;
    this.pauseRequested = false;
    this.ranSinceResume = false;
    this.sub = null;
    this.meter.restart(this.trainer);
    setImmediate(() => this.runSlice());
  }

  private step(kind: StepKind): void {
    if (!this.trainer || this.running || this.disposed || this.replay) return;
    if (kind !== 'back') this.granularity = kind === 'into' ? 'substep' : 'event';
    const sub = this.sub;
    if (kind === 'back') return this.stepBack();
    if (sub && (kind === 'into' || kind === 'over') && sub.index + 1 < sub.defs.length) {
      sub.index++;
      return this.stop('step', this.current);
    }
    if (kind === 'out') {
      const phase = this.current?.phase ?? 'forward';
      return this.resume({ kind: 'out', until: phase === 'forward' ? 'loss' : 'update' });
    }
    this.resume(kind === 'into' ? { kind: 'into' } : { kind: 'over' });
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
  private arriveAtEdit(history: History): number {
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

  private stepBack(): void {
    const t = this.trainer!,
      h = this.history;
    if (this.sub && this.sub.index > 0) {
      this.sub.index--;
      return this.stop('step', this.current);
    }
    if (!h)
      return this.stop('step', this.current, {
        notice: 'Step Back needs a debug session (history is kept only while debugging)',
      });
    if (!this.current) return this.stop('entry', null, { notice: 'Already at the start of training' });
    this.rewind(stepBackPlan(t, h, this.current, this.granularity === 'substep', (ev) => this.subSteps(ev)));
  }

  private reverseContinue(): void {
    const t = this.trainer,
      h = this.history;
    if (!t || !h || this.running || this.replay) return;
    if (!this.current) return this.stop('entry', null, { notice: 'Already at the start of training' });
    const hits = this.rules.mayStopOnReplay
      ? (ev: TrainerEvent) => {
          this.current = ev; // conditions read the replayed event (`step`, `phase`, what is computed yet)
          return this.rules.check(ev, this.scopeOf, false).stop;
        }
      : null;
    const rules = this.rules,
      recorded = this.searchByRecord ? summarySearch(t, rules, h.extremes) : undefined,
      whole = this.searchWhole ? wholeStepSearch(t, rules) : undefined;
    const quiet = (step: number, epoch: number) => rules.quietStep(step, epoch);
    this.rewind(reverseContinuePlan(t, h, t.eventIndex, hits, quiet, recorded, whole));
  }

  /** Go to the first event of a step: replies first (or with why not), then moves there and stops. */
  private gotoStep(msg: Request<'gotoStep'>): void {
    let move: GotoMove;
    try {
      const t = this.requirePaused();
      if (!this.history) throw new Error('going to a step needs a debug session');
      move = gotoStepMove(t, this.history, this.current, msg.step);
    } catch (e) {
      this.post({ kind: 'reply', id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.post({ kind: 'reply', id: msg.id, ok: true, direction: move.kind });
    this.granularity = 'event';
    switch (move.kind) {
      case 'here':
        this.sub = null;
        return this.stop('step', this.current, { notice: gotoNotice(msg.step) });
      case 'back':
        return this.rewind(move.plan);
      case 'forward':
        return this.resume({ kind: 'toStep', step: move.step });
      default:
        assertNever(move);
    }
  }

  /** Runs a rewind's replay and stops where it lands. */
  private rewind<R>(plan: RewindPlan<R>): void {
    this.startReplay(plan.title, plan.replay, (outcome) => {
      const landing = plan.land(outcome);
      if ('error' in landing) return this.fail(landing.error);
      // An edit made within a step changes its weights from its event on: the same step may hold other weights here.
      if (this.history?.edited) this.meter.forgetRatios();
      if (landing.sub !== undefined) this.sub = landing.sub;
      this.stop(landing.reason, landing.ev, landing.notice !== undefined ? { notice: landing.notice } : {});
    });
  }

  /** Runs a replay in time slices, reporting its progress, and hands its outcome to `end` (the replay then is over). */
  private startReplay<R>(
    title: string,
    replay: Generator<ReplayProgress, R>,
    end: (outcome: ReplayOutcome<R>) => void,
  ): void {
    const job: ReplayJob<R> = new ReplayJob(
      replay,
      (p) => this.post({ kind: 'replayProgress', title, done: p.done, total: p.total, step: p.event.step }),
      (outcome) => {
        this.replay = null;
        try {
          end(outcome);
        } catch (e) {
          this.fail(e);
        }
      },
    );
    this.replay = job as ReplayJob<unknown>;
    job.start();
  }

  private stop(reason: StopReason, ev: TrainerEvent | null, extra: StopExtra = {}): void {
    const t = this.trainer!;
    t.settleUnwatched(); // what the stop shows, and what requests read and edit while paused
    this.running = false;
    this.stepMode = null;
    this.pauseRequested = false;
    this.current = ev;
    if (reason !== 'step') this.sub = null;
    this.post(stoppedMessage(t, reason, ev, this.sub, this.meter.progress(t), extra));
  }

  private subSteps(ev: TrainerEvent): SubStepDef[] {
    const t = this.trainer!;
    const node = ev.layer >= 0 ? t.model.nodes[ev.layer] : null;
    return subStepsOf(node, ev.phase, t.fusedOutput, ev.layer === t.model.nodes.length - 1);
  }

  /** One scope per run: it reads the trainer and the current event live, so conditions allocate no scope per check. */
  private scope(): ExprScope {
    if (!this.liveScope) {
      this.liveScope = trainerScope(this.trainer!, () => this.current);
    }
    return this.liveScope;
  }

  private requirePaused(): Trainer {
    if (!this.trainer) throw new Error('training has not started');
    if (this.replay) throw new Error('rewinding: values can be read and changed once it has stopped (Pause stops it)');
    if (this.running) throw new Error('pause first: values can be read and changed only while paused');
    return this.trainer;
  }

  /** The scope, for requests that read values: only while paused. */
  private pausedScope(): ExprScope {
    this.requirePaused();
    return this.scope();
  }

  private sendProgress(): void {
    this.meter.due = false;
    this.meter.lastSentAt = performance.now();
    this.post({ kind: 'progress', progress: this.meter.progress(this.trainer!, true) });
  }

  private finish(stopped: boolean): void {
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

  private fail(e: unknown): void {
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
