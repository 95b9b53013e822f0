// Helpers of the debug runtime's tests: a TrainingRun driven as the host drives it, without a thread.

import type { HostToWorker, WorkerToHost } from './protocol';
import { TrainingRun, type WholeSteps } from './trainingRun';

/**
 * A TrainingRun and `send`, which hands it a message and resolves with the first stop or reply that follows (one
 * message awaited at a time).
 */
export function drivenRun(wholeSteps?: WholeSteps): {
  r: TrainingRun;
  send: (msg: HostToWorker) => Promise<WorkerToHost>;
} {
  let waiting: ((m: WorkerToHost) => void) | null = null;
  const r = new TrainingRun((m) => {
    if ((m.kind === 'stopped' || m.kind === 'reply') && waiting) waiting(m);
  }, wholeSteps);
  const send = (msg: HostToWorker) =>
    new Promise<WorkerToHost>((resolve) => {
      waiting = resolve;
      r.handle(msg);
    });
  return { r, send };
}
