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
// The loops (bench/stepLoop.ts) are the engine's and DoctorStops's as the Train command's run loop drives them (quiet steps a run at a
// time, the others whole), without the run loop's clock, progress messages and slices: those depend on the time
// a step takes, which under valgrind is ~50 times a native one's.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { NETWORKS, NET_IDS, type NetId } from './networks';
import { unsupported } from './nnet';
import { buildChild, table } from './runPrint';
import type { InstructionSide } from './stepLoop';

/** The total of instructions callgrind reports on its `Collected : N` line, or NaN when there is none. */
export function collected(stderr: string): number {
  const m = /==\d+== Collected : (\d+)/.exec(stderr);
  return m ? Number(m[1]) : NaN;
}

/** Instructions per step between two runs of `a` and `b` steps that counted `irA` and `irB` in all. */
export function perStep(a: number, irA: number, b: number, irB: number): number {
  return b > a ? (irB - irA) / (b - a) : NaN;
}

/** Runs the child's step loop under callgrind and returns the instructions it counted (NaN and why, on failure). */
function count(id: NetId, side: InstructionSide, steps: number): Promise<{ ir: number; error?: string }> {
  const childJs = path.join(__dirname, '..', 'dist', 'bench-child.js');
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--predictable', childJs];
  args.push('--step-instructions', '--net', id, '--side', side, '--steps', String(steps));
  return new Promise((resolve) => {
    const p = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', (e: NodeJS.ErrnoException) =>
      resolve({
        ir: NaN,
        error: e.code === 'ENOENT' ? 'valgrind is not installed (apt-get install valgrind)' : e.message,
      }),
    );
    p.on('close', (code) => {
      const ir = collected(err);
      resolve(
        code === 0 && Number.isFinite(ir) ? { ir } : { ir: NaN, error: err.trim().split('\n').slice(-2).join(' | ') },
      );
    });
  });
}

/**
 * Steps of the two runs per network: the shorter past the JIT's warm-up (N1 read 7,022 and 7,518 a step from 100k to
 * 400k steps, 6,977 and 7,436 from 400k to 1M), the longer ~2 minutes under valgrind.
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
    nets = (i >= 0 ? process.argv[i + 1].split(',') : ['N1', 'N2']) as NetId[];
  for (const id of nets) if (!NET_IDS.includes(id)) throw new Error(`unknown network ${id}`);
  buildChild();
  const rows: string[][] = [];
  for (const id of nets) {
    const why = unsupported(NETWORKS[id]);
    if (why) {
      rows.push([id, 'n/a', 'n/a', why]);
      continue;
    }
    const [a, b] = STEPS[id];
    const per: number[] = [];
    for (const side of ['bare', 'doctor'] as const) {
      // The two runs of a side at once: two cores, and a count does not depend on what else runs.
      const [ra, rb] = await Promise.all([count(id, side, a), count(id, side, b)]);
      if (ra.error || rb.error) throw new Error(`${id} ${side}: ${ra.error ?? rb.error}`);
      per.push(perStep(a, ra.ir, b, rb.ir));
      process.stderr.write(`  ${id} ${side}: ${Math.round(per[per.length - 1])} instructions a step\n`);
    }
    rows.push([
      id,
      String(Math.round(per[0])),
      String(Math.round(per[1])),
      `${(100 * (per[1] / per[0] - 1)).toFixed(1)}%`,
    ]);
  }
  console.log(table(['net', 'bare', 'with the doctor', 'added'], rows));
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
