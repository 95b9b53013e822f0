// What a PyTorch run tells the debug session (debugger/pytorch/probeRun.ts → extension/debug/pytorch/session.ts):
// its notices, tagged by kind, with the stop of the rank breakpoints pause and how the run ended. Knows nothing of DAP.

import type { Progress } from '../protocol';
import type { PlacedBreakpoint } from './runBreakpoints';
import type { ProbeModule, ProbeModuleStats, ProbeSite, ProbeSummary } from './probeProtocol';
import type { ProbeHello } from './probeServer';
import type { FilterHit } from './stepFilters';

/** Why a rank stopped. */
export type RunStopReason = 'entry' | 'breakpoint' | 'function breakpoint' | 'step' | 'pause' | 'exception';

/** A stop of the rank breakpoints pause. */
export interface RunStop {
  readonly rank: number;
  readonly reason: RunStopReason;
  /** Module path ('' when a step's statistics stopped with no module to show). */
  readonly module: string;
  readonly phase: 'forward' | 'backward' | 'stepEnd';
  readonly step: number;
  readonly call: number;
  readonly tensors: Readonly<Record<string, ProbeSummary>>;
  readonly loss: number | null;
  /** This step's module statistics so far (a backward stop, stepEnd); null where the stop has none (forward). */
  readonly modules: readonly ProbeModuleStats[] | null;
  readonly hitBreakpointIds: readonly number[];
  readonly exception: FilterHit | null;
  /** Latest global gradient norms of the rank (NaN before the first step's statistics). */
  readonly gradNormBefore: number;
  readonly gradNormAfter: number;
}

/** How the run ended, for the session's last words. */
export interface RunEnd {
  readonly code: number | null;
  readonly summary: string;
  readonly error: { readonly message: string; readonly traceback: string; readonly site: ProbeSite | null } | null;
}

/** What the run tells the session. */
export type RunNotice =
  | { kind: 'output'; category: 'stdout' | 'stderr' | 'console'; text: string; site?: ProbeSite | null }
  | { kind: 'rankStarted'; rank: number; hello: ProbeHello }
  | { kind: 'rankEnded'; rank: number; message: string }
  | { kind: 'modules'; modules: readonly ProbeModule[] }
  | { kind: 'breakpoints'; placements: readonly PlacedBreakpoint[] }
  | { kind: 'stopped'; stop: RunStop }
  | { kind: 'continued'; rank: number }
  | { kind: 'progress'; rank: number; progress: Progress }
  | { kind: 'ended'; end: RunEnd };
