// Matches worker requests to their replies by id, for hosts that ask the worker questions (the debug session).

import type { Request, RequestKind, Requests, WorkerToHost } from './protocol';
import type { WorkerClient } from './workerClient';

/** Sends requests to one worker and resolves each with its reply; rejects all when the worker goes away. */
export class WorkerRequests {
  private nextId = 1;
  /** By id: what to do with the reply (its payload is the one `Requests` declares for the kind sent under that id). */
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

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
  ask<K extends RequestKind>(kind: K, args: Requests[K]['args']): Promise<Requests[K]['reply']> {
    if (!this.worker.isAlive) return Promise.reject(new Error('the training worker has stopped'));
    const id = this.nextId++;
    return new Promise<Requests[K]['reply']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.worker.post({ ...args, kind, id } as Request);
    });
  }

  rejectAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
  }
}
