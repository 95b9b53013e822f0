// The two decisions of a PyTorch run that depend only on its state: what a rank is armed with (which of its events
// block), and why a blocking module event stops, if it does (exception, breakpoint, entry, Pause, Step Over).

import type { ExceptionFilter } from '../protocol';
import type { ProbeArm } from './probeProtocol';
import type { RunBreakpoints } from './runBreakpoints';
import type { RunStopReason } from './runNotice';
import { needsStepEnd, type FilterHit } from './stepFilters';

/** How often ranks send progress, and sample update ratios (ms). */
const PROGRESS_MS = 250;
const UPDATE_RATIO_MS = 1000;

/** What the run is waiting for, as far as arming and stopping go. */
export interface RunWaits {
  /** Step Over asked: the next module event stops. */
  readonly stepping: boolean;
  /** Stop on entry asked and not yet done. */
  readonly entryPending: boolean;
}

/**
 * The arm of a rank: only the stop rank (`mine`) blocks, on its armed modules, on every event while stepping, on
 * entry or while breakpoints wait for the model, and where the exception filters need it.
 */
export function armOf(
  mine: boolean,
  breakpoints: RunBreakpoints,
  modulesKnown: boolean,
  filters: readonly ExceptionFilter[],
  w: RunWaits,
): ProbeArm {
  // Before the model is reported, a pending breakpoint needs the first module event to block: by then the
  // `modules` message (sent first, on the same socket) is here, and the arm that follows names the modules.
  const pending = !modulesKnown && breakpoints.any;
  return {
    modules: mine ? breakpoints.armed() : [],
    every: mine && (w.stepping || w.entryPending || pending),
    nanCheck: mine && filters.some((f) => f.id === 'nan'),
    stepEnd: mine && needsStepEnd(filters),
    progressMs: PROGRESS_MS,
    updateRatioMs: UPDATE_RATIO_MS,
  };
}

/**
 * Why a blocking module event of the stop rank stops, first reason first, or null to run on. `ids` are the
 * breakpoints whose verdict stopped; `allFunctions` tells whether they are all function breakpoints.
 */
export function stopReason(
  exception: FilterHit | null,
  ids: readonly number[],
  allFunctions: (ids: readonly number[]) => boolean,
  paused: boolean,
  w: RunWaits,
): RunStopReason | null {
  if (exception) return 'exception';
  if (ids.length) return allFunctions(ids) ? 'function breakpoint' : 'breakpoint';
  if (w.entryPending) return 'entry';
  if (paused) return 'pause';
  return w.stepping ? 'step' : null;
}
