// A probe's `progress` message as the Gradient Flow view's Progress (debugger/protocol.ts): modules as layers, the
// losses `backward()` was called on as loss points (epoch = step + 1), the global gradient norms and clip threshold.
// Steps are counted from 1 here, as in the Call Stack and the loss curve (the probe counts from 0).

import type { Progress } from '../protocol';
import type { ProbeModuleStats, ProbeToHost } from './probeProtocol';

type ProbeProgress = Extract<ProbeToHost, { kind: 'progress' }>;

/** The Progress of one rank's progress message; `lastLoss` is the latest loss seen before it (NaN for none). */
export function progressOf(p: ProbeProgress, lastLoss: number): Progress {
  const loss = p.losses.length ? p.losses[p.losses.length - 1][1] : lastLoss;
  return {
    // A PyTorch script has no epochs nnet can see: `epochs` 0 says so, and steps stand in for them in loss points.
    epoch: 0,
    epochs: 0,
    step: p.step + 1,
    loss,
    batchLoss: loss,
    stepsPerSecond: p.stepsPerSecond,
    gradNormBeforeClip: p.gradNormBefore,
    gradNormAfterClip: p.gradNormAfter,
    clipNorm: p.clipNorm,
    layers: layersOf(p.modules),
    newLossPoints: p.losses.map(([step, l]) => ({ epoch: step + 1, loss: l })),
  };
}

/** The view's layer bars of module statistics, in the order the probe sent them. */
function layersOf(modules: readonly ProbeModuleStats[]): Progress['layers'] {
  return modules.map((m) => ({
    name: m.path,
    meanAbsGrad: m.meanAbsGrad,
    maxAbsGrad: m.maxAbsGrad,
    ...(m.updateRatio !== undefined ? { updateRatio: m.updateRatio } : {}),
  }));
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
 * The Progress a stop shows. A backward (or step-end) stop carries this step's module statistics so far: the bars are
 * those modules', not an earlier step's, and the step is the stop's. Elsewhere (a forward stop) the rank's latest
 * progress stands; before any (a stop in step 1) the step, loss and gradient norms the stop knows, with no bars.
 */
export function progressAtStop(
  s: {
    readonly phase: 'forward' | 'backward' | 'stepEnd';
    readonly step: number;
    readonly loss: number | null;
    readonly gradNormBefore: number;
    readonly gradNormAfter: number;
    readonly modules: readonly ProbeModuleStats[] | null;
  },
  latest: Progress | undefined,
): Progress {
  if (latest && !s.modules) return latest;
  const loss = s.loss ?? latest?.loss ?? NaN;
  // Mid-backward the step's global norm is not known yet; the stop's norms are then an earlier step's.
  const normsKnown = s.phase === 'stepEnd' || !s.modules;
  return {
    epoch: 0,
    epochs: 0,
    step: s.step + 1,
    loss,
    batchLoss: loss,
    stepsPerSecond: latest?.stepsPerSecond ?? 0,
    gradNormBeforeClip: normsKnown ? s.gradNormBefore : NaN,
    gradNormAfterClip: normsKnown ? s.gradNormAfter : NaN,
    clipNorm: latest?.clipNorm ?? null,
    layers: s.modules ? layersOf(s.modules) : [],
    newLossPoints: [],
    ...(latest?.ranks ? { ranks: latest.ranks } : {}),
  };
}
