// What the training doctor costs a step, counted in machine instructions rather than timed: each side's step loop
// runs under valgrind's callgrind (node --predictable: no background compilation, so the same run counts the same),
// at two step counts, and the difference over the steps between them is the side's instructions per step, without
// the process's start-up. `npm run bench:instructions [-- --nets N1,N2]`, where valgrind is installed.
//
// Why: on the shared 2-core machines this is built on, the time a tiny network's step takes moves ±10 % from one
// process to the next and within one run, so the doctor's cost on N1 read anything from −1 % to +15 % in five runs of
// bench/doctorCost.ts on one afternoon. Instructions are not time (a step of cheap instructions and one of dear ones
// differ), but a count moves by less than 0.1 % between runs, so a change to the doctor or to the step can be judged
// by it. bench/doctorCost.ts stays the measure of the 5 % budget, which is on training time.
//
// Each side's count also gives what V8's optimizing compiler took between the two runs, and the doctor's share
// without it: code that is called once a batch of steps gets hot late, and on N1 its compiling was a third of what
// the doctor added between 400k and 1M steps (2026-12-03).
//
// The sides (bench/stepLoop.ts) are the timed section's: the Train command's run loop (TrainingRun) without the doctor
// and with every rule of it watching, whole runs; and the trainer alone, for reference. The run loop decides from
// the clock when to read it, end a slice or send progress; it runs on a clock that counts its reads, so that both
// sides decide at the same steps (under valgrind a step takes ~50 times a native one's).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NETWORKS, NET_IDS, type NetId } from './networks';
import { unsupported } from './nnet';
import { buildChild, table } from './runPrint';
import { INSTRUCTION_SIDES, type InstructionSide } from './stepLoop';

/** The total of instructions callgrind reports on its `Collected : N` line, or NaN when there is none. */
export function collected(stderr: string): number {
  return collectedEvents(stderr).Ir ?? NaN;
}

/**
 * Every event callgrind counted, by the names of its `Events :` line (Ir; with its cache and branch simulations also
 * I1mr, the first-level instruction cache's misses, Bcm and Bim, the conditional and indirect branches mispredicted).
 */
export function collectedEvents(stderr: string): Record<string, number> {
  const names = /==\d+== Events\s*: ([^\n]+)/.exec(stderr)?.[1].trim().split(/\s+/) ?? ['Ir'],
    counts = /==\d+== Collected : ([\d ]+)/.exec(stderr)?.[1].trim().split(/\s+/).map(Number) ?? [];
  return Object.fromEntries(counts.map((c, k) => [names[k], c]));
}

/**
 * The instructions V8's optimizing compiler (TurboFan) took, from `callgrind_annotate --inclusive=yes` over a run:
 * the inclusive count of GetOrCompileOptimized, where every optimizing compile starts (under --predictable they run
 * on the main thread, inside the run's count); 0 when nothing was compiled (no such line).
 */
export function optimizingCompilerIr(annotated: string): number {
  const line = annotated.split('\n').find((l) => /::GetOrCompileOptimized\(/.test(l));
  return line ? Number(/^\s*([\d,]+)/.exec(line)?.[1].replace(/,/g, '') ?? 0) : 0;
}

/** Instructions per step between two runs of `a` and `b` steps that counted `irA` and `irB` in all. */
export function perStep(a: number, irA: number, b: number, irB: number): number {
  return b > a ? (irB - irA) / (b - a) : NaN;
}

/**
 * Runs the child's step loop under callgrind and returns the events it counted (with `cache`, its simulations of the
 * caches and branch predictors too), or why it could not.
 */
function count(
  id: NetId,
  side: InstructionSide,
  steps: number,
  cache: boolean,
): Promise<{ events: Record<string, number>; error?: string }> {
  const childJs = path.join(__dirname, '..', 'dist', 'bench-child.js');
  // Its profile, for the instructions the optimizing compiler took (optimizingCompilerIr): read, then removed.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nnet-callgrind-')),
    out = path.join(dir, 'callgrind.out');
  const args = ['--tool=callgrind', `--callgrind-out-file=${out}`];
  if (cache) args.push('--cache-sim=yes', '--branch-sim=yes');
  // An old space that the runs do not fill (--trace-gc: no full collection in 1M steps of N1 on either side). The
  // first one otherwise came between N1's two runs, once, and added ~300 instructions to each step of the
  // difference, as much as the heap's size at that moment made it: N1's Train read 7,395, 7,441 and 7,594 a step
  // in three builds that differ in nothing it runs.
  args.push(process.execPath, '--predictable', '--initial-old-space-size=64', childJs);
  args.push('--step-instructions', '--net', id, '--side', side, '--steps', String(steps));
  return new Promise((resolve) => {
    const p = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e: NodeJS.ErrnoException) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({
        events: {},
        error: e.code === 'ENOENT' ? 'valgrind is not installed (apt-get install valgrind)' : e.message,
      });
    });
    p.on('close', (code) => {
      const events = collectedEvents(err);
      if (code === 0) events.compiling = compilingIr(out);
      rmSync(dir, { recursive: true, force: true });
      resolve(
        code === 0 && Number.isFinite(events.Ir)
          ? { events }
          : { events, error: err.trim().split('\n').slice(-2).join(' | ') },
      );
    });
  });
}

/** optimizingCompilerIr of the callgrind profile `file` (NaN when callgrind_annotate could not read it). */
function compilingIr(file: string): number {
  const r = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', '--show=Ir', file], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return r.status === 0 ? optimizingCompilerIr(r.stdout) : NaN;
}

/**
 * Steps of the two runs per network: the shorter past the JIT's warm-up (the trainer alone and the doctor's own loop,
 * as this bench first counted them, read N1 7,022 and 7,518 a step from 100k to 400k steps, 6,977 and 7,436 from
 * 400k to 1M), the longer ~1–2 minutes under valgrind.
 */
const STEPS: Readonly<Record<NetId, readonly [number, number]>> = {
  N1: [400_000, 1_000_000],
  N2: [10_000, 30_000],
  N3: [200, 800],
  N4: [200, 800],
  N5: [10, 40],
};

async function main(): Promise<void> {
  const i = process.argv.indexOf('--nets'),
    nets = (i >= 0 ? process.argv[i + 1].split(',') : ['N1', 'N2']) as NetId[],
    cache = process.argv.includes('--cache');
  for (const id of nets) if (!NET_IDS.includes(id)) throw new Error(`unknown network ${id}`);
  buildChild();
  const rows: string[][] = [],
    simulated: string[][] = [];
  const round = (x: number) => String(Math.round(x)),
    added = (with_: number, without: number) => `${(100 * (with_ / without - 1)).toFixed(1)}%`;
  for (const id of nets) {
    const why = unsupported(NETWORKS[id]);
    if (why) {
      rows.push([id, 'n/a', 'n/a', 'n/a', why, '', '', '']);
      continue;
    }
    const [a, b] = STEPS[id];
    // Per side, each event a step.
    const per: Record<string, number>[] = [];
    for (const side of INSTRUCTION_SIDES) {
      // The two runs of a side at once: two cores, and a count does not depend on what else runs.
      const [ra, rb] = await Promise.all([count(id, side, a, cache), count(id, side, b, cache)]);
      if (ra.error || rb.error) throw new Error(`${id} ${side}: ${ra.error ?? rb.error}`);
      per.push(Object.fromEntries(Object.keys(ra.events).map((e) => [e, perStep(a, ra.events[e], b, rb.events[e])])));
      process.stderr.write(`  ${id} ${side}: ${round(per[per.length - 1].Ir)} instructions a step\n`);
    }
    const [bare, train, doctor] = per;
    // Left out: what V8's optimizing compiler took between the two runs (code that tiers up late, such as a function
    // called once a batch of steps; a longer run spreads it over more steps).
    const steady = (e: Record<string, number>) => e.Ir - e.compiling;
    rows.push([
      id,
      round(bare.Ir),
      round(train.Ir),
      round(doctor.Ir),
      added(doctor.Ir, train.Ir),
      round(train.compiling),
      round(doctor.compiling),
      added(steady(doctor), steady(train)),
    ]);
    if (cache) {
      const one = (x: number) => x.toFixed(1),
        mispredicted = (e: Record<string, number>) => e.Bcm + e.Bim;
      simulated.push([id, one(train.I1mr), one(doctor.I1mr), one(mispredicted(train)), one(mispredicted(doctor))]);
    }
  }
  console.log(
    table(
      [
        'net',
        'trainer alone',
        'Train',
        'Train with the doctor',
        'the doctor adds',
        'of Train, V8 compiling',
        'of Train with the doctor',
        'the doctor adds, compiling left out',
      ],
      rows,
    ),
  );
  if (cache) {
    console.log('\nSimulated by valgrind, a step: first-level instruction cache misses, mispredicted branches\n');
    console.log(
      table(['net', 'L1i misses, Train', 'with the doctor', 'mispredicted, Train', 'with the doctor'], simulated),
    );
  }
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
