// The extension's host side of the view-cost bench: the real Gradient Flow provider and training display of one host
// (closed, or open on a page in headless Chromium), and one Train run through a real engine worker thread handled as
// the Train command handles it. For bench/viewCost.ts.

import path from 'node:path';
import { formatSummary } from '../engine/nn/tensor';
import { assertNever, type WorkerToHost } from '../debugger/protocol';
import { WorkerClient } from '../debugger/workerClient';
import type { HostToWebview } from '../webview/gradientFlow/protocol';
import { standInUri, standInWebviewView, type HostClasses } from './hostStandIn';
import { openViewPage, type ViewPage } from './viewPage';

const ROOT = path.resolve(__dirname, '..');
/** The engine worker the bench trains in, as the extension ships it. */
export const WORKER_SCRIPT = path.join(ROOT, 'dist', 'worker.js');

/** The Gradient Flow provider and training display of one extension host, with the view closed or open on `page`. */
export class Host {
  readonly display: InstanceType<HostClasses['TrainingDisplay']>;
  posted = 0;
  /** The Train notification's latest text (TrainController's `progress.report`). */
  notification = '';
  /** What the provider logged (failed deliveries, malformed page messages). */
  readonly errors: string[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(classes: HostClasses, page: ViewPage | null) {
    const provider = new classes.GradientFlowViewProvider(standInUri('/ext') as never, {
      enabled: () => true,
      log: (_level, m) => {
        this.errors.push(m);
      },
    });
    this.display = new classes.TrainingDisplay({
      post: (m: HostToWebview) => {
        this.posted++;
        provider.post(m);
      },
    });
    if (!page) return; // closed: never resolved, so `send` drops every message after the model has it
    const { view, fromWebview } = standInWebviewView((m) => {
      const p = page.deliver(m);
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p)).catch(() => {});
      return p.then(() => true);
    });
    provider.resolveWebviewView(view as never);
    this.toHost = (m) => fromWebview.fire(m);
  }

  /** Where the page's own messages (its `ready`) go. */
  toHost: (m: unknown) => void = () => {};

  /** Resolves when every message posted so far has reached the page. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

/** A fresh Gradient Flow page and a host with the view open on it; the page's `ready` reaches the provider, which replays. */
export async function openHost(
  classes: HostClasses,
  browser: import('playwright-core').Browser,
  origin: string,
): Promise<{ page: ViewPage; host: Host }> {
  let host: Host | null = null;
  const early: unknown[] = [];
  const page = await openViewPage(browser, origin, (m) => (host ? host.toHost(m) : early.push(m)));
  const h: Host = (host = new Host(classes, page));
  for (const m of early) h.toHost(m);
  await host.drain();
  await page.settle();
  return { page, host: h };
}

/** One timed Train run: seconds from `started` to `finished`, steps done, and whether a Stop ended it. */
export interface RunResult {
  readonly seconds: number;
  readonly steps: number;
  readonly capped: boolean;
}

/**
 * One Train run in a fresh worker thread, its messages handled as TrainController.train handles them
 * (extension/training/trainController.ts, `worker.onDidReceiveMessage`: started → display.started; progress →
 * the notification text and display.progress; finished → display.progress and display.ended). Timed from
 * `started` to `finished` as the host sees them; after `capSeconds` a Stop ends it. `onProgress` sees each progress
 * with the seconds since `started`, and may ask for a Stop.
 */
export function trainRun(
  host: Host,
  source: string,
  capSeconds: number,
  onProgress?: (step: number, seconds: number, stop: () => void) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const worker = new WorkerClient(WORKER_SCRIPT);
    let t0 = 0,
      capped = false,
      done = false;
    let cap: NodeJS.Timeout | undefined;
    const end = (f: () => void) => {
      done = true;
      clearTimeout(cap);
      worker.dispose();
      f();
    };
    worker.onDidExit((e) => {
      if (!done) end(() => reject(new Error(`worker exited: ${e.error ?? e.code}`)));
    });
    worker.onDidReceiveMessage((m: WorkerToHost) => {
      switch (m.kind) {
        case 'started':
          t0 = performance.now();
          cap = setTimeout(() => {
            capped = true;
            worker.post({ kind: 'stop' });
          }, capSeconds * 1000);
          host.display.started('bench.nnet', m.layerNames);
          return;
        case 'progress': {
          const p = m.progress;
          host.notification = `epoch ${p.epoch}/${p.epochs} · loss ${formatSummary(p.loss)}`; // progress.report's message
          host.display.progress(p);
          onProgress?.(p.step, (performance.now() - t0) / 1000, () => worker.post({ kind: 'stop' }));
          return;
        }
        case 'stopped':
        case 'log':
        case 'logpoint':
        case 'reply':
        case 'breakpointProblem':
        case 'replayProgress':
          return;
        case 'finished': {
          const seconds = (performance.now() - t0) / 1000;
          host.display.progress(m.progress);
          host.display.ended(m.summary, null);
          end(() => resolve({ seconds, steps: m.progress.step, capped }));
          return;
        }
        case 'error':
          end(() => reject(new Error(m.message)));
          return;
        default:
          assertNever(m);
      }
    });
    worker.post({
      kind: 'start',
      source,
      fileName: path.join(ROOT, 'bench.nnet'),
      debug: false,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: [],
      historyBytes: 0,
    });
  });
}
