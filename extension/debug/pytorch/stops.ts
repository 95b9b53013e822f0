// How a PyTorch run's news reads in the client: the frame name, stack and `stopped` event of a stop, its exception,
// its location for the views, the Debug Console lines with their source, and breakpoints as DAP reports them.

import { OutputEvent, Source, StackFrame, StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import { EXCEPTION_FILTERS, type RuntimeLocation } from '../../../debugger/protocol';
import type { Placement } from '../../../debugger/pytorch/placement';
import type { ProbeModule } from '../../../debugger/pytorch/probeProtocol';
import type { RunBreakpoint, RunStop } from '../../../debugger/pytorch/probeRun';

/** A rank's DAP thread id (thread ids start at 1). */
export const threadOf = (rank: number): number => rank + 1;

/** What a script's failure says: its message, traceback and where it was raised, when known. */
export interface ScriptError {
  readonly message: string;
  readonly traceback: string;
  readonly site: { readonly file: string; readonly line: number } | null;
}

/** The DAP `stopped` event of stop `s` (one rank stops; the others train on). */
export function ptStoppedEvent(s: RunStop): DebugProtocol.StoppedEvent {
  const ev = new StoppedEvent(s.reason, threadOf(s.rank), s.exception?.description) as DebugProtocol.StoppedEvent;
  ev.body.description = s.exception ? s.exception.description : `Paused on ${frameName(s)}`;
  ev.body.allThreadsStopped = false;
  if (s.hitBreakpointIds.length) ev.body.hitBreakpointIds = [...s.hitBreakpointIds];
  return ev;
}

/** Where stop `s` is, as the views take it from a `.nnet` session (the end of a step reads as its update). */
export function stopLocation(s: RunStop, modules: readonly ProbeModule[]): RuntimeLocation {
  const index = modules.findIndex((m) => m.path === s.module);
  const site = modules[index]?.site ?? null;
  return {
    phase: s.phase === 'stepEnd' ? 'update' : s.phase,
    layer: index,
    layerName: s.module || 'step',
    line: site?.line ?? 0,
    step: s.step,
    epoch: 0,
  };
}

/** A Debug Console line, linked to the script's line when it has one. */
export function outputAt(
  text: string,
  category: string,
  site: { readonly file: string; readonly line: number } | null | undefined,
): DebugProtocol.OutputEvent {
  const out = new OutputEvent(text, category) as DebugProtocol.OutputEvent;
  if (site) {
    out.body.source = new Source(path.basename(site.file), site.file);
    out.body.line = site.line;
  }
  return out;
}

/** The Debug Console line of a script that raised. */
export function scriptErrorEvent(error: ScriptError): DebugProtocol.OutputEvent {
  const where = error.site ? ` at ${path.basename(error.site.file)}:${error.site.line}` : '';
  return outputAt(`nnet: the script raised ${error.message}${where}\n`, 'console', error.site);
}

/** The requests the run may apply (those whose expressions are fine). */
export function valid<T extends { problem?: string }>(reqs: readonly T[]): T[] {
  return reqs.filter((r) => !r.problem);
}

/** A breakpoint's condition, hit condition and log message, when set. */
export function expressions(b: {
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}): Partial<RunBreakpoint> {
  return {
    ...(b.condition?.trim() ? { condition: b.condition } : {}),
    ...(b.hitCondition?.trim() ? { hitCondition: b.hitCondition } : {}),
    ...(b.logMessage ? { logMessage: b.logMessage } : {}),
  };
}

/** A DAP breakpoint from where it was placed. */
export function dapBreakpoint(
  id: number,
  p: Placement,
  file: string | undefined,
  problem?: string,
): DebugProtocol.Breakpoint {
  const bp: DebugProtocol.Breakpoint = { id, verified: p.verified && !problem };
  if (p.line > 0) bp.line = p.line;
  if (file) bp.source = new Source(path.basename(file), file);
  const message = problem ?? p.message;
  if (message) bp.message = message;
  return bp;
}

/** `forward fc2 · step 3 · rank 0` (steps 1-based, as in `.nnet` sessions). */
export function frameName(s: RunStop): string {
  const what = s.phase === 'stepEnd' ? `end of step${s.module ? ` (${s.module})` : ''}` : `${s.phase} ${s.module}`;
  return `${s.reason === 'entry' ? `entry: ${what}` : what} · step ${s.step + 1} · rank ${s.rank}`;
}

/** The Call Stack of thread `threadId`: the stopped module's one frame, at its call site, if the stop is that rank's. */
export function ptStackFrames(
  s: RunStop | null,
  modules: readonly ProbeModule[] | null,
  threadId: number,
): StackFrame[] {
  const frames: StackFrame[] = [];
  if (s && threadId === threadOf(s.rank)) {
    const site = modules?.find((m) => m.path === s.module)?.site ?? null;
    const source = site ? new Source(path.basename(site.file), site.file) : undefined;
    frames.push(new StackFrame(1, frameName(s), source, site?.line ?? 0, 1));
  }
  return frames;
}

/** The exceptionInfo body of a stop: its filter's hit, or none. */
export function ptExceptionInfo(s: RunStop | null | undefined): DebugProtocol.ExceptionInfoResponse['body'] {
  const e = s?.exception;
  return e
    ? {
        exceptionId: EXCEPTION_FILTERS[e.filter].label,
        description: e.description,
        breakMode: 'always',
        details: { message: e.description, typeName: e.filter },
      }
    : { exceptionId: 'none', description: 'Not stopped on an exception', breakMode: 'never' };
}
