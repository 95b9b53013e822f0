// How the worker's news reads in the client: the Call Stack of a stop (the event, and the Step Into sub-step above
// it), the `stopped` event's reason and description, and the Debug Console lines and breakpoint changes.

import { BreakpointEvent, OutputEvent, Source, StackFrame, StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import type { WorkerToHost } from '../../debugger/protocol';
import type { Stopped } from './variables';

type Message<K extends WorkerToHost['kind']> = Extract<WorkerToHost, { kind: K }>;

/** The one thread of an nnet debug session. */
export const THREAD_ID = 1;

/** The Call Stack at stop `s` (empty while running). */
export function stackFrames(s: Stopped | null, program: string): StackFrame[] {
  const frames: StackFrame[] = [];
  if (!s) return frames;
  const loc = s.location,
    source = new Source(path.basename(program), program);
  const where = `step ${loc.step + 1} · epoch ${loc.epoch + 1}`;
  const next = `${loc.phase}${loc.layer >= 0 || s.exception ? ` ${loc.layerName}` : ''}`;
  // At entry nothing has run: the frame names the event that comes next, not one that happened.
  const event = s.reason === 'entry' ? `entry (before ${next})` : next;
  if (s.subStep)
    frames.push(
      new StackFrame(2, `${s.subStep.formula}  (${s.subStep.index + 1}/${s.subStep.count})`, source, loc.line, 1),
    );
  frames.push(new StackFrame(1, `${event} · ${where}`, source, loc.line, 1));
  return frames;
}

/** The DAP `stopped` event of a worker stop. */
export function stoppedEvent(m: Stopped): DebugProtocol.StoppedEvent {
  const ev: DebugProtocol.StoppedEvent = new StoppedEvent(m.reason, THREAD_ID, m.exception?.description);
  ev.body.description = m.exception
    ? m.exception.description
    : `Paused on ${m.location.phase} ${m.location.layerName}${m.subStep ? `: ${m.subStep.formula}` : ''}`;
  if (m.hitBreakpointIds.length) ev.body.hitBreakpointIds = [...m.hitBreakpointIds];
  return ev;
}

/** The Debug Console's first line: what trains. */
export function startedEvent(m: Message<'started'>, program: string): DebugProtocol.OutputEvent {
  return new OutputEvent(
    `Training ${path.basename(program)}: ${m.layerNames.length} weighted layers, ${m.parameterCount} parameters, ${m.epochs} epochs\n`,
    'console',
  ) as DebugProtocol.OutputEvent;
}

/** A logpoint's message (or a condition that failed to evaluate) in the Debug Console, at its layer's line. */
export function logpointEvent(m: Message<'logpoint'>, program: string): DebugProtocol.OutputEvent {
  return consoleAtLine(m.message, program, m.line);
}

/** Lines for the Debug Console, linked to a 1-based line of the program. */
export function consoleAtLine(text: string, program: string, line: number): DebugProtocol.OutputEvent {
  const out: DebugProtocol.OutputEvent = new OutputEvent(`${text}\n`, 'console');
  out.body.source = new Source(path.basename(program), program);
  out.body.line = line;
  return out;
}

/** The worker knows the network's names: a condition naming something else can never be true. */
export function breakpointProblemEvent(m: Message<'breakpointProblem'>): DebugProtocol.BreakpointEvent {
  const bp: DebugProtocol.Breakpoint = { id: m.id, verified: false, message: m.message };
  return new BreakpointEvent('changed', bp) as DebugProtocol.BreakpointEvent;
}
