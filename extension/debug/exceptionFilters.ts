// Exception breakpoints: the filters a client ticks (with their thresholds as the condition), checked, and turned
// into what the worker applies — the filters with their thresholds and the doctor's thresholds they set — with the
// settings filling in whatever the client left out.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS, type ExceptionFilter, type ExceptionFilterId } from '../../debugger/protocol';
import { THRESHOLD_INFO, type DoctorThresholds } from '../../engine/doctor/thresholds';
import { thresholdsOf, THRESHOLD_SETTINGS, type SessionSettings } from '../settings';

/** An exception filter as the client set it: the thresholds its condition gives, in order (none: the settings'). */
export interface RequestedFilter {
  readonly id: ExceptionFilterId;
  readonly values: readonly number[];
}

/** The doctor thresholds a filter's condition sets, in order. */
function keysOf(id: ExceptionFilterId): readonly (keyof DoctorThresholds)[] {
  return EXCEPTION_FILTERS[id].thresholds;
}

/** How the Breakpoints view describes a filter's condition: constant text (VS Code keeps the ticks only then). */
export function conditionDescription(id: ExceptionFilterId): string | undefined {
  const keys = keysOf(id);
  if (keys.length === 0) return undefined;
  const what = keys.map((k) => THRESHOLD_INFO[k].what).join('; then ');
  const dflt = keys.map((k) => `${THRESHOLD_SETTINGS[k].default}`).join(' ');
  const where = keys.map((k) => `nnet.${THRESHOLD_SETTINGS[k].key}`).join(', ');
  return `${keys.length > 1 ? 'thresholds' : 'threshold'}: ${what} (default ${dflt}: the setting ${where})`;
}

/**
 * Reads a filter's condition: one number per threshold of the filter (separated by spaces or commas; fewer leave
 * the rest to the settings), each within its range. The values, or why the condition cannot be used.
 */
export function parseCondition(id: ExceptionFilterId, text: string | undefined): number[] | string {
  const words = text?.trim() ? text.trim().split(/[\s,]+/) : [];
  const keys = keysOf(id),
    label = EXCEPTION_FILTERS[id].label;
  if (keys.length === 0) return words.length ? `'${label}' takes no condition (it stops wherever its rule holds)` : [];
  if (words.length > keys.length)
    return `the condition of '${label}' is at most ${keys.length} number${keys.length > 1 ? 's' : ''} (${keys.join(', ')}); '${text!.trim()}' has ${words.length}`;
  const values: number[] = [];
  for (const [i, w] of words.entries()) {
    const v = Number(w),
      k = keys[i],
      s = THRESHOLD_SETTINGS[k];
    if (!Number.isFinite(v) || v < s.minimum || v > s.maximum || (s.integer && !Number.isInteger(v)))
      return `the condition of '${label}' is ${keys.length > 1 ? `${keys.length} thresholds; ${k}` : 'a threshold'}, a ${s.integer ? 'whole ' : ''}number in ${s.minimum}…${s.maximum}; '${w}' is not`;
    values.push(v);
  }
  return values;
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
    const values = parseCondition(id, o.condition);
    if (typeof values === 'string') {
      results.push({ verified: false, message: values });
      continue;
    }
    filters.push({ id, values });
    results.push({ verified: true });
  }
  return { filters, results };
}

/**
 * The doctor's thresholds of a session: the settings (and launch attributes), with the conditions of the enabled
 * filters in place of the thresholds they give.
 */
export function doctorThresholds(requested: readonly RequestedFilter[], s: SessionSettings): DoctorThresholds {
  const out: Record<string, number> = { ...thresholdsOf(s) };
  for (const f of requested) keysOf(f.id).forEach((k, i) => f.values[i] !== undefined && (out[k] = f.values[i]));
  return out as unknown as DoctorThresholds;
}

/** The filters the client enabled, each with its first threshold (and the vanishing filter's floor). */
export function exceptionFilters(requested: readonly RequestedFilter[], s: SessionSettings): ExceptionFilter[] {
  const th = doctorThresholds(requested, s);
  return requested.map((f) => {
    const keys = keysOf(f.id);
    const threshold = keys.length ? th[keys[0]] : 0;
    return f.id === 'vanishing' ? { id: f.id, threshold, floor: th.vanishingFloor } : { id: f.id, threshold };
  });
}
