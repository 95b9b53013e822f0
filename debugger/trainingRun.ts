// One training run inside the worker: dispatches the host's messages (start, steps, Step Back, Reverse Continue, Go to
// Step, requests) over the run loop (runLoop.ts) and the run's state (runState.ts). Rewinding (rewind.ts), answering
// requests (runRequests.ts), progress (runProgress.ts) and locations (runLocation.ts) live beside it.
// Takes a `post` function so it can be tested without a thread.

import { nodeReadFile } from '../engine/data/files';
import { nodeReadWeights } from '../engine/io/weightsFile';
import { parseNnet } from '../engine/language/parser';
import { History, type ReplayProgress } from '../engine/runtime/history';
import { Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { onDenseThreadsLog } from '../engine/nn/denseThreads';
import type { BreakpointSpec, HostToWorker, Request, StepKind } from './protocol';
import { assertNever } from './protocol';
import { summarySearch } from './summaryScope';
import { applySetValue } from './setValue';
import { wholeStepSearch } from './wholeSearch';
import { gradcheckCall, gradientCheckHere } from './gradientCheckHere';
import { MAX_DETAIL_VALUES } from './layerDetail';
import { DoctorStops } from './doctorStops';
import { ReplayJob, type ReplayOutcome } from './replayJob';
import { reverseContinuePlan, stepBackPlan, type RewindPlan } from './rewind';
import { gotoNotice, gotoStepMove, type GotoMove } from './gotoStep';
import { completions, evaluateExpression, layerDetailAt, reply, unknownNames } from './runRequests';
import { refusedMessage, startLog } from './runMessages';
import { RunLoop, TINY_STEP_FLOPS } from './runLoop';

export { MAX_LOSS_POINTS_PER_MESSAGE } from './runProgress';

export type { WholeSteps } from './runState';

/** Runs one .nnet file; one instance per `start` message. */
export class TrainingRun extends RunLoop {
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
}
