// A probe's `progress` message as the Gradient Flow view's Progress (debugger/protocol.ts): modules as layers, the
// losses `backward()` was called on as loss points (epoch = step + 1), the global gradient norms and clip threshold.

import type { Progress } from '../protocol';
import type { ProbeToHost } from './probeProtocol';

type ProbeProgress = Extract<ProbeToHost, { kind: 'progress' }>;

/** The Progress of one rank's progress message; `lastLoss` is the latest loss seen before it (NaN for none). */
export function progressOf(p: ProbeProgress, lastLoss: number): Progress {
  const loss = p.losses.length ? p.losses[p.losses.length - 1][1] : lastLoss;
  return {
    // A PyTorch script has no epochs nnet can see: `epochs` 0 says so, and steps stand in for them in loss points.
    epoch: 0,
    epochs: 0,
    step: p.step,
    loss,
    batchLoss: loss,
    stepsPerSecond: p.stepsPerSecond,
    gradNormBeforeClip: p.gradNormBefore,
    gradNormAfterClip: p.gradNormAfter,
    clipNorm: p.clipNorm,
    layers: p.modules.map((m) => ({
      name: m.path,
      meanAbsGrad: m.meanAbsGrad,
      maxAbsGrad: m.maxAbsGrad,
      ...(m.updateRatio !== undefined ? { updateRatio: m.updateRatio } : {}),
    })),
    newLossPoints: p.losses.map(([step, l]) => ({ epoch: step + 1, loss: l })),
  };
}

/**
 * `progress` with every rank's latest global gradient norm (before clipping) attached, in rank order, when more
 * than one rank has reported: the Gradient Flow view's per-rank panel. One rank's progress is returned as it is.
 */
export function withRanks(progress: Progress, latest: ReadonlyMap<number, Progress>): Progress {
  if (latest.size < 2) return progress;
  const ranks = [...latest].sort(([a], [b]) => a - b).map(([rank, p]) => ({ rank, gradNorm: p.gradNormBeforeClip }));
  return { ...progress, ranks };
}

/**
 * The Progress a stop stands for when its rank has sent none yet (a breakpoint in the first step): the step, the
 * latest loss and gradient norms the stop knows, no module statistics. The view then shows the run as paused there.
 */
export function progressAtStop(s: {
  readonly step: number;
  readonly loss: number | null;
  readonly gradNormBefore: number;
  readonly gradNormAfter: number;
}): Progress {
  const loss = s.loss ?? NaN;
  return {
    epoch: 0,
    epochs: 0,
    step: s.step,
    loss,
    batchLoss: loss,
    stepsPerSecond: 0,
    gradNormBeforeClip: s.gradNormBefore,
    gradNormAfterClip: s.gradNormAfter,
    clipNorm: null,
    layers: [],
    newLossPoints: [],
  };
}
