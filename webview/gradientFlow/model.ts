// The Gradient Flow view's data model (no DOM, no vscode), folded from host messages by both webview and host.

import type { LayerGradStats, LossPoint, RankGradNorm } from '../../wire/types';
import { appendSeries, emptySeries, seriesForDisplay, type Series, type ValueOf } from './series';
import {
  DEFAULT_VIEW_LIMITS,
  type GradNormPoint,
  type HostToWebview,
  type PausedAt,
  type PreviousRun,
  type StepLossPoint,
  type ViewLimits,
  type ViewState,
} from './protocol';

/**
 * Above this many kept points a curve halves its resolution, so memory stays flat on long runs: the default of
 * `limits.curvePoints` (the nnet.gradientFlow.curvePoints setting).
 */
export const MAX_LOSS_POINTS = DEFAULT_VIEW_LIMITS.curvePoints;
/** Most points a curve draws by default: up to MAX_LOSS_POINTS + 3 kept ones and up to 3 of the bucket being filled. */
export const MAX_SHOWN_POINTS = MAX_LOSS_POINTS + 6;

export type { LossPoint } from '../../wire/types';

export type { Series } from './series';
export type LossSeries = Series<LossPoint>;
export type GradNormSeries = Series<GradNormPoint>;
export type StepLossSeries = Series<StepLossPoint>;

/** What each curve is downsampled by: a bucket keeps its lowest and highest loss, or norm before clipping. */
const LOSS: ValueOf<{ readonly loss: number }> = (p) => p.loss;
const NORM: ValueOf<GradNormPoint> = (p) => p.before;

/** Everything the view shows; small enough to persist with `setState` after every update. */
export interface GradientFlowModel {
  title: string;
  layerNames: string[];
  layers: LayerGradStats[];
  /** Optimizer step of `layers`, or null before the first gradient arrives. */
  step: number | null;
  /** Each rank's latest global gradient norm in a distributed run, in rank order; empty for one process. */
  ranks: RankGradNorm[];
  loss: LossSeries;
  /**
   * The loss per optimizer step: every step of a `.nnet` run (thinned by the worker, runProgress.ts), one a progress
   * update of a PyTorch run; downsampled like the epoch curve.
   */
  stepLoss: StepLossSeries;
  /** Global gradient norm before/after clipping, per step as the loss per step. */
  gradNorm: GradNormSeries;
  /** The `clip norm` threshold, or null when the run does not clip by norm. */
  clipNorm: number | null;
  /**
   * Steps whose norm before clipping exceeded the threshold, of those counted: every step when `normCounted` (the
   * worker counts them), else the samples received (before downsampling).
   */
  clippedSamples: number;
  /** Steps counted in this run (see clippedSamples). */
  normSamples: number;
  /** Whether the counts are of every step, not of the samples (the run's messages carried them). */
  normCounted: boolean;
  state: ViewState;
  stateText: string;
  /** The previous run's loss curve (as displayed when it was replaced, so at most MAX_SHOWN_POINTS points); runs[0]. */
  previous: PreviousRun | null;
  /** Earlier runs for comparison, newest first (at most limits.runsKept). */
  runs: PreviousRun[];
  /** Thresholds and sizes from the settings. */
  limits: ViewLimits;
  /** The run is a debug session (Pause/Continue apply). */
  debugging: boolean;
  /** Where the debug session is paused, or null. */
  pausedAt: PausedAt | null;
}

/** A model for a view that has not heard of any run yet. */
export function emptyModel(): GradientFlowModel {
  return {
    title: '',
    layerNames: [],
    layers: [],
    step: null,
    ranks: [],
    loss: emptyLossSeries(),
    stepLoss: emptySeries(),
    gradNorm: emptySeries(),
    clipNorm: null,
    clippedSamples: 0,
    normSamples: 0,
    normCounted: false,
    state: 'idle',
    stateText: 'No run yet. Open a .nnet file and press Train.',
    previous: null,
    runs: [],
    limits: { ...DEFAULT_VIEW_LIMITS },
    debugging: false,
    pausedAt: null,
  };
}

/** An empty loss series at full resolution. */
export function emptyLossSeries(): LossSeries {
  return emptySeries();
}

/** Appends loss points, keeping each bucket's lowest and highest loss once the series outgrows `max` points. */
export function appendLoss(series: LossSeries, incoming: readonly LossPoint[], max = MAX_LOSS_POINTS): void {
  appendSeries(series, incoming, LOSS, max);
}

/** The points to draw: the kept ones, then the newest, so the curve always ends at the latest sample. */
export const lossPointsForDisplay = seriesForDisplay;

/** Folds one host message, or each update of a batch in order, into the model (mutating it). */
export function applyMessage(model: GradientFlowModel, msg: HostToWebview): void {
  switch (msg.kind) {
    case 'batch':
      for (const m of msg.messages) applyMessage(model, m);
      return;
    case 'reset':
      if (msg.previous !== undefined) {
        // A replay says exactly what the earlier runs are.
        model.runs = msg.runs
          ? msg.runs.slice(0, model.limits.runsKept).map(copyPrevious)
          : msg.previous === null
            ? []
            : [copyPrevious(msg.previous)];
      } else {
        // A new run: the current one becomes the newest earlier run, unless it never produced a loss.
        const shown = lossPointsForDisplay(model.loss);
        if (shown.length > 0)
          model.runs = [
            { title: model.title, points: shown.map((p) => ({ epoch: p.epoch, loss: p.loss })) },
            ...model.runs,
          ].slice(0, model.limits.runsKept);
      }
      model.previous = model.runs[0] ?? null;
      model.pausedAt = null;
      model.title = msg.title;
      model.layerNames = [...msg.layerNames];
      model.layers = [];
      model.step = null;
      model.ranks = [];
      model.loss = emptyLossSeries();
      model.stepLoss = emptySeries();
      model.gradNorm = emptySeries();
      model.clipNorm = null;
      model.clippedSamples = 0;
      model.normSamples = 0;
      model.normCounted = false;
      return;
    case 'gradFlow':
      model.layers = msg.layers.map((l) =>
        l.updateRatio === undefined
          ? { name: l.name, meanAbsGrad: l.meanAbsGrad, maxAbsGrad: l.maxAbsGrad }
          : { name: l.name, meanAbsGrad: l.meanAbsGrad, maxAbsGrad: l.maxAbsGrad, updateRatio: l.updateRatio },
      );
      model.step = msg.step;
      return;
    case 'ranks':
      model.ranks = msg.ranks.map((r) => ({ rank: r.rank, gradNorm: r.gradNorm }));
      return;
    case 'loss':
      appendLoss(model.loss, msg.points, model.limits.curvePoints);
      return;
    case 'stepLoss':
      appendSeries(model.stepLoss, msg.points, LOSS, model.limits.curvePoints);
      return;
    case 'gradNorm':
      model.clipNorm = msg.clipNorm;
      if (msg.counted) {
        model.normCounted = true;
        model.normSamples += msg.counted.steps;
        model.clippedSamples += msg.counted.clipped;
      } else
        for (const p of msg.points) {
          model.normSamples += 1;
          if (msg.clipNorm !== null && p.before > msg.clipNorm) model.clippedSamples += 1;
        }
      appendSeries(model.gradNorm, msg.points, NORM, model.limits.curvePoints);
      return;
    case 'snapshot':
      // A copy: the host keeps folding into its own model, which must not be shared with a view's.
      Object.assign(model, structuredClone(msg.model));
      return;
    case 'limits':
      // Takes effect at once for the runs and the bars; a curve thins to a smaller size as samples arrive.
      model.limits = { ...msg.limits };
      model.runs = model.runs.slice(0, msg.limits.runsKept);
      model.previous = model.runs[0] ?? null;
      return;
    case 'state':
      model.debugging = false;
      model.pausedAt = null;
      if (msg.state === 'idle' && model.title !== '') {
        // Only a host that has no run says idle (VS Code reloaded, the extension restarted): the run this view kept
        // stays, and a run it last saw going is over.
        if (model.state === 'training' || model.state === 'paused') {
          model.state = 'finished';
          model.stateText = `${model.title}: ended when VS Code reloaded`;
        }
        return;
      }
      model.state = msg.state;
      model.stateText = msg.text;
      model.debugging = msg.debugging === true;
      model.pausedAt = msg.state === 'paused' && msg.at ? { step: msg.at.step, epoch: msg.at.epoch } : null;
      return;
    default:
      assertNever(msg);
  }
}

/**
 * The messages that bring a view up to date with `model`: one snapshot of the whole model (it replaces whatever the
 * view had, so a replay is idempotent). A model that never saw a run replays only its state, so a restored view
 * keeps what it persisted itself.
 */
export function replayMessages(model: GradientFlowModel, sawRun: boolean): HostToWebview[] {
  if (sawRun) return [{ kind: 'snapshot', model: structuredClone(model) }];
  return [
    { kind: 'limits', limits: { ...model.limits } },
    { kind: 'state', state: model.state, text: model.stateText, debugging: model.debugging, at: model.pausedAt },
  ];
}

function copyPrevious(p: PreviousRun): PreviousRun {
  return { title: p.title, points: p.points.map((q) => ({ epoch: q.epoch, loss: q.loss })) };
}

/** The update-to-weight ratio the reference line marks: ‖lr·ΔW‖/‖W‖ near 1e-3 is the classic healthy value. */
export const HEALTHY_UPDATE_RATIO = 1e-3;

/** How an update ratio compares with the healthy ~1e-3: more than 10× below is slow, more than 10× above is fast. */
export type UpdateHealth = 'ok' | 'slow' | 'fast' | 'none';

export function classifyUpdateRatio(r: number | undefined): UpdateHealth {
  if (r === undefined || !Number.isFinite(r)) return 'none';
  if (r < HEALTHY_UPDATE_RATIO / 10) return 'slow';
  if (r > HEALTHY_UPDATE_RATIO * 10) return 'fast';
  return 'ok';
}

/** How a layer's gradient looks next to the output layer's: what the bar highlight and legend say. */
export type LayerHealth = 'ok' | 'vanishing' | 'exploding' | 'nonFinite';

/** A layer is exploding when its mean |grad| is above this multiple of the output layer's (or its max |grad| above limits.explodingMax). */
export const EXPLODING_RATIO = 1e3;

/**
 * Classifies each layer, in order. The reference is the last layer (nearest the loss), whose gradient is the
 * least affected by depth; comparing against it makes the verdict independent of the loss's scale. A layer whose
 * mean |grad| is below `limits.vanishingFloor` is vanishing whatever the output layer does (SageMaker Debugger's
 * VanishingGradient rule): a network whose every layer collapsed shows as vanishing, not as healthy.
 */
export function classifyLayers(
  layers: readonly LayerGradStats[],
  limits: ViewLimits = DEFAULT_VIEW_LIMITS,
): LayerHealth[] {
  const ref = layers.length > 0 ? layers[layers.length - 1].meanAbsGrad : NaN;
  return layers.map((l, i) => {
    if (!Number.isFinite(l.meanAbsGrad) || !Number.isFinite(l.maxAbsGrad)) return 'nonFinite';
    if (l.maxAbsGrad > limits.explodingMax) return 'exploding';
    if (l.meanAbsGrad < limits.vanishingFloor) return 'vanishing';
    if (i === layers.length - 1 || !Number.isFinite(ref) || ref <= 0) return 'ok';
    if (l.meanAbsGrad > EXPLODING_RATIO * ref) return 'exploding';
    if (l.meanAbsGrad < limits.vanishingRatio * ref) return 'vanishing';
    return 'ok';
  });
}

/** Compile-time exhaustiveness check for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
