// What the open Gradient Flow view costs training: samples/s of the Train command's run through a real engine worker
// thread (dist/worker.js, `start` with debug: false), with the view closed and with it open, alternating, in one
// process. Both conditions run the extension's own host code on every worker message: the real TrainingDisplay and
// GradientFlowViewProvider (extension/training/trainingDisplay.ts, extension/views/gradientFlowView.ts), loaded
// against a stand-in `vscode` module as test/webview/gradientFlowProvider.test.ts loads it (bench/viewHost.ts).
// Closed: the provider has no view, so it only folds updates into its model. Open: the provider has a visible view
// whose `postMessage` delivers every message, JSON-serialised, to the real Gradient Flow page in headless Chromium
// (bench/viewPage.ts), which applies, persists and draws it as in VS Code. Also one long run with the view open,
// sampling the page's JS heap (after a forced GC) at 10^3, 10^4, 10^5 … steps, to show that memory stays flat.

import fs from 'node:fs';
import path from 'node:path';
import { LIMITS } from '../engine/language/spec';
import { BATCHES, makeData, NETWORKS, type NetId } from './networks';
import { loadHostClasses, type HostClasses } from './hostStandIn';
import { specOf } from './nnet';
import { descendantsCpuSeconds, mainThreadCpuSeconds } from './procCpu';
import { Host, openHost, trainRun, WORKER_SCRIPT, type RunResult } from './viewHost';
import { findChromium, originOf, startServer, type ViewPage } from './viewPage';
import { HEADLESS_CHROMIUM_ARGS } from '../test/webview/serveWebview';

/** One network's speed with the view closed and open, and what the open view cost the page, Chromium and the host. */
export interface ViewCostNet {
  readonly steps: number;
  /** Median samples/s with the view closed and open, and each repetition's. */
  readonly closedSamplesPerSec: number;
  readonly openSamplesPerSec: number;
  readonly closedRuns: number[];
  readonly openRuns: number[];
  /** (closed / open − 1) · 100 of the medians: how much slower training is with the view open. */
  readonly slowdownPct: number;
  /** Median over repetitions of (closed / open − 1) · 100 within each repetition's adjacent pair of runs. */
  readonly slowdownPairedPct: number;
  /** Timed open runs: messages the host posted to the view, and messages the page's window received. */
  readonly messagesPosted: number;
  readonly messagesReceived: number;
  /** Milliseconds the page's main thread was busy (of which in script) per second of training, over the timed open runs. */
  readonly pageBusyMsPerSec: number;
  readonly pageScriptMsPerSec: number;
  /**
   * CPU milliseconds per second of training, closed and open (from /proc; null elsewhere): of all Chromium's
   * processes (the page's main thread, compositing, raster, GPU, browser), and of this process's main thread, where
   * the extension's host code runs (and, open, the bench's delivery to the page through CDP).
   */
  readonly chromiumCpuMsPerSec: { readonly closed: number | null; readonly open: number | null };
  readonly hostCpuMsPerSec: { readonly closed: number | null; readonly open: number | null };
  /** Page JS heap after the timed runs, after a forced GC, bytes. */
  readonly pageHeapBytes: number;
  /** Points the page's loss chart holds at the end (downsampled to at most MAX_SHOWN_POINTS). */
  readonly lossChartPoints: number;
  readonly pageErrors: string[];
}

/** The page's JS heap at one point of the long run. */
export interface HeapSample {
  readonly step: number;
  readonly messagesReceived: number;
  readonly heapBytes: number;
}

/** The long run with the view open: its length and the page's heap along it. */
export interface ViewCostLong {
  readonly net: NetId;
  readonly steps: number;
  readonly seconds: number;
  readonly messagesPosted: number;
  readonly messagesReceived: number;
  /** Page heap after a forced GC: right after the run's first message, then on passing each power of ten steps, and at the end. */
  readonly heap: HeapSample[];
  readonly lossChartPoints: number;
  readonly pageErrors: string[];
}

/** The measurement's result, or why it could not run here. */
export type ViewCost =
  | {
      status: 'ok';
      chromium: string;
      nets: Record<string, ViewCostNet | { reason: string }>;
      long: ViewCostLong | { reason: string } | null;
    }
  | { status: 'n/a'; reason: string };

/** What to measure and for how long. */
export interface ViewCostOptions {
  readonly nets: readonly NetId[];
  readonly seconds: number;
  readonly warmup: number;
  readonly reps: number;
  /** Steps the long run passes at least (0: no long run), and seconds it lasts at least. */
  readonly longSteps: number;
  readonly longSeconds: number;
  /** Progress lines go here (stderr). */
  readonly log: (line: string) => void;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function lossChartPoints(page: ViewPage): Promise<number> {
  return page.page.evaluate(() => {
    const r = window.nnetGradientFlow?.read();
    return r ? Math.max(0, ...r.loss.datasets.map((d) => d.data.length)) : -1;
  });
}

async function measureNet(
  classes: HostClasses,
  page: ViewPage,
  id: NetId,
  o: ViewCostOptions,
  viewHost: Host,
): Promise<ViewCostNet> {
  const net = NETWORKS[id],
    data = makeData(net);
  const closedHost = new Host(classes, null);
  // Warm-up and speed: a closed run stopped after `warmup` s (at least 0.3 s), an open one, then the speed from a
  // second closed run, warm: the first one's, JIT compilation included, made the timed runs a third of `seconds`
  // (N1: 0.25 s), where each run's fixed cost (its start redrawing the view) weighed three times as much.
  const probeSource = specOf(net, data, LIMITS.maxEpochs).source;
  await trainRun(closedHost, probeSource, Math.max(0.3, o.warmup));
  await trainRun(viewHost, probeSource, Math.max(0.3, o.warmup));
  await viewHost.drain();
  await page.settle();
  const probe = await trainRun(closedHost, probeSource, Math.max(0.3, o.warmup));
  const epochs = Math.max(1, Math.ceil(((probe.steps / probe.seconds) * o.seconds) / BATCHES));
  const source = specOf(net, data, epochs).source;
  const cap = Math.max(4 * o.seconds, 5);
  const closed: RunResult[] = [],
    open: RunResult[] = [];
  const postedBefore = viewHost.posted,
    receivedBefore = await page.received();
  let busy = 0,
    script = 0,
    openSeconds = 0;
  /** CPU seconds of Chromium's processes and of this process's main thread (the host) in each condition's runs. */
  const cpu = { closed: { chromium: 0, host: 0, seconds: 0 }, open: { chromium: 0, host: 0, seconds: 0 } };
  const timedRun = async (k: 'closed' | 'open', host: Host) => {
    const c0 = descendantsCpuSeconds() ?? NaN,
      h0 = mainThreadCpuSeconds() ?? NaN;
    const run = await trainRun(host, source, cap);
    cpu[k].chromium += (descendantsCpuSeconds() ?? NaN) - c0;
    cpu[k].host += (mainThreadCpuSeconds() ?? NaN) - h0;
    cpu[k].seconds += run.seconds;
    return run;
  };
  // NNET_VIEW_PROFILE=DIR: the page's CPU profile over the timed runs (idle while closed ones run), DIR/view-N1.cpuprofile…
  const profileDir = process.env.NNET_VIEW_PROFILE;
  if (profileDir) await page.startProfile();
  for (let r = 0; r < o.reps; r++) {
    for (const k of r % 2 === 0 ? (['closed', 'open'] as const) : (['open', 'closed'] as const)) {
      if (k === 'closed') closed.push(await timedRun(k, closedHost));
      else {
        const before = await page.busySeconds();
        open.push(await timedRun(k, viewHost));
        const after = await page.busySeconds();
        busy += after.task - before.task;
        script += after.script - before.script;
        openSeconds += open[open.length - 1].seconds;
        await viewHost.drain();
        await page.settle(); // the page's backlog, if any, is not left to the next run
      }
      const last = (k === 'closed' ? closed : open).at(-1)!;
      o.log(
        `  view cost [${r + 1}/${o.reps}] ${id} ${k.padEnd(6)} ${Math.round((last.steps * net.batch) / last.seconds)} samples/s (${last.steps} steps in ${last.seconds.toFixed(2)} s${last.capped ? ', capped' : ''})`,
      );
    }
  }
  if (profileDir) {
    fs.mkdirSync(profileDir, { recursive: true });
    fs.writeFileSync(path.join(profileDir, `view-${id}.cpuprofile`), JSON.stringify(await page.stopProfile()));
  }
  const rate = (t: RunResult) => (t.steps * net.batch) / t.seconds;
  const c = median(closed.map(rate)),
    op = median(open.map(rate));
  return {
    steps: epochs * BATCHES,
    closedSamplesPerSec: c,
    openSamplesPerSec: op,
    closedRuns: closed.map(rate),
    openRuns: open.map(rate),
    slowdownPct: (c / op - 1) * 100,
    slowdownPairedPct: median(closed.map((t, r) => (rate(t) / rate(open[r]) - 1) * 100)),
    pageBusyMsPerSec: (1000 * busy) / openSeconds,
    pageScriptMsPerSec: (1000 * script) / openSeconds,
    chromiumCpuMsPerSec: { closed: perSec(cpu.closed.chromium, cpu.closed), open: perSec(cpu.open.chromium, cpu.open) },
    hostCpuMsPerSec: { closed: perSec(cpu.closed.host, cpu.closed), open: perSec(cpu.open.host, cpu.open) },
    messagesPosted: viewHost.posted - postedBefore,
    messagesReceived: (await page.received()) - receivedBefore,
    pageHeapBytes: await page.heapUsed(),
    lossChartPoints: await lossChartPoints(page),
    pageErrors: [...page.errors, ...viewHost.errors],
  };
}

/** CPU milliseconds per second of training; null where /proc is not there. */
function perSec(cpuSeconds: number, c: { seconds: number }): number | null {
  return Number.isFinite(cpuSeconds) ? (1000 * cpuSeconds) / c.seconds : null;
}

async function measureLong(
  classes: HostClasses,
  browser: import('playwright-core').Browser,
  origin: string,
  o: ViewCostOptions,
): Promise<ViewCostLong> {
  const id: NetId = 'N1',
    net = NETWORKS[id],
    data = makeData(net);
  const { page, host } = await openHost(classes, browser, origin);
  try {
    // Trains with an epoch count it never reaches and stops once past both longSteps and longSeconds.
    const source = specOf(net, data, LIMITS.maxEpochs).source;
    const heap: Promise<HeapSample>[] = [];
    const sample = (step: number) =>
      heap.push(
        host
          .drain()
          .then(async () => ({ step, messagesReceived: await page.received(), heapBytes: await page.heapUsed() })),
      );
    let next = 0,
      stopping = false;
    const run = await trainRun(host, source, 4 * Math.max(o.longSeconds, 60), (step, seconds, stop) => {
      if (next === 0 || step >= next) {
        sample(step);
        next = Math.max(next, 1000);
        while (next <= step) next *= 10;
      }
      if (!stopping && step >= o.longSteps && seconds >= o.longSeconds) {
        stopping = true;
        stop();
      }
    });
    await host.drain();
    await page.settle();
    heap.push(
      Promise.resolve({ step: run.steps, messagesReceived: await page.received(), heapBytes: await page.heapUsed() }),
    );
    return {
      net: id,
      steps: run.steps,
      seconds: run.seconds,
      messagesPosted: host.posted,
      messagesReceived: await page.received(),
      heap: await Promise.all(heap),
      lossChartPoints: await lossChartPoints(page),
      pageErrors: [...page.errors, ...host.errors],
    };
  } finally {
    await page.close();
  }
}

/** The whole measurement; never throws for a missing Chromium or build (status 'n/a'). */
export async function measureViewCost(o: ViewCostOptions): Promise<ViewCost> {
  if (!fs.existsSync(WORKER_SCRIPT))
    return { status: 'n/a', reason: 'dist/worker.js missing: run `npm run build` first' };
  const exe = findChromium();
  if (!exe) return { status: 'n/a', reason: 'no chromium' };
  let server: import('node:http').Server;
  try {
    server = await startServer();
  } catch (e) {
    return { status: 'n/a', reason: (e as Error).message };
  }
  const { chromium } = await import('playwright-core');
  let browser: import('playwright-core').Browser;
  try {
    browser = await chromium.launch({
      executablePath: exe,
      headless: true,
      args: [...HEADLESS_CHROMIUM_ARGS],
    });
  } catch (e) {
    server.close();
    return {
      status: 'n/a',
      reason: `no chromium: ${exe} did not start (${(e as Error).message.split('\n')[0].slice(0, 120)})`,
    };
  }
  try {
    const classes = await loadHostClasses();
    const origin = originOf(server);
    const nets: Record<string, ViewCostNet | { reason: string }> = {};
    for (const id of o.nets) {
      const { page, host } = await openHost(classes, browser, origin);
      try {
        nets[id] = await measureNet(classes, page, id, o, host);
      } catch (e) {
        nets[id] = { reason: (e as Error).message };
      } finally {
        await page.close();
      }
    }
    let long: ViewCostLong | { reason: string } | null = null;
    if (o.longSteps > 0) {
      o.log(`  view cost: long run, N1 for ≥ ${o.longSteps} steps and ≥ ${o.longSeconds} s with the view open…`);
      try {
        long = await measureLong(classes, browser, origin, o);
      } catch (e) {
        long = { reason: (e as Error).message };
      }
    }
    return { status: 'ok', chromium: exe, nets, long };
  } finally {
    await browser.close();
    server.close();
  }
}
