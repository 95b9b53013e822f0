// Matches worker requests to their replies by id, for hosts that ask the worker questions (the debug session).

import type { HostToWorker, Reply, WorkerToHost } from './protocol';
import type { WorkerClient } from './workerClient';

type Request = Extract<HostToWorker, { id: number }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A successful reply's payload. */
export type ReplyOk = Extract<Reply, { ok: true }>;

/** Sends requests to one worker and resolves each with its reply; rejects all when the worker goes away. */
export class WorkerRequests {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ReplyOk) => void; reject: (e: Error) => void }>();

  constructor(private readonly worker: WorkerClient) {
    worker.onDidReceiveMessage((m: WorkerToHost) => {
      if (m.kind !== 'reply') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m);
      else p.reject(new Error(m.error));
    });
    worker.onDidExit(() => this.rejectAll('the training worker has stopped'));
  }

  /** Sends a request and waits for its reply (rejects with the worker's message on failure). */
  ask(request: DistributiveOmit<Request, 'id'>): Promise<ReplyOk> {
    if (!this.worker.isAlive) return Promise.reject(new Error('the training worker has stopped'));
    const id = this.nextId++;
    return new Promise<ReplyOk>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.post({ ...request, id } as Request);
    });
  }

  rejectAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
  }
}
