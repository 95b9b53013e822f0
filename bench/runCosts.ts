// The costs of watching training that `npm run bench` measures, each network in a fresh child and printed as a table:
// the debugger's run loop against the bare engine in every mode (bench/nnet.ts) and the training doctor's
// (bench/doctorCost.ts: one fresh child per side, interleaved).

import { doctorCostOf, doctorSideOrder, type DoctorCost, type SideTiming } from './doctorCost';
import { NETWORKS, type NetId } from './networks';
import { RUN_MODES, type Overhead, type RunMode } from './nnet';
import type { BenchOptions } from './runOptions';
import { child, fmt, table } from './runPrint';

/** A network's run-loop overhead, or why it was not measured. */
export type Overheadish = ({ status: 'ok' } & Overhead) | { status: 'n/a'; reason: string };
/** A network's doctor cost, or why it was not measured. */
export type DoctorCostish = ({ status: 'ok' } & DoctorCost) | { status: 'n/a'; reason: string };

/** A child's arguments for measurement `flag` on network `net`, timed as the options say. */
function perNet(flag: string, net: string, opts: BenchOptions): string[] {
  return [
    flag,
    '--net',
    net,
    '--seconds',
    String(opts.seconds),
    '--warmup',
    String(opts.warmup),
    '--reps',
    String(opts.reps),
  ];
}

/** The debugger's overhead per network of `opts.nets`, printed. */
export function overheadSection(opts: BenchOptions): Record<string, Overheadish> {
  const overhead: Record<string, Overheadish> = {};
  console.log(
    `\nDebugger instrumentation: the same steps through the worker's run loop (TrainingRun, nothing stops) vs the bare engine in whole steps (Trainer.advanceStep, as the run loop takes them where nothing can stop inside a step; and, for debug modes, vs the Train command's run loop), in one process, in CPU-timed pairs of equal step counts (A B, B A, modes rotated; each side after a full garbage collection, as a session's own worker starts without other runs' garbage), median of ${opts.reps} pairs per mode; samples/s per CPU second; goal ≤ 10% in every mode. train = the Train command's run loop without the doctor; train+doctor = with it, as the extension's Train runs (debug+doctor is judged against it: the debugger's own share with the doctor on, ≤ 10%); debug = a debug session with its defaults but without the doctor (breakpoint checks, 256 MB rewind history); +doctor = with the training doctor watching, as the extension's Train and debug sessions run (whole steps, each observed whole by the doctor between its clip and its update); +breakpoints = a conditional breakpoint on every layer that never fires; +filters = every exception filter on (vanishing at a threshold that never fires); pause = ms from Pause to the stop (median/max of 7):\n`,
  );
  const rows: string[][] = [];
  const pct = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
  for (const n of opts.nets) {
    const o = child(perNet('--overhead', n, opts)) as Overheadish;
    overhead[n] = o;
    rows.push(
      o.status === 'ok'
        ? [
            n,
            fmt(o.bareSamplesPerSec),
            ...(Object.keys(RUN_MODES) as RunMode[]).map((m) => {
              const r = o.modes[m] as Overhead['modes'][RunMode] | undefined;
              if (!r) return 'n/a';
              if ('reason' in r) return `n/a (${r.reason})`;
              // A debug mode with the doctor against Train with the doctor (see header).
              const vs = 'vsTrainDoctorPct' in r ? r.vsTrainDoctorPct : r.vsTrainPct;
              const vsTrain = m === 'train' || typeof vs !== 'number' || Number.isNaN(vs) ? '' : ` / ${pct(vs)}`;
              return `${fmt(r.samplesPerSec)} (${pct(r.overheadPct)}${vsTrain})${r.capped ? ' †' : ''}`;
            }),
            `${o.pauseLatencyMs.median.toFixed(1)} / ${o.pauseLatencyMs.max.toFixed(1)}`,
          ]
        : [n, `n/a (${o.reason})`, ...Object.keys(RUN_MODES).map(() => 'n/a'), 'n/a'],
    );
  }
  console.log(
    table(
      [
        'net',
        'bare samples/s',
        ...Object.keys(RUN_MODES).map((m) =>
          m === 'train'
            ? 'train (vs bare)'
            : m === 'debug+doctor'
              ? `${m} (vs bare / vs train+doctor)`
              : `${m} (vs bare / vs train)`,
        ),
        'pause ms',
      ],
      rows,
    ),
  );
  if (
    Object.values(overhead).some(
      (o) => o.status === 'ok' && Object.values(o.modes).some((r) => 'capped' in r && r.capped),
    )
  ) {
    console.log(`† stopped after its time cap of max(4 × ${opts.seconds} s, 5 s) and measured on the steps it did`);
  }
  return overhead;
}

/**
 * One network's doctor cost: `opts.reps` pairs of fresh processes, one per side (bench/doctorCost.ts), in the order
 * A B, B A, …; the first (bare) picks the step count every other run takes. The first process that cannot measure
 * says why for the network.
 */
function doctorCostOfNet(n: string, opts: BenchOptions): DoctorCostish {
  const pairs: { bare: SideTiming; doctor: SideTiming }[] = [];
  let steps = 0;
  for (const order of doctorSideOrder(opts.reps)) {
    const pair: Partial<Record<'bare' | 'doctor', SideTiming>> = {};
    for (const side of order) {
      const args = ['--doctor-cost', '--net', n, '--side', side, '--seconds', String(opts.seconds)];
      args.push('--warmup', String(opts.warmup), ...(steps ? ['--steps', String(steps)] : []));
      const r = child(args) as ({ status: 'ok' } & SideTiming) | { status: 'n/a'; reason: string };
      if (r.status !== 'ok') return r;
      steps ||= r.steps;
      pair[side] = { seconds: r.seconds, steps: r.steps, capped: r.capped, marks: r.marks };
    }
    pairs.push({ bare: pair.bare!, doctor: pair.doctor! });
  }
  return { status: 'ok', ...doctorCostOf(NETWORKS[n as NetId].batch, pairs) };
}

/** The training doctor's cost per network of `opts.nets`, printed. */
export function doctorCostSection(opts: BenchOptions): Record<string, DoctorCostish> {
  const doctor: Record<string, DoctorCostish> = {};
  console.log(
    `\nTraining doctor cost: the Train command's run loop (TrainingRun) without the doctor against the same with every doctor rule watching, each run in its own fresh process after a warm-up run of its side (a process with both would share JIT state and make the pairs' difference not what a user pays), ${opts.reps} pairs of processes per network interleaved (A B, B A, …), equal step counts, ~${opts.seconds} CPU s each; cost = the CPU time the doctor adds per step while the runs train steadily (from the progress message at a quarter of the run to the last one), median over the pairs (middle half of the pairs in brackets; goal ≤ 5%); whole run = the same over the whole runs, with what a run pays once at its start (V8 compiling the doctor's code, its first measurements) and end (the findings), which is also given in ms:\n`,
  );
  for (const n of opts.nets) doctor[n] = doctorCostOfNet(n, opts);
  console.log(
    table(
      ['', 'bare samples/CPU s', 'with the doctor', 'cost', 'middle half', 'whole run', 'once', 'pairs × steps'],
      opts.nets.map((n) => {
        const d = doctor[n];
        return d.status === 'ok'
          ? [
              n,
              fmt(d.bare),
              fmt(d.doctor),
              `${d.costPct.toFixed(1)}%`,
              `[${d.spreadPct[0].toFixed(1)}, ${d.spreadPct[1].toFixed(1)}]%`,
              d.wholeRunPct === undefined ? '' : `${d.wholeRunPct.toFixed(1)}%`,
              d.onceMs === undefined ? '' : `${d.onceMs.toFixed(0)} ms`,
              `${d.pairs} × ${d.stepsPerPair}`,
            ]
          : [n, 'n/a', 'n/a', d.reason, '', '', '', ''];
      }),
    ),
  );
  return doctor;
}
