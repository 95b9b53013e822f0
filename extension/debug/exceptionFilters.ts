// Exception breakpoints: the filters a client ticks (with an optional threshold as their condition), checked, and
// turned into what the worker applies, with the settings filling in thresholds the client left out.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS, assertNever, type ExceptionFilter, type ExceptionFilterId } from '../../debugger/protocol';
import type { SessionSettings } from '../settings';

/** An exception filter as the client set it: its threshold, or null for the setting's default. */
export interface RequestedFilter {
  readonly id: ExceptionFilterId;
  readonly threshold: number | null;
}

/** Reads a setExceptionBreakpoints request: the filters it enables, and one verdict per filter for the response. */
export function requestedFilters(args: DebugProtocol.SetExceptionBreakpointsArguments): {
  filters: RequestedFilter[];
  results: DebugProtocol.Breakpoint[];
} {
  const options: DebugProtocol.ExceptionFilterOptions[] = [
    ...(args.filterOptions ?? []),
    ...args.filters.filter((f) => !args.filterOptions?.some((o) => o.filterId === f)).map((filterId) => ({ filterId })),
  ];
  const filters: RequestedFilter[] = [];
  const results: DebugProtocol.Breakpoint[] = [];
  for (const o of options) {
    if (!Object.hasOwn(EXCEPTION_FILTERS, o.filterId)) {
      results.push({ verified: false, message: `unknown filter '${o.filterId}'` });
      continue;
    }
    const id = o.filterId as ExceptionFilterId;
    const text = o.condition?.trim();
    const threshold = text ? Number(text) : null;
    if (threshold !== null && (!Number.isFinite(threshold) || threshold < 0)) {
      results.push({
        verified: false,
        message: `the condition of '${EXCEPTION_FILTERS[id].label}' is a threshold, a number ≥ 0; '${text}' is not`,
      });
      continue;
    }
    filters.push({ id, threshold });
    results.push({ verified: true });
  }
  return { filters, results };
}

/** A filter's threshold when the client gave none: the setting (or launch attribute). */
function defaultThreshold(id: ExceptionFilterId, s: SessionSettings): number {
  switch (id) {
    case 'nan':
      return EXCEPTION_FILTERS.nan.defaultThreshold;
    case 'exploding':
      return s.explodingNorm;
    case 'vanishing':
      return s.vanishingRatio;
    case 'deadRelu':
      return s.deadReluShare;
    default:
      return assertNever(id);
  }
}

/** The filters the client enabled, with the settings filled in where it gave no threshold. */
export function exceptionFilters(requested: readonly RequestedFilter[], s: SessionSettings): ExceptionFilter[] {
  return requested.map((f) => {
    const threshold = f.threshold ?? defaultThreshold(f.id, s);
    return f.id === 'vanishing' ? { id: f.id, threshold, floor: s.vanishingFloor } : { id: f.id, threshold };
  });
}
