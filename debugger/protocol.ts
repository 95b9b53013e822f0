// The one protocol between a host (extension host or standalone debug adapter) and the engine worker thread.
// Both sides import this file; every message is tagged by `kind`, and requests that expect a reply carry an `id`.
// Messages cross by structured clone, which keeps Float32Array values and NaN, ±∞ and -0 as they are: no codec.

import { DEFAULT_THRESHOLDS, type DoctorThresholds } from '../engine/doctor/thresholds';
import type { Finding, RuleId } from '../engine/doctor/types';
import type { TensorCheck } from '../engine/runtime/layerGradcheck';
import type {
  GradNormPoint,
  LayerDetail,
  LayerGradStats,
  LossPoint,
  RankGradNorm,
  Scalar,
  StepCount,
  StepLossPoint,
  Tensor,
} from '../wire/types';
import type { LogLevel } from './log';

/** Where the runtime is: the event that has just completed. */
export interface RuntimeLocation {
  readonly phase: 'forward' | 'loss' | 'backward' | 'clip' | 'update';
  /** Index of the layer for `forward`/`backward`, else -1. */
  readonly layer: number;
  /** Layer name for `forward`/`backward`, else the phase name. */
  readonly layerName: string;
  /** 1-based line in the .nnet file of the layer (or loss/optimizer line); 0 if none. */
  readonly line: number;
  /** Optimizer steps completed before this one (0-based index of the step in progress). */
  readonly step: number;
  /** 0-based epoch. */
  readonly epoch: number;
}

/** Live training progress, throttled by the worker to a few per second. */
export interface Progress {
  readonly epoch: number;
  /** Epochs of the run; 0 when it has none the debugger can see (a PyTorch script: it counts steps). */
  readonly epochs: number;
  readonly step: number;
  readonly loss: number;
  /** Loss of the latest mini-batch (a per-step sample of the loss curve; NaN before the first loss event). */
  readonly batchLoss?: number;
  readonly stepsPerSecond: number;
  readonly gradNormBeforeClip: number;
  readonly gradNormAfterClip: number;
  /** The `clip norm` threshold of the spec, null when the spec does not clip by global norm (absent from old senders). */
  readonly clipNorm?: number | null;
  readonly layers: readonly LayerGradStats[];
  /** Loss points since the previous progress message (per epoch mean loss). */
  readonly newLossPoints: readonly LossPoint[];
  /**
   * Each optimizer step's mean loss since the previous progress message, thinned to each stretch's lowest and highest
   * (runProgress.ts MAX_STEP_POINTS_PER_MESSAGE); absent from senders that sample one step a message (PyTorch).
   */
  readonly stepLoss?: readonly StepLossPoint[];
  /** Likewise each step's global gradient norm before and after clipping. */
  readonly stepNorms?: readonly GradNormPoint[];
  /** The steps since the previous message, every one, and how many of them clipping scaled down (with stepNorms). */
  readonly stepCount?: StepCount;
  /** Per-rank gradient norms of a distributed PyTorch run, in rank order; absent for one process and `.nnet` runs. */
  readonly ranks?: readonly RankGradNorm[];
}

/** Why the runtime paused. */
export type StopReason = 'entry' | 'breakpoint' | 'function breakpoint' | 'step' | 'pause' | 'exception';

/** A line or function breakpoint as the worker applies it. */
export interface BreakpointSpec {
  /** Id the host uses in DAP; also names the breakpoint in messages. */
  readonly id: number;
  /** Runtime nodes it applies to. */
  readonly nodes: readonly number[];
  /** Stop only on these passes (default both). */
  readonly phases?: readonly ('forward' | 'backward')[];
  /** Expression that must be truthy to stop. */
  readonly condition?: string;
  /** `N` (same as `>= N`), `== N`, `> N`, `>= N`, `< N`, `<= N` or `% N`, applied to the hit count. */
  readonly hitCondition?: string;
  /** When set, a logpoint: log this text with `{expression}` interpolated, do not stop. */
  readonly logMessage?: string;
}

/** How an exception filter is described and applied. */
interface FilterDef {
  readonly label: string;
  readonly description: string;
  /** The doctor's rule it stops on (docs/doctor.md). */
  readonly rule: RuleId;
  /**
   * Who decides the stop: the debugger's per-batch checks (stopRules.ts) or the training doctor observing the run
   * (doctorStops.ts), which stops where the doctor's rule reports a hit.
   */
  readonly by: 'stopRules' | 'doctor';
  /** The doctor thresholds its condition sets, in order (`low high`); none: no condition. */
  readonly thresholds: readonly (keyof DoctorThresholds)[];
}

/** The exception filters the adapter offers: one per rule of the doctor's catalogue. */
export const EXCEPTION_FILTERS = {
  nan: {
    label: 'NaN or Inf',
    description: 'Pause where a NaN or ±Inf first appears in the loss or the gradients',
    rule: 'nan',
    by: 'stopRules',
    thresholds: [],
  },
  exploding: {
    label: 'Exploding gradient',
    description: 'Pause when the global gradient norm (before clipping) exceeds the threshold',
    rule: 'exploding',
    by: 'stopRules',
    thresholds: ['explodingNorm'],
  },
  vanishing: {
    label: 'Vanishing gradient',
    description:
      "Pause when a layer's gradient norm falls below the threshold times the output layer's, or its mean |grad| below an absolute floor",
    rule: 'vanishing',
    by: 'stopRules',
    thresholds: ['vanishingRatio', 'vanishingFloor'],
  },
  deadRelu: {
    label: 'Dead ReLU layer',
    description: 'Pause when the fraction of ReLU units inactive for the whole batch exceeds the threshold',
    rule: 'dead-relu',
    by: 'stopRules',
    thresholds: ['deadReluShare'],
  },
  saturated: {
    label: 'Saturated tanh/sigmoid',
    description:
      "Pause when, over a window of the first steps, more than the threshold share of a hidden tanh/sigmoid layer's outputs sit where φ′ is below a tenth of its maximum",
    rule: 'saturated',
    by: 'doctor',
    thresholds: ['saturatedShare'],
  },
  symmetricUnits: {
    label: 'Symmetric units',
    description: 'Pause when two units of a layer have identical weights and bias (the zero-init trap)',
    rule: 'symmetric-units',
    by: 'doctor',
    thresholds: [],
  },
  updateRatio: {
    label: 'Update ratio out of range',
    description: 'Pause when a measured step moves a weight matrix by ‖ΔW‖/‖W‖ outside [low, high]',
    rule: 'update-ratio',
    by: 'doctor',
    thresholds: ['updateRatioLow', 'updateRatioHigh'],
  },
  unchangedWeights: {
    label: 'Unchanged weights',
    description: 'Pause when a weight matrix stays within the relative tolerance for several measured steps in a row',
    rule: 'unchanged-weights',
    by: 'doctor',
    thresholds: ['unchangedRtol'],
  },
  allZero: {
    label: 'All-zero weights',
    description: 'Pause when a weight matrix is all 0 before the first update',
    rule: 'all-zero',
    by: 'doctor',
    thresholds: [],
  },
  poorInit: {
    label: 'Poor initialization',
    description: 'Pause at step 0 when var(z) grows or shrinks across layers by more than the ratio',
    rule: 'poor-init',
    by: 'doctor',
    thresholds: ['poorInitRatio'],
  },
  lossNotDecreasing: {
    label: 'Loss not decreasing',
    description: "Pause when a window's mean loss is not at least the threshold share below the first window's",
    rule: 'loss-not-decreasing',
    by: 'doctor',
    thresholds: ['lossMinDecrease'],
  },
  lossSpike: {
    label: 'Loss spike',
    description: "Pause when a window's mean loss exceeds the threshold times the window before",
    rule: 'loss-spike',
    by: 'doctor',
    thresholds: ['lossSpikeFactor'],
  },
  overfitting: {
    label: 'Overfitting',
    description:
      'Pause at the end of an epoch when the validation loss has risen above its best by more than the ratio while the training loss falls',
    rule: 'overfitting',
    by: 'doctor',
    thresholds: ['overfitRatio'],
  },
  unscaledInputs: {
    label: 'Unscaled inputs',
    description:
      "Pause at the end of the first epoch when an input column's |mean| or standard deviation is past the thresholds (the data, not a step)",
    rule: 'unscaled-inputs',
    by: 'doctor',
    thresholds: ['unscaledMean', 'unscaledStd'],
  },
} as const satisfies Record<string, FilterDef>;
export type ExceptionFilterId = keyof typeof EXCEPTION_FILTERS;

/** A filter's threshold by default: the doctor's default of its first threshold (0 for a filter without one). */
export function defaultFilterThreshold(id: ExceptionFilterId): number {
  const keys: readonly (keyof DoctorThresholds)[] = EXCEPTION_FILTERS[id].thresholds;
  return keys.length ? DEFAULT_THRESHOLDS[keys[0]] : 0;
}

/** An enabled exception filter with its threshold. */
export interface ExceptionFilter {
  readonly id: ExceptionFilterId;
  /** Its first threshold (the doctor's filters read theirs from the doctor's thresholds, sent beside the filters). */
  readonly threshold: number;
  /** For `vanishing`: the absolute floor of mean |∂L/∂W| (the nnet.exceptions.vanishingFloor setting); default 1e-7. */
  readonly floor?: number;
}

/** Limits the worker parses the file with (from the settings, or the launch configuration). */
export interface ParseLimits {
  /** Largest CSV file read, in bytes. */
  readonly maxCsvBytes: number;
  /** Memory the network may need to train, in bytes. */
  readonly memoryBudget: number;
}

/** Per-node summary for the Network scope and inline values. */
export interface NodeSummary {
  readonly name: string;
  readonly kind: string;
  /** 1-based line. */
  readonly line: number;
  /** Summary of the node's output a on the current batch, or `— (computed at forward out)`. */
  readonly output: string;
  /** The event that computes the output when this step has not run it yet, else null. */
  readonly outputPending: string | null;
  /** ‖∂L/∂W‖ (or γ) in the current step, null for nodes without weights or before its backward event. */
  readonly gradNorm: number | null;
  /** For a node with weights whose gradient this step has not computed yet: the event that will. */
  readonly gradPending: string | null;
  /** Expression paths of the node's tensors, for expanding it. */
  readonly paths: readonly string[];
  /** Paths among `paths` with no value yet in this step, each with the event that computes it. */
  readonly pending: Readonly<Record<string, string>>;
}

/** A sub-step inside an event (Step Into): its formula and what it shows. */
export interface SubStep {
  readonly index: number;
  readonly count: number;
  /** E.g. `δ = ∂L/∂a ⊙ φ′(z)`. */
  readonly formula: string;
}

/** One tensor of a gradient check: the worst relative error of its checked entries against finite differences. */
export type GradCheckTensor = Omit<TensorCheck, 'key'>;

/** The result of Check Gradients Here. */
export interface GradCheckReport {
  /** How the stop names the node, e.g. `h1`, `block (sum)`. */
  readonly layer: string;
  /** The layer's name in expressions and requests (a residual block's name for both of its nodes). */
  readonly name: string;
  /** 1-based line of the layer. */
  readonly line: number;
  /** 1-based step whose batch and parameters were checked. */
  readonly step: number;
  readonly tolerance: number;
  readonly tensors: readonly GradCheckTensor[];
  /** True when every tensor is within the tolerance. */
  readonly ok: boolean;
  /** The report as Debug Console lines. */
  readonly text: string;
}

/** What a step request asks for. */
export type StepKind = 'over' | 'into' | 'out' | 'back';

/** Values above which a stop carries a tensor's summary line only (256 KB of float32). */
export const STOP_VALUES_MAX = 1 << 16;

/**
 * A tensor of a stop: with its values, or, above STOP_VALUES_MAX values, with only its summary line (what Variables
 * shows collapsed), its values fetched by path when expanded. Copying N5's 2.1 M parameters at every stop cost more
 * than a Step Back's replay of part of a step.
 */
export type StopTensor = Tensor | (Omit<Tensor, 'values'> & { readonly values: null; readonly summary: string });

// ---------------------------------------------------------------------------------------------------------------
// Host → worker

export type HostToWorker =
  | {
      kind: 'start';
      source: string;
      fileName: string;
      debug: boolean;
      stopOnEntry: boolean;
      breakpoints: readonly BreakpointSpec[];
      exceptionFilters: readonly ExceptionFilter[];
      historyBytes: number;
      /** Folder CSV data files must lie in (default: the .nnet file's folder). */
      dataRoot?: string;
      /** Absent: the engine's defaults (16 MB CSV, 2 GiB budget). */
      limits?: ParseLimits;
      /** Least severe `log` message the host wants (absent: none); the worker does not build the others. */
      logLevel?: LogLevel | 'off';
      /**
       * Train or debug with the training doctor watching; its findings come with `finished` (or `error`), and a debug
       * run's doctor filters stop on its hits (docs/doctor.md).
       */
      doctor?: boolean;
      /** The doctor's thresholds (the settings, and the conditions of enabled filters); absent: the defaults. */
      thresholds?: DoctorThresholds;
    }
  | { kind: 'setBreakpoints'; breakpoints: readonly BreakpointSpec[] }
  /** The enabled filters, and the doctor's thresholds when they changed with them (settings, conditions). */
  | { kind: 'setExceptionFilters'; filters: readonly ExceptionFilter[]; thresholds?: DoctorThresholds }
  | { kind: 'continue' }
  | { kind: 'step'; step: StepKind }
  | { kind: 'reverseContinue' }
  /** Pauses training, or stops a long Step Back or Reverse Continue where it has got to. */
  | { kind: 'pause' }
  | { kind: 'stop' }
  /** Requests answered by a `reply` with the same id (see `Requests`). */
  | Request;

// ---------------------------------------------------------------------------------------------------------------
// Worker → host

/** A completion: replace `length` characters at 0-based `start` of the text with `label`. */
export interface CompletionTarget {
  readonly label: string;
  readonly start: number;
  readonly length: number;
  readonly type: 'variable' | 'property' | 'function' | 'keyword';
}

/**
 * The requests a host may ask the worker, by kind: the arguments it sends and what the reply carries. A request
 * travels as `{ kind, id, ...args }` and its reply as `{ kind: 'reply', id, ok: true, ...reply }`, matched by id
 * (`WorkerRequests.ask` in requests.ts); `ok: false` carries a message for the user instead.
 */
export interface Requests {
  evaluate: { args: { expression: string }; reply: { text: string; tensor?: Tensor } };
  /** A tensor by expression path, for expanding it in Variables. */
  tensor: { args: { path: string }; reply: { text: string; tensor?: Tensor } };
  setValue: { args: { path: string; value: string }; reply: { text: string } };
  completions: { args: { text: string; offset: number }; reply: { items: readonly CompletionTarget[] } };
  /**
   * The Layer Inspector's view of a layer (null: the paused event's layer, else the first layer) at a 1-based step
   * of the history (null: where the debugger is paused). The debugger's position does not change.
   */
  layerDetail: {
    args: { layer: string | null; step: number | null; maxValues?: number };
    reply: { layer: LayerDetail };
  };
  /**
   * Check Gradients Here: a layer's analytic W, b and δ against float64 finite differences on the current batch
   * (null: the paused event's layer), computed on a copy; the paused state does not change.
   */
  checkGradients: { args: { layer: string | null }; reply: { text: string; gradCheck: GradCheckReport } };
  /**
   * Go to the first event of a 1-based step (the Findings view's Go to First Occurrence): back by replaying the
   * history, forward by running on without stopping at breakpoints or exception filters (a NaN still stops it).
   * Replied before the run moves; the move ends in a `stopped` (reason `step`, or `pause` when paused on the way).
   */
  gotoStep: { args: { step: number }; reply: { direction: 'here' | 'back' | 'forward' } };
}
export type RequestKind = keyof Requests;
/** A request as sent: its kind, the id its reply will carry, and its arguments. */
export type Request<K extends RequestKind = RequestKind> = {
  [P in K]: { kind: P; id: number } & Requests[P]['args'];
}[K];
/** A reply to a request; `error` is a message for the user when the request failed. */
export type Reply =
  | { [K in RequestKind]: { kind: 'reply'; id: number; ok: true } & Requests[K]['reply'] }[RequestKind]
  | { kind: 'reply'; id: number; ok: false; error: string };

export type WorkerToHost =
  | { kind: 'started'; layerNames: readonly string[]; parameterCount: number; epochs: number }
  | { kind: 'progress'; progress: Progress }
  | {
      kind: 'stopped';
      reason: StopReason;
      location: RuntimeLocation;
      progress: Progress;
      tensors: readonly StopTensor[];
      scalars: readonly Scalar[];
      network: readonly NodeSummary[];
      subStep: SubStep | null;
      /** For the Batch scope: the event that computes x, y and ŷ when this step has not run it yet, else null. */
      batchPending: { readonly x: string | null; readonly y: string | null; readonly yhat: string | null };
      /** For reason 'exception': which filter and why. For other reasons: ids of the breakpoints hit, or a notice. */
      exception: { readonly filter: ExceptionFilterId; readonly description: string } | null;
      hitBreakpointIds: readonly number[];
      notice: string | null;
    }
  /** A logpoint's message, or a condition that failed to evaluate: for the Debug Console, at the layer's line. */
  | { kind: 'logpoint'; message: string; line: number }
  /** A line for the nnet log (the extension's output channel, or stderr for the standalone adapter). */
  | { kind: 'log'; level: LogLevel; message: string }
  /**
   * A long Step Back or Reverse Continue under way (sent a few times a second once it has run ~0.3 s): events
   * replayed of at most `total`, and the step reached. It ends with a `stopped` (Pause stops it early).
   */
  | { kind: 'replayProgress'; title: string; done: number; total: number; step: number }
  /** A breakpoint the worker cannot apply (its condition or log message names something the network lacks). */
  | { kind: 'breakpointProblem'; id: number; message: string }
  | Reply
  | {
      kind: 'finished';
      progress: Progress;
      stopped: boolean;
      summary: string;
      /** The training doctor's findings, when the start asked for the doctor. */
      findings?: readonly Finding[];
    }
  | {
      kind: 'error';
      message: string;
      line: number;
      step: number | null;
      layerName: string | null;
      /** The doctor's findings until the failure (with `nan` where the value appeared), when the start asked for them. */
      findings?: readonly Finding[];
    };

/** Compile-time exhaustiveness guard for switches over the unions above. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
