// Validates the untrusted input of the Gradient Flow webview: host messages and restored state.

import { decodeNumber } from '../../wire/json';
import type { LayerGradStats, RankGradNorm, StepCount } from '../../wire/types';
import {
  DEFAULT_VIEW_LIMITS,
  MAX_CURVE_POINTS,
  MAX_RUNS,
  type GradNormPoint,
  MAX_BATCH,
  type HostToWebview,
  type HostUpdate,
  type PausedAt,
  type PreviousRun,
  type StepLossPoint,
  type ViewLimits,
  type ViewState,
} from './protocol';
import { type GradientFlowModel, type LossPoint, type Series } from './model';

/** Caps that keep a buggy or hostile sender from making the view allocate without bound. */
const MAX_LAYERS = 10_000;
const MAX_POINTS_PER_MESSAGE = 100_000;
const MAX_TEXT = 500;

const VIEW_STATES: readonly ViewState[] = ['idle', 'training', 'paused', 'finished', 'error'];

type Rec = Record<string, unknown>;

function isRec(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function text(x: unknown): string | undefined {
  return typeof x === 'string' ? x.slice(0, MAX_TEXT) : undefined;
}

/** A measured value as the host encodes it (wire/json.ts: null for NaN, ±∞ and -0 spelled out). */
const measured = decodeNumber;

function finite(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function layer(x: unknown): LayerGradStats | undefined {
  if (!isRec(x)) return undefined;
  const name = text(x.name);
  const meanAbsGrad = measured(x.meanAbsGrad);
  const maxAbsGrad = measured(x.maxAbsGrad);
  if (name === undefined || meanAbsGrad === undefined || maxAbsGrad === undefined) return undefined;
  if (x.updateRatio === undefined) return { name, meanAbsGrad, maxAbsGrad };
  const updateRatio = measured(x.updateRatio);
  return updateRatio === undefined ? undefined : { name, meanAbsGrad, maxAbsGrad, updateRatio };
}

/** Most ranks a message may carry (far more processes than one debug session starts). */
/** Steps counted and clipped: whole numbers, no more clipped than counted; undefined if malformed. */
function stepCount(x: unknown): StepCount | undefined {
  if (!isRec(x)) return undefined;
  const steps = finite(x.steps),
    clipped = finite(x.clipped);
  if (steps === undefined || clipped === undefined) return undefined;
  if (!Number.isInteger(steps) || !Number.isInteger(clipped) || clipped < 0 || clipped > steps) return undefined;
  return { steps, clipped };
}

const MAX_RANKS = 4096;

/** A rank's gradient norm: a whole rank ≥ 0 and a measured norm. */
function rankNorm(x: unknown): RankGradNorm | undefined {
  if (!isRec(x)) return undefined;
  const rank = finite(x.rank);
  const gradNorm = measured(x.gradNorm);
  if (rank === undefined || !Number.isInteger(rank) || rank < 0 || gradNorm === undefined) return undefined;
  return { rank, gradNorm };
}

/** A previous run's overlay: null for none, undefined when malformed. */
function previousRun(x: unknown): PreviousRun | null | undefined {
  if (x === null) return null;
  if (!isRec(x)) return undefined;
  const title = text(x.title);
  const points = all(x.points, MAX_CURVE_POINTS + 6, (e) => {
    const p = lossPoint(e);
    return p && { epoch: p.epoch, loss: p.loss };
  });
  return title === undefined || !points ? undefined : { title, points };
}

function lossPoint(x: unknown): LossPoint | undefined {
  if (!isRec(x)) return undefined;
  const epoch = finite(x.epoch);
  const loss = measured(x.loss);
  if (epoch === undefined || loss === undefined) return undefined;
  if (x.valLoss === undefined) return { epoch, loss };
  const valLoss = measured(x.valLoss);
  return valLoss === undefined ? undefined : { epoch, loss, valLoss };
}

function stepLossPoint(x: unknown): StepLossPoint | undefined {
  if (!isRec(x)) return undefined;
  const step = finite(x.step);
  const loss = measured(x.loss);
  return step === undefined || loss === undefined ? undefined : { step, loss };
}

function normPoint(x: unknown): GradNormPoint | undefined {
  if (!isRec(x)) return undefined;
  const step = finite(x.step);
  const before = measured(x.before);
  const after = measured(x.after);
  return step === undefined || before === undefined || after === undefined ? undefined : { step, before, after };
}

/** A paused location: 1-based step and epoch. */
function pausedAt(x: unknown): PausedAt | undefined {
  if (!isRec(x)) return undefined;
  const step = finite(x.step),
    epoch = finite(x.epoch);
  return step === undefined || epoch === undefined ? undefined : { step, epoch };
}

/** A clip threshold: a positive finite number, or null for none. */
function clipNorm(x: unknown): number | null | undefined {
  if (x === null) return null;
  const v = finite(x);
  return v !== undefined && v > 0 ? v : undefined;
}

/** Maps every element or fails as a whole, so a half-valid message is never half-applied. */
function all<T>(x: unknown, max: number, f: (e: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(x) || x.length > max) return undefined;
  const out: T[] = [];
  for (const e of x) {
    const v = f(e);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** Thresholds and sizes within what the settings allow; undefined otherwise. */
function viewLimits(x: unknown): ViewLimits | undefined {
  if (!isRec(x)) return undefined;
  const ratio = finite(x.vanishingRatio),
    floor = finite(x.vanishingFloor),
    max = finite(x.explodingMax);
  const runs = finite(x.runsKept),
    points = finite(x.curvePoints);
  if (ratio === undefined || floor === undefined || max === undefined || runs === undefined || points === undefined)
    return undefined;
  if (ratio < 0 || floor < 0 || max < 0 || !Number.isInteger(runs) || runs < 0 || runs > MAX_RUNS) return undefined;
  if (!Number.isInteger(points) || points < 4 || points > MAX_CURVE_POINTS) return undefined;
  return { vanishingRatio: ratio, vanishingFloor: floor, explodingMax: max, runsKept: runs, curvePoints: points };
}

/** Returns the message if it is a well-formed HostToWebview (a batch only when all of it is), else undefined. */
export function parseHostToWebview(data: unknown): HostToWebview | undefined {
  if (isRec(data) && data.kind === 'batch') {
    const messages = all(data.messages, MAX_BATCH, parseUpdate);
    return messages && messages.length > 0 ? { kind: 'batch', messages } : undefined;
  }
  return parseUpdate(data);
}

/** One update (never a batch: batches do not nest). */
function parseUpdate(data: unknown): HostUpdate | undefined {
  if (!isRec(data)) return undefined;
  switch (data.kind) {
    case 'reset': {
      const title = text(data.title);
      const layerNames = all(data.layerNames, MAX_LAYERS, text);
      if (title === undefined || !layerNames) return undefined;
      if (data.previous === undefined) return { kind: 'reset', title, layerNames };
      const previous = previousRun(data.previous);
      if (previous === undefined) return undefined;
      if (data.runs === undefined) return { kind: 'reset', title, layerNames, previous };
      const runs = all(data.runs, MAX_RUNS, (r) => previousRun(r) ?? undefined);
      return runs ? { kind: 'reset', title, layerNames, previous, runs } : undefined;
    }
    case 'gradFlow': {
      const layers = all(data.layers, MAX_LAYERS, layer);
      const step = finite(data.step);
      return !layers || step === undefined ? undefined : { kind: 'gradFlow', layers, step };
    }
    case 'ranks': {
      const ranks = all(data.ranks, MAX_RANKS, rankNorm);
      return ranks ? { kind: 'ranks', ranks } : undefined;
    }
    case 'loss': {
      const points = all(data.points, MAX_POINTS_PER_MESSAGE, lossPoint);
      return points ? { kind: 'loss', points } : undefined;
    }
    case 'stepLoss': {
      const points = all(data.points, MAX_POINTS_PER_MESSAGE, stepLossPoint);
      return points ? { kind: 'stepLoss', points } : undefined;
    }
    case 'gradNorm': {
      const points = all(data.points, MAX_POINTS_PER_MESSAGE, normPoint);
      const clip = clipNorm(data.clipNorm);
      const counted = data.counted === undefined ? null : stepCount(data.counted);
      if (!points || clip === undefined || counted === undefined) return undefined;
      return { kind: 'gradNorm', points, clipNorm: clip, ...(counted && { counted }) };
    }
    case 'limits': {
      const limits = viewLimits(data.limits);
      return limits ? { kind: 'limits', limits } : undefined;
    }
    case 'snapshot': {
      const model = parseModel(data.model);
      return model ? { kind: 'snapshot', model } : undefined;
    }
    case 'state': {
      const state = VIEW_STATES.find((s) => s === data.state);
      const t = text(data.text);
      if (state === undefined || t === undefined) return undefined;
      if (data.debugging !== undefined && typeof data.debugging !== 'boolean') return undefined;
      const at = data.at === undefined || data.at === null ? null : pausedAt(data.at);
      if (at === undefined) return undefined;
      return { kind: 'state', state, text: t, debugging: data.debugging === true, at };
    }
    default:
      return undefined;
  }
}

/**
 * Persisted-state envelope; bump `version` when the model changes shape so old state is dropped, not misread
 * (3: curves keep each bucket's lowest and highest sample, `pending` instead of `tail`).
 */
export interface PersistedState {
  readonly version: 3;
  readonly model: GradientFlowModel;
  readonly lossLogScale: boolean;
  /** Gradient bars on a log axis (the default) or linear. Absent in older state: log. */
  readonly gradLogScale: boolean;
  /** Whether the previous run's loss overlay is shown. Absent in older state: shown. */
  readonly showPrevious: boolean;
  /** Which earlier run (index into model.runs, newest first) the overlay shows. Absent in older state: 0. */
  readonly compareIndex: number;
  /** The loss chart plots the per-step samples instead of the epoch means. Absent in older state: per epoch. */
  readonly lossPerStep: boolean;
}

function series<T>(x: unknown, point: (e: unknown) => T | undefined): Series<T> | undefined {
  if (!isRec(x)) return undefined;
  const points = all(x.points, MAX_CURVE_POINTS + 3, point);
  const pending = all(x.pending, 3, point);
  const stride = finite(x.stride);
  const skipped = finite(x.skipped);
  if (
    !points ||
    !pending ||
    stride === undefined ||
    skipped === undefined ||
    stride < 1 ||
    skipped < 0 ||
    skipped >= Math.max(2, stride)
  )
    return undefined;
  return { points, pending, stride, skipped };
}

/** A whole view model (persisted state, or a host's snapshot); undefined if malformed in any part. */
function parseModel(m: unknown): GradientFlowModel | undefined {
  if (!isRec(m)) return undefined;
  const title = text(m.title);
  const layerNames = all(m.layerNames, MAX_LAYERS, text);
  const layers = all(m.layers, MAX_LAYERS, layer);
  const step = m.step === null ? null : finite(m.step);
  // State saved before distributed runs has no ranks: none, nothing misread.
  const ranks = m.ranks === undefined ? [] : all(m.ranks, MAX_RANKS, rankNorm);
  const loss = series(m.loss, lossPoint);
  const gradNorm = series(m.gradNorm, normPoint);
  // State saved before the per-step curve has none: an empty series, nothing misread.
  const stepLoss =
    m.stepLoss === undefined ? { points: [], pending: [], stride: 1, skipped: 0 } : series(m.stepLoss, stepLossPoint);
  const clip = clipNorm(m.clipNorm);
  const clippedSamples = finite(m.clippedSamples);
  const normSamples = finite(m.normSamples);
  // State saved before the worker counted every step counted samples.
  const normCounted = m.normCounted === true;
  const state = VIEW_STATES.find((s) => s === m.state);
  const stateText = text(m.stateText);
  // State saved before run comparison has no `previous`: no overlay, nothing misread.
  const previous = m.previous === undefined ? null : previousRun(m.previous);
  // State saved before the run selector has no `runs`: the previous run is the only one.
  const runs =
    m.runs === undefined ? (previous ? [previous] : []) : all(m.runs, MAX_RUNS, (r) => previousRun(r) ?? undefined);
  const at = m.pausedAt === undefined || m.pausedAt === null ? null : pausedAt(m.pausedAt);
  // State saved before the settings has no limits: the defaults.
  const limits = m.limits === undefined ? { ...DEFAULT_VIEW_LIMITS } : viewLimits(m.limits);
  if (
    !limits ||
    previous === undefined ||
    !runs ||
    at === undefined ||
    !stepLoss ||
    title === undefined ||
    !layerNames ||
    !layers ||
    !ranks ||
    step === undefined ||
    !loss ||
    !state ||
    stateText === undefined ||
    !gradNorm ||
    clip === undefined ||
    clippedSamples === undefined ||
    normSamples === undefined
  ) {
    return undefined;
  }
  return {
    title,
    layerNames,
    layers,
    step,
    ranks,
    loss,
    stepLoss,
    gradNorm,
    clipNorm: clip,
    clippedSamples,
    normSamples,
    normCounted,
    state,
    stateText,
    previous,
    runs,
    limits,
    debugging: m.debugging === true,
    pausedAt: at,
  };
}

/** Reads what `setState` stored in an earlier life of the view; undefined if absent or not understood. */
export function parsePersistedState(x: unknown): PersistedState | undefined {
  if (!isRec(x) || x.version !== 3) return undefined;
  const model = parseModel(x.model);
  if (!model) return undefined;
  const runs = model.runs;
  return {
    version: 3,
    model,
    lossLogScale: x.lossLogScale === true,
    gradLogScale: x.gradLogScale !== false,
    showPrevious: x.showPrevious !== false,
    lossPerStep: x.lossPerStep === true,
    compareIndex:
      typeof x.compareIndex === 'number' &&
      Number.isInteger(x.compareIndex) &&
      x.compareIndex >= 0 &&
      x.compareIndex < runs.length
        ? x.compareIndex
        : 0,
  };
}
