// How a stop reads in the client: the Call Stack (the event, and the Step Into sub-step above it) and the
// `stopped` event's reason and description.

import { Source, StackFrame, StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import path from 'node:path';
import type { Stopped } from './variables';

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
