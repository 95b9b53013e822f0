// The Gradient Flow view's data model (no DOM, no vscode), folded from host messages by both webview and host.

import type { GradFlowLayer, HostToWebview, ViewState } from '../protocol';

/** Above this many points the loss series halves its resolution, so memory stays flat on long runs. */
export const MAX_LOSS_POINTS = 2000;

/** One point of the loss curve. `loss` is NaN when training produced a non-finite loss. */
export interface LossPoint {
  readonly epoch: number;
  readonly loss: number;
}

/**
 * The loss curve, downsampled uniformly: once it outgrows `max`, every other point is dropped and from then on only
 * every `stride`-th incoming point is kept, so old and new parts of the curve keep the same density.
 */
export interface LossSeries {
  /** Points kept at the current stride. */
  readonly points: LossPoint[];
  /** The newest point when the stride skipped it; shown so the curve always ends at the latest loss. */
  tail: LossPoint | null;
  stride: number;
  /** Incoming points seen since the last kept one. */
  skipped: number;
}

/** Everything the view shows; small enough to persist with `setState` after every update. */
export interface GradientFlowModel {
  title: string;
  layerNames: string[];
  layers: GradFlowLayer[];
  /** Optimizer step of `layers`, or null before the first gradient arrives. */
  step: number | null;
  loss: LossSeries;
  state: ViewState;
  stateText: string;
}

/** A model for a view that has not heard of any run yet. */
export function emptyModel(): GradientFlowModel {
  return {
    title: '',
    layerNames: [],
    layers: [],
    step: null,
    loss: emptyLossSeries(),
    state: 'idle',
    stateText: 'No run yet. Open a .nnet file and press Train.',
  };
}

/** An empty loss series at full resolution. */
export function emptyLossSeries(): LossSeries {
  return { points: [], tail: null, stride: 1, skipped: 0 };
}

/** Appends points, halving the resolution whenever the series would exceed `max` points. */
export function appendLoss(series: LossSeries, incoming: readonly LossPoint[], max = MAX_LOSS_POINTS): void {
  for (const p of incoming) {
    series.skipped += 1;
    if (series.skipped < series.stride) {
      series.tail = p;
      continue;
    }
    series.skipped = 0;
    series.tail = null;
    series.points.push(p);
    if (series.points.length > max) {
      // Keeping even indices keeps the first point, so the curve still starts at the run's first loss.
      let w = 0;
      for (let r = 0; r < series.points.length; r += 2) series.points[w++] = series.points[r];
      series.points.length = w;
      series.stride *= 2;
    }
  }
}

/** The points to draw: the kept ones plus the newest if the stride skipped it. */
export function lossPointsForDisplay(series: LossSeries): LossPoint[] {
  return series.tail ? [...series.points, series.tail] : series.points.slice();
}

/** Folds one host message into the model (mutating it). */
export function applyMessage(model: GradientFlowModel, msg: HostToWebview): void {
  switch (msg.kind) {
    case 'reset':
      model.title = msg.title;
      model.layerNames = [...msg.layerNames];
      model.layers = [];
      model.step = null;
      model.loss = emptyLossSeries();
      return;
    case 'gradFlow':
      model.layers = msg.layers.map((l) => ({ name: l.name, meanAbsGrad: l.meanAbsGrad, maxAbsGrad: l.maxAbsGrad }));
      model.step = msg.step;
      return;
    case 'loss':
      appendLoss(model.loss, msg.points);
      return;
    case 'state':
      model.state = msg.state;
      model.stateText = msg.text;
      return;
    default:
      assertNever(msg);
  }
}

/**
 * The messages that rebuild `model` in a fresh view: reset first (it clears), then the data, then the state.
 * A model that never saw a reset replays only its state, so a restored view keeps what it persisted itself.
 */
export function replayMessages(model: GradientFlowModel, sawReset: boolean): HostToWebview[] {
  const out: HostToWebview[] = [];
  if (sawReset) {
    out.push({ kind: 'reset', title: model.title, layerNames: [...model.layerNames] });
    const points = lossPointsForDisplay(model.loss);
    if (points.length > 0) out.push({ kind: 'loss', points });
    if (model.step !== null) out.push({ kind: 'gradFlow', layers: [...model.layers], step: model.step });
  }
  out.push({ kind: 'state', state: model.state, text: model.stateText });
  return out;
}

/** Compile-time exhaustiveness check for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
