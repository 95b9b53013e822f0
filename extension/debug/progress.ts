// DAP progress reporting: a progress notification while training runs (updated with epoch and loss) and a
// cancellable one for a long Step Back or Reverse Continue; at most one at a time, and only if the client asked.

import { ProgressEndEvent, ProgressStartEvent, ProgressUpdateEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { formatSummary } from '../../engine/nn/tensor';
import type { Progress, WorkerToHost } from '../../debugger/protocol';

/** The progress notification of one session. */
export class DapProgress {
  /** Whether the client reports progress (its `supportsProgressReporting`). */
  clientSupports = false;
  private id: string | null = null;

  constructor(private readonly send: (e: DebugProtocol.Event) => void) {}

  /** True when `progressId` (from a cancel request) is the notification showing now. */
  isShowing(progressId: unknown): boolean {
    return typeof progressId === 'string' && progressId === this.id;
  }

  /** Training runs: shows "Training <name>" unless a notification is showing already. */
  startTraining(name: string): void {
    if (!this.clientSupports || this.id) return;
    this.id = `nnet-${Date.now()}`;
    this.send(new ProgressStartEvent(this.id, `Training ${name}`) as DebugProtocol.ProgressStartEvent);
  }

  /** Training progress: the showing notification reads epoch and loss. */
  training(p: Progress): void {
    if (!this.id) return;
    const message = `epoch ${p.epoch}/${p.epochs} · loss ${formatSummary(p.loss)}`;
    this.send(new ProgressUpdateEvent(this.id, message) as DebugProtocol.ProgressUpdateEvent);
  }

  /** A long rewind under way: a cancellable notification with the events replayed so far. */
  replay(m: Extract<WorkerToHost, { kind: 'replayProgress' }>): void {
    const percentage = m.total > 0 ? Math.min(100, (100 * m.done) / m.total) : undefined;
    const message = `${m.done.toLocaleString('en-US')} of ${m.total.toLocaleString('en-US')} events replayed · step ${m.step + 1}`;
    if (!this.clientSupports) return;
    if (!this.id) {
      this.id = `nnet-replay-${Date.now()}`;
      const start: DebugProtocol.ProgressStartEvent = new ProgressStartEvent(
        this.id,
        `${m.title}: replaying from a checkpoint`,
        message,
      );
      start.body.cancellable = true;
      if (percentage !== undefined) start.body.percentage = percentage;
      this.send(start);
    } else {
      const update: DebugProtocol.ProgressUpdateEvent = new ProgressUpdateEvent(this.id, message);
      if (percentage !== undefined) update.body.percentage = percentage;
      this.send(update);
    }
  }

  /** Ends the showing notification, if any. */
  end(): void {
    if (!this.id) return;
    this.send(new ProgressEndEvent(this.id) as DebugProtocol.ProgressEndEvent);
    this.id = null;
  }
}
