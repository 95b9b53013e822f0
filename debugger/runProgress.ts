// What a training run reports as it goes: the progress message (epoch, loss, steps/s, per-layer gradient
// statistics and update ratios, the loss points not sent yet), and when the next one is due.

import type { Trainer } from '../engine/runtime/trainer';
import type { Progress } from './protocol';
import type { LossPoint } from '../wire/types';

/**
 * Minimum milliseconds between progress messages. Each one reaches the workbench twice (a DAP event, then the view)
 * with up to 256 loss points: at 10 per second a fast debug session kept code-server's workbench seconds behind, so
 * that a Pause showed up only after a lag; 4 per second keeps the views live and the workbench current.
 */
export const PROGRESS_MS = 250;
/** Most loss points in one progress message (a debug session carries them over DAP as JSON, ten times a second). */
export const MAX_LOSS_POINTS_PER_MESSAGE = 256;
/** Most per-step points of each curve (loss, gradient norm) in one progress message: XOR's whole run fits in two. */
export const MAX_STEP_POINTS_PER_MESSAGE = 128;
/**
 * Share of the time that the update ratios of the progress messages sent while training may take. Each is two
 * passes over a layer's weights (‖ΔW‖ and ‖W‖): ~5–8 ms for N5's 2.1M, at four messages a second ~2 % of its
 * training. Above this share a message repeats the ratios measured last (see ProgressMeter.progress); tiny networks'
 * take microseconds and are measured in every message.
 */
export const UPDATE_RATIO_SHARE = 0.005;

/** A layer's gradient statistics as a progress message carries them. */
type LayerProgress = Progress['layers'][number];

/** Builds a run's progress messages: remembers which loss points were sent and the speed since the last resume. */
export class ProgressMeter {
  /** When the last progress message was sent (performance.now()). */
  lastSentAt = 0;
  /** Set by the run loop when PROGRESS_MS have passed; the next update event sends a message. */
  due = false;
  private lossSent = 0;
  private startedAt = 0;
  private stepsAtStart = 0;
  /**
   * The update ratios measured last, per layer, the trainer's step then (they change only at an update, which moves
   * the step), when (ms) and what measuring them took; null at a resume, so no message while training repeats ratios
   * of a step before a rewind, and after an edit (forgetRatios).
   */
  private ratios: {
    readonly values: (number | undefined)[];
    readonly step: number;
    readonly at: number;
    readonly ms: number;
  } | null = null;

  /** @param now the clock (ms): performance.now, or a test's. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Starts measuring steps per second afresh (training resumes). */
  restart(t: Trainer): void {
    this.startedAt = this.now();
    this.stepsAtStart = t.step;
    this.ratios = null;
  }

  /** Forgets the update ratios measured: call after something other than training changed the weights (Set Value). */
  forgetRatios(): void {
    this.ratios = null;
  }

  /**
   * The progress now, with the loss points since the previous call. Its update ratios are those measured last when
   * the trainer is still at their step (a stop after another at the same step: Step Back within a step measured
   * N5's again at each, 5–8 ms), else measured now; `running` (a message sent while training) may also repeat those
   * of an earlier step, while measuring them again would take more than UPDATE_RATIO_SHARE of the time since.
   */
  progress(t: Trainer, running = false): Progress {
    const now = this.now(),
      elapsed = (now - this.startedAt) / 1000;
    // Tiny networks finish thousands of epochs between two messages: send a subset ending at the newest (the views
    // downsample anyway), so neither the worker nor the host builds and clones them all. Each stretch keeps its
    // lowest and highest loss, so a one-epoch spike still reaches the view.
    const points: LossPoint[] = [];
    for (const p of t.epochs.pointsSince(this.lossSent, MAX_LOSS_POINTS_PER_MESSAGE)) {
      const epoch = p.index + 1;
      points.push(p.valLoss === null ? { epoch, loss: p.loss } : { epoch, loss: p.loss, valLoss: p.valLoss });
    }
    this.lossSent = t.epochs.length;
    const steps = t.stepTrace.drain(MAX_STEP_POINTS_PER_MESSAGE);
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
      layers: this.layers(t, running, now),
      newLossPoints: points,
      stepLoss: steps.loss,
      stepNorms: steps.norm,
      stepCount: steps.counted,
    };
  }

  /** Each layer's gradient statistics, with its update ratio measured now or, `running`, as measured last (see progress). */
  private layers(t: Trainer, running: boolean, now: number): LayerProgress[] {
    const stats = t.gradStats(),
      last = this.ratios;
    if (
      last &&
      last.values.length === stats.length &&
      (last.step === t.step || (running && now - last.at < last.ms / UPDATE_RATIO_SHARE))
    )
      return stats.map((g, k) => withRatio(g.name, g.meanAbsGrad, g.maxAbsGrad, last.values[k]));
    const values = stats.map((g) => updateRatio(t, g.node));
    this.ratios = { values, step: t.step, at: now, ms: this.now() - now };
    return stats.map((g, k) => withRatio(g.name, g.meanAbsGrad, g.maxAbsGrad, values[k]));
  }
}

/** A layer's entry of a progress message (without an update ratio before the first update). */
function withRatio(name: string, meanAbsGrad: number, maxAbsGrad: number, updateRatio: number | undefined) {
  return updateRatio === undefined ? { name, meanAbsGrad, maxAbsGrad } : { name, meanAbsGrad, maxAbsGrad, updateRatio };
}

/** ‖ΔW‖ / ‖W‖ of node `i`'s weights in the last applied step (which already includes lr); undefined before one. */
function updateRatio(t: Trainer, i: number): number | undefined {
  const n = t.model.nodes[i];
  if (t.optimizer.t === 0 || !n || n.wSize <= 0) return undefined;
  // Two passes, no copies (2M weights on N5).
  const ss = t.optimizer.stepSquares(n.wOff, n.wSize);
  const w = t.model.params;
  let ww = 0;
  for (let k = n.wOff, end = n.wOff + n.wSize; k < end; k++) ww += w[k] * w[k];
  return ww > 0 ? Math.sqrt(ss / ww) : ss > 0 ? Infinity : 0;
}

/** The progress of a run that never began training. */
export function emptyProgress(): Progress {
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
