// One training run inside the worker: drives the Trainer at full speed in time-sliced chunks, stops on breakpoints,
// steps and pauses, and reports progress. Takes a `post` function so it can be tested without a thread.

import { parseNnet } from '../../engine/language/parser';
import { tensorsAt } from '../../engine/runtime/snapshot';
import { NonFiniteError, Trainer, type Phase, type TrainerEvent } from '../../engine/runtime/trainer';
import type { HostToWorker, LossPoint, Progress, RuntimeLocation, Scalar, StopReason, WorkerToHost } from './protocol';
import { assertNever } from './protocol';

/** Milliseconds of training between yields to the message loop (bounds Pause latency). */
const SLICE_MS = 10;
/** Minimum milliseconds between progress messages. */
const PROGRESS_MS = 100;

/** Runs one .nnet file; one instance per `start` message. */
export class TrainingRun {
  private trainer: Trainer | null = null;
  private breakpoints = new Set<number>();
  private debug = false;
  private running = false;
  private stepping = false;
  private pauseRequested = false;
  private disposed = false;
  private lastProgressAt = 0;
  private lossSent = 0;
  private startedAt = 0;
  private stepsAtStart = 0;
  private progressDue = false;

  constructor(private readonly post: (msg: WorkerToHost) => void) {}

  /** Handles one message from the host. */
  handle(msg: HostToWorker): void {
    switch (msg.kind) {
      case 'start': return this.start(msg.source, msg.debug, msg.stopOnEntry, msg.breakpoints);
      case 'setBreakpoints': this.breakpoints = new Set(msg.layers); return;
      case 'continue': this.resume(false); return;
      case 'stepEvent': this.resume(true); return;
      case 'pause': if (this.running) this.pauseRequested = true; return;
      case 'stop': this.finish(true); return;
      default: assertNever(msg);
    }
  }

  private start(source: string, debug: boolean, stopOnEntry: boolean, breakpoints: readonly number[]): void {
    const { spec, diagnostics } = parseNnet(source);
    if (!spec) {
      const first = diagnostics.find((d) => d.severity === 'error');
      this.post({ kind: 'error', message: first ? `line ${first.range.line + 1}: ${first.message}` : 'the file has errors', line: (first?.range.line ?? -1) + 1, step: null, layerName: null });
      return;
    }
    this.trainer = new Trainer(spec);
    this.debug = debug;
    this.breakpoints = new Set(breakpoints);
    this.post({ kind: 'started', layerNames: this.trainer.gradStats().map((g) => g.name), parameterCount: this.trainer.model.params.length, epochs: spec.train.epochs });
    if (stopOnEntry) this.stop('entry', this.trainer.peek()!, false);
    else this.resume(false);
  }

  private resume(step: boolean): void {
    if (!this.trainer || this.running || this.disposed) return;
    this.running = true;
    this.stepping = step;
    this.pauseRequested = false;
    this.startedAt = performance.now();
    this.stepsAtStart = this.trainer.step;
    setImmediate(() => this.runSlice());
  }

  private runSlice(): void {
    const t = this.trainer;
    if (!t || !this.running) return;
    const deadline = performance.now() + SLICE_MS;
    try {
      for (let n = 0; ; n++) {
        if ((n & 63) === 0) {
          const now = performance.now();
          if (now - this.lastProgressAt >= PROGRESS_MS) this.progressDue = true;
          if (now > deadline) break;
        }
        const ev = t.advance();
        if (!ev) return this.finish(false);
        if (ev.phase === 'update' && this.progressDue) this.sendProgress();
        if (this.debug && (ev.phase === 'forward' || ev.phase === 'backward') && this.breakpoints.has(ev.layer)) return this.stop('breakpoint', ev, true);
        if (this.stepping) return this.stop('step', ev, true);
      }
    } catch (e) {
      return this.fail(e);
    }
    if (this.pauseRequested) {
      const next = t.peek();
      return next ? this.stop('pause', next, false) : this.finish(false);
    }
    setImmediate(() => this.runSlice());
  }

  private stop(reason: StopReason, ev: TrainerEvent, done: boolean): void {
    const t = this.trainer!;
    this.running = false;
    this.stepping = false;
    this.pauseRequested = false;
    // Before an event has run (entry, pause) show the previous layer's view of the world: the parameters.
    const phase: Phase = done ? ev.phase : 'update';
    const tensors = tensorsAt(t, phase, ev.layer).map((x) => ({ name: x.name, path: x.path, shape: x.shape, values: Float32Array.from(x.data) }));
    const scalars: Scalar[] = [];
    if (done && ev.phase !== 'forward') scalars.push({ name: 'loss', value: t.loss });
    if (done && (ev.phase === 'clip' || ev.phase === 'update')) {
      scalars.push({ name: 'grad norm before clip', value: t.clip.normBefore }, { name: 'grad norm after clip', value: t.clip.normAfter }, { name: 'clip coefficient', value: t.clip.coefficient });
    }
    this.post({ kind: 'stopped', reason, location: this.locate(ev), progress: this.progress(), tensors, scalars });
  }

  private locate(ev: TrainerEvent): RuntimeLocation {
    const spec = this.trainer!.spec;
    const layer = ev.layer >= 0 ? this.trainer!.model.nodes[ev.layer] : null;
    const line = layer ? layer.line
      : ev.phase === 'loss' ? spec.lossRange.line
      : ev.phase === 'clip' ? (spec.train.clipLine >= 0 ? spec.train.clipLine : spec.train.optimizerLine)
      : spec.train.optimizerLine;
    return { phase: ev.phase, layer: ev.layer, layerName: layer?.name ?? ev.phase, line: line + 1, step: ev.step, epoch: ev.epoch };
  }

  private progress(): Progress {
    const t = this.trainer!;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const points: LossPoint[] = [];
    for (; this.lossSent < t.epochLosses.length; this.lossSent++) points.push({ epoch: this.lossSent + 1, step: t.step, loss: t.epochLosses[this.lossSent] });
    return {
      epoch: t.epoch, epochs: t.spec.train.epochs, step: t.step, loss: t.epochLosses.at(-1) ?? t.loss,
      stepsPerSecond: elapsed > 0 ? (t.step - this.stepsAtStart) / elapsed : 0,
      gradNormBeforeClip: t.clip.normBefore, gradNormAfterClip: t.clip.normAfter,
      layers: t.gradStats().map((g) => ({ name: g.name, meanAbsGrad: g.meanAbsGrad, maxAbsGrad: g.maxAbsGrad })),
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
    this.running = false;
    const t = this.trainer;
    if (!t) { this.post({ kind: 'finished', progress: emptyProgress(), stopped, summary: 'stopped before training began' }); return; }
    const progress = this.progress();
    const summary = `${stopped ? 'stopped' : 'finished'} after ${t.step} steps (${t.epoch} epochs), loss ${progress.loss.toPrecision(4)}`;
    this.post({ kind: 'finished', progress, stopped, summary });
  }

  private fail(e: unknown): void {
    this.running = false;
    this.disposed = true;
    const t = this.trainer!;
    if (e instanceof NonFiniteError) {
      const node = t.model.nodes[e.layer];
      this.post({ kind: 'error', message: e.message, line: node ? node.line + 1 : 0, step: e.step, layerName: node?.name ?? null });
    } else {
      this.post({ kind: 'error', message: `internal error: ${e instanceof Error ? e.message : String(e)}`, line: 0, step: t.step, layerName: null });
    }
  }
}

function emptyProgress(): Progress {
  return { epoch: 0, epochs: 0, step: 0, loss: NaN, stepsPerSecond: 0, gradNormBeforeClip: NaN, gradNormAfterClip: NaN, layers: [], newLossPoints: [] };
}
