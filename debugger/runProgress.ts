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

/** Builds a run's progress messages: remembers which loss points were sent and the speed since the last resume. */
export class ProgressMeter {
  /** When the last progress message was sent (performance.now()). */
  lastSentAt = 0;
  /** Set by the run loop when PROGRESS_MS have passed; the next update event sends a message. */
  due = false;
  private lossSent = 0;
  private startedAt = 0;
  private stepsAtStart = 0;

  /** Starts measuring steps per second afresh (training resumes). */
  restart(t: Trainer): void {
    this.startedAt = performance.now();
    this.stepsAtStart = t.step;
  }

  /** The progress now, with the loss points since the previous call. */
  progress(t: Trainer): Progress {
    const elapsed = (performance.now() - this.startedAt) / 1000;
    // Tiny networks finish thousands of epochs between two messages: send a subset ending at the newest (the views
    // downsample anyway), so neither the worker nor the host builds and clones them all. Each stretch keeps its
    // lowest and highest loss, so a one-epoch spike still reaches the view.
    const points: LossPoint[] = [];
    for (const p of t.epochs.pointsSince(this.lossSent, MAX_LOSS_POINTS_PER_MESSAGE)) {
      const epoch = p.index + 1;
      points.push(p.valLoss === null ? { epoch, loss: p.loss } : { epoch, loss: p.loss, valLoss: p.valLoss });
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
