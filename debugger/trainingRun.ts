// One training run inside the worker: drives the Trainer at full speed in time-sliced chunks, stops on
// breakpoints, exception filters, steps and pauses, rewinds through history, answers expression requests, and
// reports progress. Takes a `post` function so it can be tested without a thread.

import { completionItems } from '../engine/expr/completions';
import { checkNames, evaluate } from '../engine/expr/evaluate';
import { formatValue } from '../engine/expr/format';
import { isTensor, type ExprScope } from '../engine/expr/values';
import { nodeReadFile } from '../engine/data/files';
import { parseNnet } from '../engine/language/parser';
import { EventState, nodeLabel } from '../engine/runtime/eventState';
import { History, RewindError, type ReplayProgress } from '../engine/runtime/history';
import { Doctor } from '../engine/doctor/doctor';
import { NonFiniteError, Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import type {
  BreakpointSpec,
  CompletionTarget,
  HostToWorker,
  LayerDetail,
  LossPoint,
  Progress,
  RuntimeLocation,
  StepKind,
  StopReason,
  TensorSnapshot,
  WorkerToHost,
} from './protocol';
import { assertNever } from './protocol';
import { trainerScope } from './scope';
import { applySetValue } from './setValue';
import { StopRules, WATCH_BREAKPOINTS, WATCH_FILTERS, type ExceptionHit } from './stopRules';
import { networkSummary, stopTensors, trainingScalars } from './stopView';
import { subStepsOf, type SubStepDef } from './substeps';
import { findNode, layerDetail, MAX_DETAIL_VALUES } from './layerDetail';
import { ReplayJob, type ReplayOutcome } from './replayJob';
import { passes, type LogLevel } from './log';

/** Milliseconds of training between yields to the message loop (bounds Pause latency). */
const SLICE_MS = 10;
/** Wanted milliseconds between two reads of the clock in the run loop (Pause is noticed at the next read). */
const CLOCK_READ_MS = 1;
/**
 * Minimum milliseconds between progress messages. Each one reaches the workbench twice (a DAP event, then the view)
 * with up to 256 loss points: at 10 per second a fast debug session kept code-server's workbench seconds behind, so
 * that a Pause showed up only after a lag; 4 per second keeps the views live and the workbench current.
 */
const PROGRESS_MS = 250;
/** Most loss points in one progress message (a debug session carries them over DAP as JSON, ten times a second). */
export const MAX_LOSS_POINTS_PER_MESSAGE = 256;
/** Largest tensor sent whole in a reply (entries). */
const MAX_REPLY_TENSOR = 1 << 20;

type StepMode = { kind: 'over' } | { kind: 'into' } | { kind: 'out'; until: 'loss' | 'update' };

/** Runs one .nnet file; one instance per `start` message. */
export class TrainingRun {
  private trainer: Trainer | null = null;
  private history: History | null = null;
  /** The training doctor, on a Train run that asked for it. */
  private doctor: Doctor | null = null;
  private readonly rules = new StopRules();
  private debug = false;
  private running = false;
  private stepMode: StepMode | null = null;
  private pauseRequested = false;
  private disposed = false;
  /** The event the current stop shows (null at entry), and the sub-step within it. */
  private current: TrainerEvent | null = null;
  private sub: { defs: SubStepDef[]; index: number } | null = null;
  /** What Step Back walks over: sub-steps after Step Into (its inverse), whole events otherwise. */
  private granularity: 'event' | 'substep' = 'event';
  private lastProgressAt = 0;
  private lossSent = 0;
  private startedAt = 0;
  private stepsAtStart = 0;
  private progressDue = false;
  /** Events between clock reads, adapted to the network's speed and kept from slice to slice. */
  private clockStride = 1;
  private liveScope: ExprScope | null = null;
  /** `scope` as a function made once: the rules take it after every event, so no closure per event. */
  private readonly scopeOf = (): ExprScope => this.scope();
  /** Set once the NaN filter has stopped: the failing event cannot run, so the next attempt ends the run. */
  private stoppedOnNaN = false;
  /** A long Step Back or Reverse Continue under way (time-sliced, stopped by Pause). */
  private replay: ReplayJob<unknown> | null = null;
  /** The host's log level: messages below it are not even built. */
  private logLevel: LogLevel | 'off' = 'off';

  constructor(private readonly post: (msg: WorkerToHost) => void) {}

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
      case 'evaluate':
        return this.reply(msg.id, () => this.evaluate(msg.expression));
      case 'tensor':
        return this.reply(msg.id, () => this.evaluate(msg.path));
      case 'setValue':
        return this.reply(msg.id, () => {
          const t = this.requirePaused();
          const text = applySetValue(t, this.scope(), msg.path, msg.value);
          this.history?.truncateAfter(t.eventIndex); // the future is different now
          t.epochs.forgetAhead();
          return { text };
        });
      case 'layerDetail':
        return this.reply(msg.id, () => ({ text: '', layer: this.layerDetail(msg.layer, msg.step, msg.maxValues) }));
      case 'completions':
        return this.reply(msg.id, () => ({
          text: '',
          items: this.trainer
            ? completionItems(msg.text, msg.offset, this.scope()).map(({ label, start, length, type }) => ({
                label,
                start,
                length,
                type,
              }))
            : [],
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
      memoryBudget: limits?.memoryBudget,
    });
    if (!spec) {
      const first = diagnostics.find((d) => d.severity === 'error');
      this.log(
        'warn',
        () =>
          `refused ${msg.fileName}: ${first ? `line ${first.range.line + 1}: ${first.message}` : 'the file has errors'}`,
      );
      this.post({
        kind: 'error',
        message: first ? `line ${first.range.line + 1}: ${first.message}` : 'the file has errors',
        line: (first?.range.line ?? -1) + 1,
        step: null,
        layerName: null,
      });
      return;
    }
    const t = (this.trainer = new Trainer(spec));
    this.debug = msg.debug;
    if (msg.debug) this.history = new History(t, msg.historyBytes);
    else if (msg.doctor) this.doctor = new Doctor(t, { source: msg.source });
    this.log(
      'info',
      () =>
        `${msg.debug ? 'debugging' : 'training'} ${msg.fileName}: ${t.model.nodes.length} nodes, ${t.model.params.length} parameters, ${spec.train.epochs} epochs of batch ${spec.train.batch}`,
    );
    const h = this.history;
    if (h)
      this.log(
        'debug',
        () =>
          `rewind history: ${h.capacity} checkpoints within ${(msg.historyBytes / 1048576).toFixed(0)} MB, one every ${h.interval} steps`,
      );
    if (msg.exceptionFilters.length)
      this.log(
        'debug',
        () =>
          `exception filters: ${msg.exceptionFilters.map((f) => `${f.id} ${f.threshold}${f.floor !== undefined ? ` (floor ${f.floor})` : ''}`).join(', ')}`,
      );
    this.rules.setNetwork(t.model.nodes);
    this.applyBreakpoints(msg.breakpoints);
    this.rules.setExceptionFilters(msg.exceptionFilters);
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
    this.sub = null;
    this.startedAt = performance.now();
    this.stepsAtStart = this.trainer.step;
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
    const deadline = performance.now() + SLICE_MS;
    // Breakpoints, filters and the step mode change only between slices, so decide once whether events are checked.
    const stepping = this.debug && this.stepMode !== null,
      rules = this.debug && this.rules.active ? this.rules : null;
    const history = this.history,
      doctor = this.doctor;
    let last = this.current;
    // The clock is read every `stride` events: rarely for tiny networks (reading it costs more than an event),
    // every event for large ones (64 events of a 2M-weight network take ~400 ms, and Pause waits for the read).
    let stride = this.clockStride,
      sinceRead = 0,
      lastRead = performance.now();
    try {
      for (;;) {
        if (++sinceRead >= stride) {
          sinceRead = 0;
          const now = performance.now(),
            took = now - lastRead;
          lastRead = now;
          if (took > CLOCK_READ_MS && stride > 1) stride >>= 1;
          else if (took < CLOCK_READ_MS / 8 && stride < 64) stride <<= 1;
          if (now - this.lastProgressAt >= PROGRESS_MS) this.progressDue = true;
          if (now > deadline) break;
        }
        if (history && t.atStepStart) history.record();
        const ev = t.advance();
        if (!ev) return this.finish(false);
        last = ev;
        doctor?.observe(ev);
        if (ev.phase === 'update' && this.progressDue) this.sendProgress();
        const watch = rules !== null ? rules.watches(ev) : 0;
        if ((stepping || watch !== 0) && this.afterEvent(t, ev, watch)) return;
      }
    } catch (e) {
      this.current = last;
      return this.fail(e);
    }
    this.clockStride = stride;
    this.current = last;
    if (this.pauseRequested) return this.stop('pause', this.current);
    setImmediate(() => this.runSlice());
  }

  /** Applies breakpoints, exception filters and the step mode after an event; true if it stopped. */
  private afterEvent(t: Trainer, ev: TrainerEvent, watch: number): boolean {
    this.current = ev;
    if (watch & WATCH_BREAKPOINTS) {
      const verdict = this.rules.check(ev, this.scopeOf);
      if (!StopRules.quiet(verdict)) {
        for (const message of verdict.logs) this.post({ kind: 'logpoint', message, line: this.locate(ev).line });
        for (const message of verdict.errors) this.post({ kind: 'logpoint', message, line: this.locate(ev).line });
        if (verdict.stop) {
          this.stop('breakpoint', ev, { ids: verdict.ids });
          return true;
        }
      }
    }
    if (watch & WATCH_FILTERS) {
      const hit = this.rules.checkExceptions(t, ev);
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
    const inside = this.granularity === 'substep',
      from = this.current;
    this.startReplay<TrainerEvent | null>('Step Back', h.replayTo(t.eventIndex - 2), (outcome) => {
      if (outcome.kind === 'cancelled') {
        // Paused on the way: the trainer is just after an earlier event, a consistent place to stop.
        const ev = outcome.at.event;
        return this.stop('pause', ev, {
          notice: `Step Back paused at step ${ev.step + 1}, before reaching the event it was going back to`,
        });
      }
      if (outcome.kind === 'failed') {
        if (!(outcome.error instanceof RewindError)) return this.fail(outcome.error);
        return this.stop('step', from, { notice: outcome.error.message });
      }
      const ev = outcome.result;
      // Stepping back through sub-steps lands on the previous event's last sub-step (Step Into run backwards);
      // otherwise on the whole event. Either way the stop shows only what belongs to where it lands.
      const defs = inside && ev ? this.subSteps(ev) : [];
      this.sub = defs.length ? { defs, index: defs.length - 1 } : null;
      this.stop(ev ? 'step' : 'entry', ev);
    });
  }

  private reverseContinue(): void {
    const t = this.trainer,
      h = this.history;
    if (!t || !h || this.running || this.replay) return;
    if (!this.current) return this.stop('entry', null, { notice: 'Already at the start of training' });
    const now = t.eventIndex;
    const search = h.searchBack(now - 1, (ev) => {
      this.current = ev; // conditions read the replayed event (`step`, `phase`, what is computed yet)
      return this.rules.check(ev, this.scopeOf, false).stop;
    });
    this.startReplay<number | null>('Reverse Continue', search, (outcome) => {
      if (outcome.kind === 'failed') return this.fail(outcome.error);
      if (outcome.kind === 'cancelled') {
        // Paused on the way: stop where the search had found nothing up to where it began (or back there).
        const clear = outcome.at.clearFrom;
        const ev = h.goTo(clear ?? now - 1);
        return this.stop('pause', ev, {
          notice:
            clear === null
              ? 'Reverse Continue paused before it had searched anything: back where it began'
              : `Reverse Continue paused: no breakpoint hit between here (step ${t.step + 1}) and where it began`,
        });
      }
      const found = outcome.result;
      if (found === null) {
        const ev = h.goTo(h.earliestEvent === 0 ? -1 : h.earliestEvent);
        const where = h.earliestEvent === 0 ? 'the start of training' : `the oldest state kept (step ${t.step + 1})`;
        return this.stop(ev ? 'step' : 'entry', ev, { notice: `No earlier breakpoint hit: rewound to ${where}` });
      }
      this.stop('breakpoint', h.goTo(found));
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

  private stop(
    reason: StopReason,
    ev: TrainerEvent | null,
    extra: { ids?: readonly number[]; notice?: string; exception?: ExceptionHit } = {},
  ): void {
    const t = this.trainer!;
    this.running = false;
    this.stepMode = null;
    this.pauseRequested = false;
    this.current = ev;
    if (reason !== 'step') this.sub = null;
    const sub = this.sub;
    const def = sub ? sub.defs[sub.index] : null;
    const state = new EventState(t, ev);
    // An exception points at the layer it is about, whatever event revealed it.
    const location = extra.exception
      ? { ...this.locate(ev), ...this.nodeLocation(extra.exception.node) }
      : this.locate(ev);
    this.post({
      kind: 'stopped',
      reason,
      location,
      progress: this.progress(),
      tensors: stopTensors(t, ev, def),
      scalars: trainingScalars(t, state),
      network: networkSummary(t, state),
      batchPending: { x: state.scalarPending('x'), y: state.scalarPending('y'), yhat: state.scalarPending('yhat') },
      subStep: sub && def ? { index: sub.index, count: sub.defs.length, formula: def.formula } : null,
      exception: extra.exception ? { filter: extra.exception.filter, description: extra.exception.description } : null,
      hitBreakpointIds: extra.ids ?? [],
      notice: extra.notice ?? null,
    });
  }

  private subSteps(ev: TrainerEvent): SubStepDef[] {
    const t = this.trainer!;
    const node = ev.layer >= 0 ? t.model.nodes[ev.layer] : null;
    return subStepsOf(node, ev.phase, t.fusedOutput, ev.layer === t.model.nodes.length - 1);
  }

  private locate(ev: TrainerEvent | null): RuntimeLocation {
    const t = this.trainer!,
      spec = t.spec;
    const e = ev ?? t.peek() ?? { phase: 'forward' as const, layer: 0, step: t.step, epoch: t.epoch, micro: 0 };
    const node = e.layer >= 0 ? t.model.nodes[e.layer] : null;
    const line = node
      ? node.line
      : e.phase === 'loss'
        ? spec.lossRange.line
        : e.phase === 'clip'
          ? spec.train.clipLine >= 0
            ? spec.train.clipLine
            : spec.train.optimizerLine
          : spec.train.optimizerLine;
    return {
      phase: e.phase,
      layer: e.layer,
      layerName: locateName(t, e),
      line: line + 1,
      step: e.step,
      epoch: e.epoch,
    };
  }

  private nodeLocation(i: number): { line: number; layerName: string } {
    const n = this.trainer!.model.nodes[i];
    return { line: n.line + 1, layerName: n.name };
  }

  /** One scope per run: it reads the trainer and the current event live, so conditions allocate no scope per check. */
  private scope(): ExprScope {
    if (!this.liveScope) {
      this.liveScope = trainerScope(this.trainer!, () => this.current);
    }
    return this.liveScope;
  }

  /**
   * A layer as the inspector shows it, now or at an earlier step of the history. An earlier step is replayed from a
   * checkpoint and the run is then put back exactly where it was (replays are bit-identical).
   */
  private layerDetail(layer: string | null, step: number | null, maxValues = MAX_DETAIL_VALUES): LayerDetail {
    const t = this.requirePaused(),
      h = this.history,
      ev = this.current;
    const node = layer !== null ? findNode(t, layer) : ev && ev.layer >= 0 ? ev.layer : 0;
    if (node < 0) throw new Error(`there is no layer named '${layer}'`);
    const liveStep = ev ? ev.step + 1 : t.step + 1;
    const range = h ? { first: h.earliestStep + 1, last: liveStep } : null;
    if (!h || step === null || step >= liveStep)
      return layerDetail(t, node, ev, range && { ...range, step: liveStep, live: true }, maxValues);
    const back = t.eventIndex - 1;
    try {
      // The same moment of the earlier step: this event's phase and layer, or this layer's forward pass from entry.
      const phase = ev?.phase ?? 'forward',
        at = ev ? ev.layer : node;
      const found = h.seekStep(Math.max(step, range!.first) - 1, (e) => e.phase === phase && e.layer === at);
      if (!found) throw new Error(`step ${step} has no ${phase} event to show`);
      return layerDetail(t, node, found, { ...range!, step: found.step + 1, live: false }, maxValues);
    } catch (e) {
      if (e instanceof RewindError) throw new Error(e.message, { cause: e });
      throw e;
    } finally {
      h.goTo(back);
    }
  }

  private requirePaused(): Trainer {
    if (!this.trainer) throw new Error('training has not started');
    if (this.replay) throw new Error('rewinding: values can be read and changed once it has stopped (Pause stops it)');
    if (this.running) throw new Error('pause first: values can be read and changed only while paused');
    return this.trainer;
  }

  private evaluate(expression: string): { text: string; tensor?: TensorSnapshot } {
    this.requirePaused();
    const v = evaluate(expression, this.scope());
    if (!isTensor(v)) return { text: formatValue(v) };
    const n = v.shape.reduce((a, b) => a * b, 1);
    const tensor =
      n <= MAX_REPLY_TENSOR
        ? { name: expression, path: expression, shape: v.shape, values: Float32Array.from(v.data.subarray(0, n)) }
        : undefined;
    return { text: formatValue(v), tensor };
  }

  private reply(
    id: number,
    f: () => { text: string; tensor?: TensorSnapshot; items?: readonly CompletionTarget[]; layer?: LayerDetail },
  ): void {
    try {
      this.post({ kind: 'reply', id, ok: true, ...f() });
    } catch (e) {
      this.post({ kind: 'reply', id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private progress(): Progress {
    const t = this.trainer!;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    // Tiny networks finish thousands of epochs between two messages: send a subset ending at the newest (the views
    // downsample anyway), so neither the worker nor the host builds and clones them all. Each stretch keeps its
    // lowest and highest loss, so a one-epoch spike still reaches the view.
    const points: LossPoint[] = [];
    for (const p of t.epochs.pointsSince(this.lossSent, MAX_LOSS_POINTS_PER_MESSAGE)) {
      points.push({ epoch: p.index + 1, step: t.step, loss: p.loss, valLoss: p.valLoss });
    }
    this.lossSent = t.epochs.length;
    return {
      epoch: t.epoch,
      epochs: t.spec.train.epochs,
      step: t.step,
      loss: t.epochs.last?.loss ?? t.loss,
      batchLoss: t.loss,
      stepsPerSecond: elapsed > 0 ? (t.step - this.stepsAtStart) / elapsed : 0,
      gradNormBeforeClip: t.clip.normBefore,
      gradNormAfterClip: t.clip.normAfter,
      clipNorm: t.spec.train.clip?.kind === 'norm' ? t.spec.train.clip.max : null,
      layers: t.gradStats().map((g) => {
        const stats = { name: g.name, meanAbsGrad: g.meanAbsGrad, maxAbsGrad: g.maxAbsGrad };
        const n = t.model.nodes[g.node];
        if (t.optimizer.t === 0 || !n || n.wSize <= 0) return stats;
        // ‖ΔW‖ / ‖W‖ of the last applied step (which already includes lr); two passes, no copies (2M weights on N5).
        const ss = t.optimizer.stepSquares(n.wOff, n.wSize);
        const w = t.model.params;
        let ww = 0;
        for (let k = n.wOff, end = n.wOff + n.wSize; k < end; k++) ww += w[k] * w[k];
        const updateRatio = ww > 0 ? Math.sqrt(ss / ww) : ss > 0 ? Infinity : 0;
        return { ...stats, updateRatio };
      }),
      newLossPoints: points,
    };
  }

  private sendProgress(): void {
    this.progressDue = false;
    this.lastProgressAt = performance.now();
    this.post({ kind: 'progress', progress: this.progress() });
  }

  private finish(stopped: boolean): void {
    if (this.disposed) return;
    this.disposed = true;
    this.replay?.drop();
    this.replay = null;
    this.running = false;
    const t = this.trainer;
    if (!t) {
      this.post({ kind: 'finished', progress: emptyProgress(), stopped, summary: 'stopped before training began' });
      return;
    }
    const progress = this.progress();
    const summary = `${stopped ? 'stopped' : 'finished'} after ${t.step} steps (${t.epoch} epochs), loss ${progress.loss.toPrecision(4)}`;
    this.log('info', () => summary);
    const findings = this.doctor?.findings();
    this.post({ kind: 'finished', progress, stopped, summary, ...(findings ? { findings } : {}) });
  }

  private fail(e: unknown): void {
    const t = this.trainer!;
    if (e instanceof NonFiniteError && this.debug && this.rules.has('nan') && !this.stoppedOnNaN) {
      // Stay paused where the NaN appeared, so it can be inspected and stepped back from; continuing ends the run.
      this.stoppedOnNaN = true;
      this.stop('exception', this.current, {
        exception: { filter: 'nan', description: `NaN or Inf: ${e.message}`, node: e.layer },
      });
      return;
    }
    this.running = false;
    this.disposed = true;
    if (e instanceof NonFiniteError) {
      const node = t.model.nodes[e.layer];
      this.post({
        kind: 'error',
        message: e.message,
        line: node ? node.line + 1 : 0,
        step: e.step,
        layerName: node?.name ?? null,
      });
    } else {
      // The user sees the message; the log keeps where in the worker it came from.
      this.log(
        'error',
        () => `internal error at step ${t.step + 1}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      this.post({
        kind: 'error',
        message: `internal error: ${e instanceof Error ? e.message : String(e)}`,
        line: 0,
        step: t.step,
        layerName: null,
      });
    }
  }
}

/** Why a breakpoint's condition or log message cannot work in a network with these names; undefined if it can. */
function unknownNames(b: BreakpointSpec, names: readonly string[]): string | undefined {
  const holes = b.logMessage ? [...b.logMessage.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]) : [];
  for (const [what, expr] of [['Condition', b.condition], ...holes.map((h) => [`Log message {${h}}`, h])] as const) {
    if (!expr) continue;
    const error = checkNames(expr, names);
    if (error) return `${what}: ${error.message}`;
  }
  return undefined;
}

/** How the Call Stack names an event's layer (a residual block has an input and a sum node). */
function locateName(t: Trainer, e: TrainerEvent): string {
  return e.layer >= 0 ? nodeLabel(t, e.layer) : e.phase;
}

function emptyProgress(): Progress {
  return {
    epoch: 0,
    epochs: 0,
    step: 0,
    loss: NaN,
    stepsPerSecond: 0,
    gradNormBeforeClip: NaN,
    gradNormAfterClip: NaN,
    layers: [],
    newLossPoints: [],
  };
}
