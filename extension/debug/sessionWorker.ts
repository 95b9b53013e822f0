// The training worker of one nnet debug session: started at launch with its messages translated (workerMessages.ts),
// asked through WorkerRequests, and ended with the session, whichever way it ends.

import type { HostToWorker } from '../../debugger/protocol';
import { WorkerRequests } from '../../debugger/requests';
import { WorkerClient, type WorkerExit } from '../../debugger/workerClient';
import { translateWorkerMessage, type WorkerMessageSink } from './workerMessages';

/** The session's one worker: none before launch, none again once ended. */
export class SessionWorker {
  private worker: WorkerClient | null = null;
  /** Requests to the worker, matched to their replies; set at launch (and kept after the end: they then fail). */
  requests: WorkerRequests | null = null;

  /** Starts the worker (`script`: dist/worker.js by default), its messages translated for `sink`. */
  start(script: string | undefined, sink: WorkerMessageSink, onExit: (exit: WorkerExit) => void): void {
    const worker = (this.worker = new WorkerClient(script));
    this.requests = new WorkerRequests(worker);
    worker.onDidReceiveMessage((m) => translateWorkerMessage(m, sink));
    worker.onDidExit(onExit);
  }

  /** Whether a worker is running. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Tells the worker, if one runs. */
  post(msg: HostToWorker): void {
    this.worker?.post(msg);
  }

  /** Ends the worker; requests waiting for a reply fail with `why`. */
  close(why: string): void {
    this.requests?.rejectAll(why);
    this.worker?.dispose();
    this.worker = null;
  }
}
