// The one protocol between the extension host and the Gradient Flow webview. Both sides import this file.
// Messages from the webview are untrusted input: the host validates them with `isWebviewToHost` before use.

// Numbers JSON would lose travel as wire/json.ts spells them (null for NaN); `validate.ts` beside this file reads them.

import type {
  GradNormPoint,
  LayerGradStats,
  LossPoint,
  RankGradNorm,
  StepCount,
  StepLossPoint,
} from '../../wire/types';
import { MAX_LOG_TEXT, type WebviewLogLevel } from '../log';
import type { GradientFlowModel } from './model';

/** The curves' samples are the wire's (the worker measures them). */
export type { GradNormPoint, StepLossPoint };

/** A finished run's loss curve (downsampled), kept as a faded overlay to compare with the current run. */
export interface PreviousRun {
  readonly title: string;
  readonly points: readonly Pick<LossPoint, 'epoch' | 'loss'>[];
}

/** Training state shown in the view's header. */
export type ViewState = 'idle' | 'training' | 'paused' | 'finished' | 'error';

/** Where a paused debug session is, 1-based (as the Call Stack counts): marked on the loss and norm curves. */
export interface PausedAt {
  readonly step: number;
  readonly epoch: number;
}

/**
 * The view's thresholds and sizes, from the nnet.* settings: the host sends them at once and on every change, and
 * the model carries them (so a replay brings them too).
 */
export interface ViewLimits {
  /** A layer is vanishing when its mean |grad| is below this fraction of the output layer's. */
  readonly vanishingRatio: number;
  /** … or below this, whatever the output layer does. */
  readonly vanishingFloor: number;
  /** A layer is exploding when its max |grad| is above this. */
  readonly explodingMax: number;
  /** Earlier runs kept for comparison. */
  readonly runsKept: number;
  /** Points a curve keeps before halving its resolution. */
  readonly curvePoints: number;
}

/** The limits before the host says otherwise (the settings' defaults). */
export const DEFAULT_VIEW_LIMITS: ViewLimits = {
  vanishingRatio: 1e-3,
  vanishingFloor: 1e-7,
  explodingMax: 100,
  runsKept: 5,
  curvePoints: 2000,
};

/** Most earlier runs any message or saved state may carry (the largest `runsKept`). */
export const MAX_RUNS = 20;
/** Most points a curve may be set to keep (the largest `curvePoints`). */
export const MAX_CURVE_POINTS = 20000;

/** One update of the view: what the host's model folds, and what a `batch` carries. */
export type HostUpdate =
  /**
   * A new run begins: clears the charts. The current run's loss curve becomes the newest earlier run (compared as a
   * faded overlay), unless `previous` is given (a replay): then `runs` (newest first, at most runsKept) replace the
   * earlier runs, or just `previous` when `runs` is absent, and null clears them.
   */
  | {
      kind: 'reset';
      title: string;
      layerNames: readonly string[];
      previous?: PreviousRun | null;
      runs?: readonly PreviousRun[];
    }
  /** Latest per-layer gradient magnitudes, in network order. */
  | { kind: 'gradFlow'; layers: readonly LayerGradStats[]; step: number }
  /** Each rank's latest global gradient norm, in rank order (a distributed PyTorch run; one rank hides the panel); of the step of the latest `gradFlow`. */
  | { kind: 'ranks'; ranks: readonly RankGradNorm[] }
  /** Loss points to append to the curve; `valLoss` when the data has a validation split. */
  | { kind: 'loss'; points: readonly LossPoint[] }
  /** Per-step loss samples to append (a few per second while training: a sampled trace, like the norms). */
  | { kind: 'stepLoss'; points: readonly StepLossPoint[] }
  /** Global gradient norm samples to append, and the spec's `clip norm` threshold (null: no clipping by norm). */
  /**
   * `counted`: every step since the last, and how many clipping scaled down, when the sender counts them all (a
   * `.nnet` run); without it the points are the samples counted (a PyTorch run).
   */
  | { kind: 'gradNorm'; points: readonly GradNormPoint[]; clipNorm: number | null; counted?: StepCount }
  /**
   * The run's state. `debugging`: the run is a debug session (Pause/Continue apply); `at`: where it is paused.
   * Both are optional for older senders (absent: not debugging, no marker).
   */
  | { kind: 'state'; state: ViewState; text: string; debugging?: boolean; at?: PausedAt | null }
  /**
   * Everything the view shows, at once: how the host brings a view that opens, re-shows or reloads up to date. The
   * curves arrive as already downsampled (not re-appended and thinned again), so the view matches the run exactly.
   */
  | { kind: 'snapshot'; model: GradientFlowModel }
  /** The thresholds and sizes changed (or a view opened): reclassify the bars, keep fewer runs or points. */
  | { kind: 'limits'; limits: ViewLimits };

/**
 * What the host posts: one update, or the updates of one moment (a progress message's bars, loss, norm and state)
 * as one `batch`, applied in order. One post per progress instead of five: each post is a JSON round through the
 * workbench and a task in the page, and messages split across frames were drawn once per frame they reached.
 */
export type HostToWebview = HostUpdate | { kind: 'batch'; messages: readonly HostUpdate[] };

/** Most updates one batch may carry. */
export const MAX_BATCH = 64;

/** The updates in `msg`, in order: a batch's, or the message itself. */
export function updatesOf(msg: HostToWebview): readonly HostUpdate[] {
  return msg.kind === 'batch' ? msg.messages : [msg];
}

/** `updates` as one message: the update itself when there is one, a batch otherwise. */
export function batchOf(updates: readonly HostUpdate[]): HostToWebview {
  return updates.length === 1 ? updates[0] : { kind: 'batch', messages: updates };
}

/** What the view's buttons ask the host to do. */
export type ViewCommand = 'train' | 'debug' | 'pause' | 'continue' | 'stop';
const VIEW_COMMANDS: readonly ViewCommand[] = ['train', 'debug', 'pause', 'continue', 'stop'];

export type WebviewToHost =
  | { kind: 'ready' }
  | { kind: 'command'; command: ViewCommand }
  /** Something for the nnet log: webviews have no console a user would read. */
  | { kind: 'log'; level: WebviewLogLevel; message: string };

/** Validates a message posted by the webview (untrusted). */
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const msg = m as Record<string, unknown>;
  switch (msg.kind) {
    case 'ready':
      return true;
    case 'command':
      return VIEW_COMMANDS.some((c) => c === msg.command);
    case 'log':
      return (
        (msg.level === 'warn' || msg.level === 'error') &&
        typeof msg.message === 'string' &&
        msg.message.length <= MAX_LOG_TEXT
      );
    default:
      return false;
  }
}
