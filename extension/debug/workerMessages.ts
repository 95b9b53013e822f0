// What the nnet debug session says when its training worker speaks: each worker message translated into DAP events
// and the custom `nnet.*` events the views read, in the order the client must see them; and its last words.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { OutputEvent } from '@vscode/debugadapter';
import type { Finding } from '../../engine/doctor/types';
import type { Logger, LogLevel } from '../../debugger/log';
import { assertNever, type WorkerToHost } from '../../debugger/protocol';
import type { WorkerExit } from '../../debugger/workerClient';
import type { NnetCustomEventName, NnetCustomEvents } from './customEvents';
import type { DapProgress } from './progress';
import { breakpointProblemEvent, logpointEvent, startedEvent, stoppedEvent } from './stops';
import type { Stopped } from './variables';

/** What translating the worker's messages needs of the session. */
export interface WorkerMessageSink {
  /** The program training (absolute path). */
  readonly program: string;
  readonly progress: DapProgress;
  readonly logger: Logger;
  sendEvent(e: DebugProtocol.Event): void;
  sendCustom<K extends NnetCustomEventName>(name: K, body: NnetCustomEvents[K]): void;
  /** The session's `nnet.ended` and `terminated`. */
  sendEnded(body: NnetCustomEvents['nnet.ended']): void;
  /** A line of the session's own in the log. */
  log(level: LogLevel, message: string): void;
  /** The worker stopped: the session is paused there (the references of any earlier stop are void). */
  pausedAt(m: Stopped): void;
  /** Training ended (finished, or failed with `error` at `line`); the session ends. */
  end(summary: string, error: string | null, line: number, findings?: readonly Finding[]): void;
}

/** Translates one message of the worker into what the client and the views are told. */
export function translateWorkerMessage(m: WorkerToHost, s: WorkerMessageSink): void {
  switch (m.kind) {
    case 'started':
      s.sendCustom('nnet.started', { layerNames: m.layerNames, program: s.program });
      s.sendEvent(startedEvent(m, s.program));
      return;
    case 'progress':
      s.sendCustom('nnet.progress', { progress: m.progress, paused: null });
      s.progress.training(m.progress);
      return;
    case 'stopped':
      s.progress.end();
      s.pausedAt(m);
      s.sendCustom('nnet.progress', { progress: m.progress, paused: m.location });
      s.sendCustom('nnet.stopped', { network: m.network, location: m.location });
      if (m.notice) s.sendEvent(new OutputEvent(`${m.notice}\n`, 'console'));
      s.sendEvent(stoppedEvent(m));
      return;
    case 'log':
      s.logger.log(m.level, m.message);
      return;
    case 'logpoint':
      s.sendEvent(logpointEvent(m, s.program));
      return;
    case 'breakpointProblem':
      s.sendEvent(breakpointProblemEvent(m));
      return;
    case 'replayProgress':
      s.progress.replay(m);
      return;
    case 'reply':
      return; // handled by WorkerRequests
    case 'finished':
      // A run that ends between two progress messages: the views show where it ended, not the last sample.
      s.sendCustom('nnet.progress', { progress: m.progress, paused: null });
      s.end(m.summary, null, 0, m.findings);
      return;
    case 'error':
      s.end('', m.message, m.line, m.findings);
      return;
    default:
      assertNever(m);
  }
}

/** Why the session ends when its worker exits without a last message (crashed, killed, out of memory). */
export function workerExitReason(exit: WorkerExit): string {
  return `The training worker stopped unexpectedly${exit.error ? `: ${exit.error}` : ` (exit code ${exit.code})`}`;
}

/**
 * The session's last words: the summary in the Debug Console, an error there (stderr) and in the log, then
 * `nnet.ended` (with the doctor's findings) and `terminated`.
 */
export function sayEnded(
  s: WorkerMessageSink,
  summary: string,
  error: string | null,
  line: number,
  findings?: readonly Finding[],
): void {
  s.progress.end();
  if (summary) s.sendEvent(new OutputEvent(`${summary}\n`, 'console'));
  if (error) s.log('warn', `training stopped: ${error}`);
  if (error) s.sendEvent(new OutputEvent(`${error}\n`, 'stderr'));
  s.sendEnded({ summary, error, line, ...(findings ? { findings } : {}) });
}
