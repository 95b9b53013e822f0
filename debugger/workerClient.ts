// Host side of the engine worker: spawns dist/worker.js, sends typed messages, reports messages and its exit.
// Imports nothing from vscode so the standalone debug adapter uses it too.

import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HostToWorker, WorkerToHost } from './protocol';

/** A disposable handle, as returned by `onDid…` subscriptions. */
export interface Disposable {
  dispose(): void;
}

type Listener<T> = (e: T) => void;

/** A tiny typed event, shaped like vscode.Event, usable outside VS Code. */
export class Emitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

/** Why the worker is gone: normal termination or a crash with its message. */
export interface WorkerExit {
  readonly code: number;
  readonly error: string | null;
}

/**
 * The worker's young generation, capped. Setting up a run (parsing, data, the model) allocates in a burst that would
 * grow it to 16 MB or more, and V8 gives that back only some 20 s into training, when it notices how little a
 * training step allocates: a debug session's resident size then fell by ~15 MB mid-run (the bench's `--memory`).
 * Training allocates almost nothing per step, so the small nursery costs it nothing measurable.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** One engine worker thread. Dispose to terminate it. */
export class WorkerClient implements Disposable {
  private readonly worker: Worker;
  private readonly messageEmitter = new Emitter<WorkerToHost>();
  private readonly exitEmitter = new Emitter<WorkerExit>();
  private crash: string | null = null;
  private exited = false;
  /** Fires for each message from the worker. */
  readonly onDidReceiveMessage = this.messageEmitter.event;
  /** Fires once when the worker thread ends, whatever the reason. */
  readonly onDidExit = this.exitEmitter.event;

  /** @param workerScript absolute path of dist/worker.js (defaults to the file beside this bundle). */
  constructor(workerScript = path.join(__dirname, 'worker.js')) {
    this.worker = new Worker(workerScript, {
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    this.worker.on('message', (m: WorkerToHost) => this.messageEmitter.fire(m));
    this.worker.on('error', (e) => {
      this.crash = e instanceof Error ? e.message : String(e);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.exitEmitter.fire({
        code,
        error: this.crash ?? (code !== 0 && code !== 1 ? `the training worker exited with code ${code}` : null),
      });
    });
  }

  get isAlive(): boolean {
    return !this.exited;
  }

  post(msg: HostToWorker): void {
    if (!this.exited) this.worker.postMessage(msg);
  }

  dispose(): void {
    void this.worker.terminate();
    this.messageEmitter.dispose();
  }
}
