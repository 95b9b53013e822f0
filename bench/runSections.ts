// The parts of `npm run bench` measured outside the training loop, each in a fresh child and printed as a table: the
// Gradient Flow view's cost (bench/viewCost.ts), the editor's latency (bench/editor.ts) and the PyTorch probe's cost
// (bench/probeCost.ts).

import os from 'node:os';
import type { EditorLatency } from './editor';
import type { ProbeCost } from './probeCost';
import type { BenchOptions } from './runOptions';
import { child, fmt, table } from './runPrint';
import type { ViewCost } from './viewCost';

/** The probe's cost, or why it was not measured. */
export type ProbeCostish = ({ status: 'ok' } & ProbeCost) | { status: 'n/a'; reason: string };

/** The view-cost measurement in a fresh process (bench/viewCost.ts), printed as a table. */
export function viewCostSection(o: BenchOptions): ViewCost {
  console.log(
    `\nView cost: Train through a real worker thread (dist/worker.js), each worker message handled by the extension's TrainingDisplay and Gradient Flow provider; closed = the view is not open (the provider only keeps its model), open = every update also delivered to the real Gradient Flow page in headless Chromium, which draws it. Alternating, ${o.seconds} s per run, median of ${o.reps}; slowdown = closed ÷ open − 1 (goal ≤ 10%). 1-min load average before: ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs:\n`,
  );
  const v = child(
    [
      '--view-cost',
      '--nets',
      o.viewNets.join(','),
      '--seconds',
      String(o.seconds),
      '--warmup',
      String(o.warmup),
      '--reps',
      String(o.reps),
      '--long-steps',
      String(o.viewLongSteps),
      '--long-seconds',
      String(o.viewLongSeconds),
    ],
    true,
  ) as ViewCost;
  if (v.status !== 'ok') {
    console.log(`view cost: n/a (${v.reason})`);
    return v;
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MB`;
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
  console.log(
    table(
      [
        'net',
        'closed samples/s',
        'open samples/s',
        'slowdown (paired)',
        'messages to page',
        'page busy (script)',
        'Chromium CPU closed/open',
        'host CPU closed/open',
        'page heap after',
        'loss chart points',
      ],
      o.viewNets.map((n) => {
        const r = v.nets[n];
        if (!r || 'reason' in r)
          return [n, `n/a (${r?.reason ?? 'no result'})`, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
        const ms = (c: { closed: number | null; open: number | null } | undefined) =>
          c && c.closed !== null && c.open !== null ? `${c.closed.toFixed(0)}/${c.open.toFixed(0)} ms/s` : 'n/a';
        return [
          n,
          fmt(r.closedSamplesPerSec),
          fmt(r.openSamplesPerSec),
          `${pct(r.slowdownPct)} (${pct(r.slowdownPairedPct)})`,
          `${r.messagesReceived}/${r.messagesPosted}`,
          `${r.pageBusyMsPerSec.toFixed(0)} (${r.pageScriptMsPerSec.toFixed(0)}) ms/s`,
          ms(r.chromiumCpuMsPerSec),
          ms(r.hostCpuMsPerSec),
          mb(r.pageHeapBytes),
          String(r.lossChartPoints),
        ];
      }),
    ),
  );
  console.log(
    "slowdown of the medians (in brackets: median of each repetition's adjacent closed/open pair); messages to page = received by the page / posted by the host over the timed open runs; page busy = page main-thread task time (of which script) per second of training; Chromium CPU = all its processes' CPU time per second of training, host CPU = the bench process's main thread (the extension's host code, and the delivery to the page); heap after a forced GC",
  );
  for (const n of o.viewNets) {
    const r = v.nets[n];
    if (r && !('reason' in r) && r.pageErrors.length)
      console.log(`${n}: page errors: ${r.pageErrors.slice(0, 3).join(' | ')}`);
  }
  const l = v.long;
  if (l && 'reason' in l) console.log(`\nlong run: n/a (${l.reason})`);
  else if (l) {
    console.log(
      `\nLong run, view open: ${l.net} for ${l.steps.toLocaleString('en')} steps in ${l.seconds.toFixed(1)} s, ${l.messagesReceived}/${l.messagesPosted} messages received/posted (received includes the provider's replay on the page's ready), loss chart holds ${l.lossChartPoints} points at the end. Page JS heap after a forced GC, at the first progress message and on passing each power of ten steps:\n`,
    );
    console.log(
      table(
        ['step', 'messages so far', 'page heap'],
        l.heap.map((h) => [h.step.toLocaleString('en'), String(h.messagesReceived), mb(h.heapBytes)]),
      ),
    );
    if (l.pageErrors.length) console.log(`page errors: ${l.pageErrors.slice(0, 3).join(' | ')}`);
  }
  return v;
}

/** The editor latency in a fresh process (bench/editor.ts), printed as a table. */
export function editorLatencySection(o: BenchOptions): EditorLatency {
  console.log(
    `\nEditor latency: edit → diagnostics computed, what the extension host runs on each keystroke after its 150 ms debounce (the per-version parse cache, the asynchronous CSV cache's stamp check, parse and check; not the conversion to vscode.Diagnostic), ${o.edits} keystrokes typed into a comment at the end of the file, each a new document version; goal < 50 ms. "uncached" is the path before the cache (parse with the synchronous CSV reader on every edit):\n`,
  );
  const r = child(['--editor', '--edits', String(o.edits)], true) as EditorLatency;
  if (r.status !== 'ok') {
    console.log(`editor latency: n/a (${r.reason})`);
    return r;
  }
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    table(
      [
        'file',
        'lines',
        'CSV',
        'samples',
        'open (cold)',
        'open: longest stall',
        'edit median',
        'edit p95',
        'edit max',
        'longest stall',
        'same version',
        'CSV reads',
        'uncached median',
      ],
      r.cases.map((c) => [
        c.name,
        String(c.lines),
        c.csvBytes ? `${(c.csvBytes / 1048576).toFixed(1)} MB` : '—',
        String(c.samples),
        ms(c.openMs),
        ms(c.openLongestStallMs),
        ms(c.editMedianMs),
        ms(c.editP95Ms),
        ms(c.editMaxMs),
        ms(c.longestStallMs),
        ms(c.sameVersionMedianMs),
        String(c.csvReadsDuringEdits),
        ms(c.uncachedMedianMs),
      ]),
    ),
  );
  console.log(
    'open = first parse with the CSV read and its rows loaded in steps; longest stall = longest the event loop was held during the timed edits; same version = a second feature (hover, CodeLens) asking for the version just computed; CSV reads = reads from disk during the timed edits',
  );
  const slow = r.cases.filter((c) => c.editMedianMs >= 50 || c.editP95Ms >= 50);
  console.log(
    slow.length
      ? `over the 50 ms goal: ${slow.map((c) => c.name).join(', ')}`
      : 'all under the 50 ms goal (median and p95)',
  );
  return r;
}

/** The PyTorch probe's cost in a fresh process (bench/probeCost.ts), printed as a table. */
export function probeCostSection(o: BenchOptions): ProbeCostish {
  const probeSeconds = Math.max(o.seconds, 5);
  console.log(
    `\nPyTorch probe cost: bench/pytorch_probe_bench.py (4-layer MLP of width 1024, batch 64, SGD, one torch thread) trained ${probeSeconds} s after ${o.warmup} s of warm-up, plainly and under python -m nnet_probe attached to the debugger's probe server (progress every 100 ms, update ratios every second, nothing blocking), fresh processes, interleaved, median of ${o.reps}; slowdown = 1 − probed ÷ plain (budget ≤ 10%). 1-min load average before: ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs:\n`,
  );
  const p = child(
    ['--probe-cost', '--seconds', String(probeSeconds), '--warmup', String(o.warmup), '--reps', String(o.reps)],
    true,
  ) as ProbeCostish;
  if (p.status !== 'ok') {
    console.log(`probe cost: n/a (${p.reason})`);
    return p;
  }
  console.log(
    table(
      ['', 'plain samples/s', 'probed samples/s', 'probed ÷ plain', 'paired', 'per CPU second', 'progress msgs/run'],
      [
        [
          'MLP 4×1024',
          fmt(p.plainSamplesPerSec),
          fmt(p.probedSamplesPerSec),
          `${p.ratio.toFixed(3)} (${p.slowdownPct >= 0 ? '−' : '+'}${Math.abs(p.slowdownPct).toFixed(1)}%)`,
          p.pairedRatio.toFixed(3),
          p.cpuRatio.toFixed(3),
          String(p.progressPerRun),
        ],
      ],
    ),
  );
  return p;
}
