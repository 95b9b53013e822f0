// The costs of watching training that `npm run bench` measures, each side of each network in its own fresh child,
// in rounds of processes (bench/freshSides.ts), printed as tables: the debugger's run loop against the bare engine in
// every mode (bench/overheadCost.ts) and the training doctor's (bench/doctorCost.ts).

import os from 'node:os';
import { doctorCostOf, type DoctorCost } from './doctorCost';
import { OVERHEAD_SIDES, roundOrder, runRounds, type Rounds, type Side, type SideRun } from './freshSides';
import { NETWORKS, type NetId } from './networks';
import { RUN_MODES, type Overhead, type RunMode } from './nnet';
import { overheadOf } from './overheadCost';
import type { BenchOptions } from './runOptions';
import { canPinToCpu, child, childrenOnOneCpu, fmt, table } from './runPrint';

/** A network's run-loop overhead, or why it was not measured. */
export type Overheadish = ({ status: 'ok' } & Overhead) | { status: 'n/a'; reason: string };
/** A network's doctor cost, or why it was not measured. */
export type DoctorCostish = ({ status: 'ok' } & DoctorCost) | { status: 'n/a'; reason: string };
/** What a timing child printed: its run, or why there is none. */
type Measured = ({ status: 'ok' } & SideRun) | { status: 'n/a'; reason: string };

/** A child's run without its status (and its warm-up run's timing where it gave it). */
function timingOf(r: { status: 'ok' } & SideRun): SideRun {
  return { seconds: r.seconds, steps: r.steps, capped: r.capped, marks: r.marks, ...(r.fresh && { fresh: r.fresh }) };
}

/**
 * `opts.reps` rounds of fresh processes of `sides` on network `n` (runRounds): each side a child `flag --side …`
 * timed as the options say; the first picks the step count every other run takes.
 */
function roundsOfNet<S extends string>(
  n: string,
  sides: readonly S[],
  flag: string,
  opts: BenchOptions,
): Rounds<S> | { reason: string } {
  return runRounds(sides, opts.reps, (side, steps) => {
    const args = [flag, '--net', n, '--side', side, '--seconds', String(opts.seconds), '--warmup', String(opts.warmup)];
    if (steps) args.push('--steps', String(steps));
    const r = child(args) as Measured;
    return r.status === 'ok' ? timingOf(r) : r;
  });
}

/** One network's overhead: its rounds of fresh processes, then the pause latency in a child of its own. */
function overheadOfNet(n: string, opts: BenchOptions): Overheadish {
  const r = roundsOfNet(n, OVERHEAD_SIDES, '--run-side', opts);
  if ('reason' in r) return { status: 'n/a', reason: r.reason };
  const p = child(['--pause-latency', '--net', n]) as
    { status: 'ok'; median: number; max: number } | { status: 'n/a'; reason: string };
  const pause = p.status === 'ok' ? { median: p.median, max: p.max } : { median: NaN, max: NaN, reason: p.reason };
  return { status: 'ok', ...overheadOf(NETWORKS[n as NetId].batch, r as Rounds<Side>, pause) };
}

/**
 * How far apart the bare engine's own processes were (slowest steady time per step ÷ fastest − 1): the same code in
 * every one of them, so the noise floor that the modes' ratios to it sit on.
 */
function bareRange(o: Overhead): string {
  const us = o.usPerStep?.bare ?? [];
  return us.length > 1 ? `${(100 * (Math.max(...us) / Math.min(...us) - 1)).toFixed(1)}%` : '';
}

/** The debugger's overhead per network of `opts.nets`, printed. */
export function overheadSection(opts: BenchOptions): Record<string, Overheadish> {
  const overhead: Record<string, Overheadish> = {};
  console.log(
    `\nDebugger instrumentation: the same steps through the worker's run loop (TrainingRun, nothing stops) in each mode vs the bare engine (Trainer.advanceStep whole steps in a plain loop, as the run loop takes them where nothing can stop inside a step). Each side runs in its own fresh process (sides sharing a process share V8's JIT state, which biased the old same-process pairs by ±15 %), after a warm-up run of that side and a full garbage collection; ${opts.reps} rounds per network, every side once per round, the order rotated from round to round; equal step counts (picked by the first bare process for ~${opts.seconds} s); CPU time per step while a run trains steadily (from its progress mark at a quarter of the run to its last; the bare loop takes the same marks at the same 250 ms cadence). Per mode: samples per CPU second over its runs, (median over the rounds of its time per step ÷ the same round's bare − 1 / the same against the same round's train, or train+doctor for debug+doctor); goal ≤ 10% in every mode. train = the Train command's run loop without the doctor; train+doctor = with it, as the extension's Train runs (debug+doctor is judged against it: the debugger's own share with the doctor on, ≤ 10%); debug = a debug session with its defaults but without the doctor (breakpoint checks, 256 MB rewind history); +doctor = with the training doctor watching, as the extension's Train and debug sessions run (whole steps, each observed whole by the doctor between its clip and its update); +breakpoints = a conditional breakpoint on every layer that never fires; +filters = every exception filter on (vanishing at a threshold that never fires); bare range = the slowest of the bare engine's own processes against the fastest (the same code: the noise the ratios sit on); middle half = 25th–75th percentile over the rounds of each mode vs bare; pause = ms from Pause to the stop (median/max of 7, a process of its own):\n`,
  );
  const rows: string[][] = [],
    spreads: string[][] = [];
  const pct = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
  for (const n of opts.nets) {
    const o = overheadOfNet(n, opts);
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
            Number.isFinite(o.pauseLatencyMs.median)
              ? `${o.pauseLatencyMs.median.toFixed(1)} / ${o.pauseLatencyMs.max.toFixed(1)}`
              : 'n/a',
            `${o.pairs} × ${o.steps}`,
            bareRange(o),
          ]
        : [n, `n/a (${o.reason})`, ...Object.keys(RUN_MODES).map(() => 'n/a'), 'n/a', '', ''],
    );
    spreads.push([
      n,
      ...(Object.keys(RUN_MODES) as RunMode[]).map((m) => {
        const r = o.status === 'ok' ? o.modes[m] : undefined;
        return r && 'spreadPct' in r ? `[${pct(r.spreadPct[0])}, ${pct(r.spreadPct[1])}]` : '';
      }),
    ]);
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
        'rounds × steps',
        'bare range',
      ],
      rows,
    ),
  );
  console.log(`\nMiddle half over the rounds of each mode vs bare (25th, 75th percentile):\n`);
  console.log(table(['net', ...Object.keys(RUN_MODES)], spreads));
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
 * One network's doctor cost: `opts.reps` pairs of fresh processes, one per side (bench/doctorCost.ts), the first
 * started first alternating (A B, B A, …). Where children can be pinned to a CPU, each pair runs at once on one CPU,
 * taking turns on it (the CPU alternating every two pairs), after a child of its own picked the step count every run
 * takes: on these shared 2-core machines a CPU has slow spells of many seconds (N1's bare step 0.51 µs, then 0.83 µs
 * for ~20 s, on one CPU and not the other), and two processes run one after the other, or at once on two CPUs, then
 * differ by −40 % … +65 % with the same code; at once on one CPU, by −5.1 … +5.4 %, median −0.5 % (12 pairs of bare
 * N1 processes, 2026-12-03; one of them in a slow spell, 0.87 µs a step on both). Elsewhere the pairs run one after
 * the other (roundsOfNet), the first (bare) picking the step count. A side that cannot measure says why for the
 * network.
 */
async function doctorCostOfNet(n: string, opts: BenchOptions, oneCpu: boolean): Promise<DoctorCostish> {
  const batch = NETWORKS[n as NetId].batch;
  if (!oneCpu) {
    const r = roundsOfNet(n, ['bare', 'doctor'] as const, '--doctor-cost', opts);
    if ('reason' in r) return { status: 'n/a', reason: r.reason };
    if (r.failed.doctor !== undefined) return { status: 'n/a', reason: r.failed.doctor };
    const pairs = r.rounds.map((p) => ({ bare: p.bare!, doctor: p.doctor! }));
    return { status: 'ok', ...doctorCostOf(batch, pairs), oneCpu: false };
  }
  const time = ['--seconds', String(opts.seconds), '--warmup', String(opts.warmup)];
  const picked = child(['--pick-steps', '--net', n, ...time]) as
    { status: 'ok'; steps: number } | { status: 'n/a'; reason: string };
  if (picked.status !== 'ok') return picked;
  const pairs: { bare: SideRun; doctor: SideRun }[] = [],
    cpus = Math.min(2, os.availableParallelism());
  for (const [k, order] of roundOrder(['bare', 'doctor'] as const, opts.reps).entries()) {
    const args = order.map((side) => ['--doctor-cost', '--net', n, '--side', side, ...time]);
    for (const a of args) a.push('--steps', String(picked.steps), '--sharing', String(order.length));
    const rs = (await childrenOnOneCpu(args, (k >> 1) % cpus)) as Measured[];
    const pair: Partial<Record<'bare' | 'doctor', SideRun>> = {};
    for (const [i, r] of rs.entries()) {
      if (r.status !== 'ok') return r;
      pair[order[i]] = timingOf(r);
    }
    pairs.push({ bare: pair.bare!, doctor: pair.doctor! });
  }
  return { status: 'ok', ...doctorCostOf(batch, pairs), oneCpu: true };
}

/** The training doctor's cost per network of `opts.nets`, printed. */
export async function doctorCostSection(opts: BenchOptions): Promise<Record<string, DoctorCostish>> {
  const doctor: Record<string, DoctorCostish> = {},
    oneCpu = canPinToCpu();
  console.log(
    `\nTraining doctor cost: the Train command's run loop (TrainingRun) without the doctor against the same with every doctor rule watching, each run in its own fresh process (a process with both would share JIT state and make the pairs' difference not what a user pays) after a warm-up run of the same steps (so no path of the timed run is new to V8), ${opts.reps} pairs of processes per network, ${oneCpu ? 'the two of a pair at once, taking turns on one CPU (pinned with taskset; the CPU alternating every two pairs): a CPU of these shared machines has slow spells of many seconds, which then fall on both alike' : 'one after the other, interleaved (A B, B A, …) (taskset is not available here to run them at once on one CPU)'}, equal step counts, ~${opts.seconds} CPU s each; cost = the CPU time the doctor adds per step while the runs train steadily (from the progress message at a quarter of the run to the last one), median over the pairs (middle half of the pairs in brackets; goal ≤ 5%); first quarter = the same from the runs' start to there (on a tiny network, the steps while it still learns); fresh run = the same over each process's warm-up run, whole: what a run of these steps pays in a fresh process, V8 compiling the code included; whole run = the same over the timed runs, whole, with what the doctor adds once at a run's start (its first measurements) and end (the findings), also given in ms:\n`,
  );
  for (const n of opts.nets) doctor[n] = await doctorCostOfNet(n, opts, oneCpu);
  console.log(doctorCostTable(opts.nets, doctor));
  return doctor;
}

/** The doctor section's table: a row per network of `nets`, its cost or why it was not measured. */
export function doctorCostTable(nets: readonly string[], doctor: Record<string, DoctorCostish>): string {
  return table(
    [
      '',
      'bare samples/CPU s',
      'with the doctor',
      'cost',
      'middle half',
      'first quarter',
      'fresh run',
      'whole run',
      'once',
      'pairs × steps',
    ],
    nets.map((n) => {
      const d = doctor[n];
      return d.status === 'ok'
        ? [
            n,
            fmt(d.bare),
            fmt(d.doctor),
            `${d.costPct.toFixed(1)}%`,
            `[${d.spreadPct[0].toFixed(1)}, ${d.spreadPct[1].toFixed(1)}]%`,
            d.firstQuarterPct === undefined ? '' : `${d.firstQuarterPct.toFixed(1)}%`,
            d.freshRunPct === undefined ? '' : `${d.freshRunPct.toFixed(1)}%`,
            d.wholeRunPct === undefined ? '' : `${d.wholeRunPct.toFixed(1)}%`,
            d.onceMs === undefined ? '' : `${d.onceMs.toFixed(0)} ms`,
            `${d.pairs} × ${d.stepsPerPair}`,
          ]
        : [n, 'n/a', 'n/a', d.reason, '', '', '', '', '', ''];
    }),
  );
}
