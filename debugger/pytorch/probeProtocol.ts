// The one protocol between nnet's PyTorch probe (probe/nnet_probe, Python, in the training process) and the debug
// adapter: JSON objects, one per line (UTF-8, '\n'), over a loopback TCP socket the adapter listens on. Mirrored by
// probe/nnet_probe/protocol.py; every message is tagged by `kind`, requests carry an `id` their reply repeats.
// Numbers JSON cannot carry travel in wire/json.ts's forms (NaN as null, 'Infinity', '-Infinity', '-0'); tensor
// values as base64 of little-endian float32 (wire/float32.ts). Nothing is ever pickled.
//
// The probe decides nothing: it reports what happens (modules built, module events, step statistics) and blocks at
// the events the adapter armed, answering requests for tensors until told to resume. Breakpoint conditions, hit
// counts, logpoints and exception filters are evaluated by the adapter, with the same expression language and stop
// rules as `.nnet` sessions.

/** Where a module was constructed: the innermost frame outside torch that built it (1-based line). */
export interface ProbeSite {
  readonly file: string;
  readonly line: number;
}

/** A parameter of a module (its own, not its children's): `weight`, `bias`, … */
export interface ProbeParam {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A module with parameters of its own, named by its `named_modules()` path under the root model. */
export interface ProbeModule {
  /** E.g. `fc2`, `encoder.layers.0.fc1` (a DistributedDataParallel/DataParallel wrapper's `module.` is dropped). */
  readonly path: string;
  /** Class name, e.g. `Linear`. */
  readonly type: string;
  /** `repr` of the module, one line (e.g. `Linear(in_features=4, out_features=8, bias=True)`). */
  readonly repr: string;
  readonly params: readonly ProbeParam[];
  /** Construction site; null when it was built in a file the probe could not place (e.g. inside torch only). */
  readonly site: ProbeSite | null;
}

/** Summary of a tensor, always sent instead of its values (values are fetched on demand, in pages). */
export interface ProbeSummary {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** L2 norm of all elements. */
  readonly norm: number;
  /** Mean |x|. */
  readonly meanAbs: number;
  /** Count of NaN and ±∞ elements. */
  readonly nonFinite: number;
}

/**
 * The tensors a module event can show, by name. Forward: `input`, `output`, the parameters (`weight`, `bias`, …).
 * Backward: also `grad_output` (∂L/∂output), `grad_input` (∂L/∂input, when the input requires grad) and each
 * parameter's `.grad` (`weight.grad`). Only the first tensor argument of `forward` is `input`; a tuple output's
 * first tensor is `output`.
 */
export type ProbeTensorName = string;

/** Why a module event blocked. */
export type ProbeEventPhase = 'forward' | 'backward';

/** Per-module gradient statistics of one optimizer step (one bar group of the Gradient Flow view). */
export interface ProbeModuleStats {
  readonly path: string;
  /** Over all the module's own parameter gradients. */
  readonly meanAbsGrad: number;
  readonly maxAbsGrad: number;
  /** L2 norm of the module's parameter gradients (before clipping when the script clips). */
  readonly gradNorm: number;
  /** ‖ΔW‖/‖W‖ of the step (ΔW includes lr); sampled, absent on steps the probe did not sample. */
  readonly updateRatio?: number;
  /**
   * Fraction of the module's output units (last dimension) that were ≤ 0 on every sample of the step's last forward,
   * when the next module called after it was an `nn.ReLU` (dead units); absent otherwise or when not sampled.
   */
  readonly deadFraction?: number;
}

/** Messages the probe sends. */
export type ProbeToHost =
  /** First message of each connection; the adapter closes a connection whose token is wrong. */
  | {
      kind: 'hello';
      token: string;
      /** `rank` of a training process (0 when not distributed); the `--nproc` launcher says `launcher`. */
      role: 'rank' | 'launcher';
      rank: number;
      worldSize: number;
      pid: number;
      python: string;
      torch: string;
      /** Absolute path of the script run, and its arguments. */
      script: string;
      args: readonly string[];
    }
  /** A root model was called for the first time: its modules with parameters, in `named_modules()` order. */
  | { kind: 'modules'; root: string; modules: readonly ProbeModule[] }
  /**
   * A module event. With `wait` the probe blocks until `resume` (answering requests meanwhile); the adapter armed it
   * (`arm`), or `pause` was asked, or `nanCheck` found the module's output non-finite while its input was finite
   * (`nan` set, naming which of the module's tensors first held the non-finite values).
   */
  | {
      kind: 'event';
      phase: ProbeEventPhase;
      module: string;
      /** Optimizer steps completed before this event (0-based index of the step in progress). */
      step: number;
      /** 0-based count of this module's calls in this step (a module called twice per step has calls 0 and 1). */
      call: number;
      wait: boolean;
      /** Set when `pause` made this event block. */
      paused?: boolean;
      nan?: { tensor: string };
      /** Summaries of the event's tensors (see ProbeTensorName), for the stop and for conditions over them. */
      tensors: Readonly<Record<ProbeTensorName, ProbeSummary>>;
      /** Latest loss `backward()` was called on, null before the first. */
      loss: number | null;
      /**
       * At a backward event: the statistics of the modules whose backward has run in this step so far (this one
       * included), for the Gradient Flow view's bars at the stop.
       */
      modules?: readonly ProbeModuleStats[];
    }
  /**
   * End of an optimizer step (sent before the wrapped `optimizer.step()` applies it, after `clip_grad_norm_` if any),
   * blocking when `arm.stepEnd` is set so exception filters over the step's statistics can stop there.
   */
  | {
      kind: 'stepEnd';
      step: number;
      wait: boolean;
      loss: number | null;
      modules: readonly ProbeModuleStats[];
      /** Global gradient norm before/after clipping (equal when the script did not clip; NaN when unknown). */
      gradNormBefore: number;
      gradNormAfter: number;
      /** `max_norm` of the step's `clip_grad_norm_` call, null when it did not clip. */
      clipNorm: number | null;
    }
  /** Throttled live statistics (at most every `arm.progressMs`): the latest step's and the losses since last time. */
  | {
      kind: 'progress';
      step: number;
      stepsPerSecond: number;
      /** [step, loss] of every `backward()` since the previous progress message (0-based step). */
      losses: readonly (readonly [number, number])[];
      modules: readonly ProbeModuleStats[];
      gradNormBefore: number;
      gradNormAfter: number;
      clipNorm: number | null;
    }
  /** The answer to a request (matched by id). */
  | ({ kind: 'reply'; id: number } & ({ ok: true; body: ProbeReplyBody } | { ok: false; error: string }))
  /** The launcher's word on a rank process that ended (`code` its exit status, negative for a signal). */
  | { kind: 'rankExit'; rank: number; code: number }
  /**
   * The script ended: returned, called sys.exit, or raised (`error` with the exception, its traceback as text and
   * the innermost frame in a file that is not torch's or the probe's).
   */
  | {
      kind: 'exit';
      code: number;
      error: { type: string; message: string; traceback: string; site: ProbeSite | null } | null;
    };

/** What a blocked probe is told to watch for and report. Replaces the previous `arm` whole. */
export interface ProbeArm {
  /** Modules whose forward and/or backward events block. */
  readonly modules: readonly { path: string; forward: boolean; backward: boolean }[];
  /** Every module event blocks (Step Over: the next module event). */
  readonly every: boolean;
  /** Check each hooked module's output for NaN/±∞ on forward (and its parameter gradients on backward). */
  readonly nanCheck: boolean;
  /** `stepEnd` blocks (exception filters over step statistics). */
  readonly stepEnd: boolean;
  /** Send `progress` at most this often (ms); 0 turns progress off. */
  readonly progressMs: number;
  /** Sample the update ratio at most this often (ms): it copies the weights before the step. */
  readonly updateRatioMs: number;
}

/** Requests, answered only while the probe is blocked (an event or stepEnd with `wait`). */
export interface ProbeRequests {
  /** Summaries of a module's tensors as of its latest forward/backward (see ProbeTensorName). */
  summaries: { args: { module: string }; reply: { tensors: Readonly<Record<ProbeTensorName, ProbeSummary>> } };
  /** A page of a tensor's values, flattened row-major: `count` values from `offset` (clamped to the tensor). */
  values: {
    args: { module: string; tensor: ProbeTensorName; offset: number; count: number };
    reply: { shape: readonly number[]; offset: number; total: number; data: string };
  };
}

export type ProbeRequestKind = keyof ProbeRequests;
export type ProbeReplyBody = ProbeRequests[ProbeRequestKind]['reply'];

/** Messages the adapter sends. */
export type HostToProbe =
  | ({ kind: 'arm' } & ProbeArm)
  /** Block at the next module event (Pause). */
  | { kind: 'pause' }
  /** Leave the current blocking event and run on. */
  | { kind: 'resume' }
  /** End the process now (Stop); the probe exits with status 130 without running the script further. */
  | { kind: 'stop' }
  | { [K in ProbeRequestKind]: { kind: K; id: number } & ProbeRequests[K]['args'] }[ProbeRequestKind];

/** Environment variables the adapter sets for the probe: where to connect and the session's secret. */
export const PROBE_ENV = {
  /** `127.0.0.1:PORT` (loopback only; the probe refuses any other host). */
  connect: 'NNET_PROBE_CONNECT',
  /** The per-session token the probe's `hello` must carry (in the environment, not argv, so `ps` does not show it). */
  token: 'NNET_PROBE_TOKEN',
} as const;
