// How a PyTorch run ended, in the words the session shows: a summary from the process's exit (attached: from the
// ranks' `exit` messages), and the script's error with its traceback and the line that raised it.

import type { ProbeExit } from './probeProcess';
import type { ProbeToHost } from './probeProtocol';
import type { RunEnd } from './runNotice';

/** A rank's last message: its exit code and the error the script raised, if any. */
export type ExitMessage = Extract<ProbeToHost, { kind: 'exit' }>;

/** What the run knew when it ended, besides the exit itself. */
export interface EndState {
  /** The ranks' `exit` messages, in arrival order. */
  readonly exitMessages: readonly ExitMessage[];
  /** The user asked it to stop (Stop, Disconnect). */
  readonly stopping: boolean;
  /** Attached to probes started elsewhere: no process of ours, so no exit status. */
  readonly attached: boolean;
  /** The probe reported the model's modules. */
  readonly hadModules: boolean;
}

/** The run's last words: the first reason that applies, from a probe that never started to a clean finish. */
export function runEnd(exit: ProbeExit, st: EndState): RunEnd {
  const error = st.exitMessages.find((m) => m.error)?.error ?? null;
  const code = exit.code ?? null;
  let summary: string;
  if (exit.error) summary = `the probe could not be started: ${exit.error}`;
  else if (st.stopping) summary = 'stopped';
  else if (error) summary = `the script raised ${error.type}: ${error.message}`;
  else if (exit.signal) summary = `the script was killed by ${exit.signal}`;
  else if (st.attached && code === null) summary = 'the probe disconnected';
  else if (code !== 0) summary = `the script ${statusText(code ?? 1)}`;
  else if (!st.hadModules) summary = 'no module with parameters was called (the probe found nothing to debug)';
  else summary = 'the script finished';
  return {
    code,
    summary,
    error: error ? { message: `${error.type}: ${error.message}`, traceback: error.traceback, site: error.site } : null,
  };
}

/** How an attached run ended, as far as its ranks' `exit` messages say (no exit status of a process of ours). */
export function attachedExit(exitMessages: readonly ExitMessage[]): ProbeExit {
  const codes = exitMessages.map((m) => m.code);
  return { code: codes.find((c) => c !== 0) ?? (codes.length ? 0 : null), signal: null };
}

/** `exited with status N` or `was killed by signal N`. */
export function statusText(code: number): string {
  return code < 0 ? `was killed by signal ${-code}` : `exited with status ${code}`;
}
