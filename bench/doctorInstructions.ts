// The training doctor's cost counted in instructions (valgrind's callgrind), beside its cost in CPU time
// (bench/doctorCost.ts): `npm run bench -- --doctor-instructions`. The same two sides (the Train command's run loop
// without and with the doctor, bench/child.ts --doctor-cost), each a fresh process run twice under callgrind, with a
// short and a long run: the difference of their instruction counts over the difference of their steps is what one
// more step costs, with what a process pays once (starting Node, compiling, the findings) cancelled out.
//
// Why: on a shared 2-core machine the CPU-time bench's pairs spread by ±20 % on N3 and N5 (N5 runs 40 steps a side),
// four times the 5 % budget, so it cannot say whether the doctor meets it. An instruction count is the same from
// run to run within ~0.1 % of a step, whatever else the machine runs. It does not see memory stalls: the CPU-time
// bench stays the measure of time, and this one says where the doctor's own work stands.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BATCHES, type NetId } from './networks';
import { runEpochs } from './freshSides';
import type { DoctorSide } from './doctorCost';

const ROOT = path.resolve(__dirname, '..');
const CHILD = path.join(ROOT, 'dist', 'bench-child.js');

/** The seconds given to a child: long enough that its time cap (max(4 × seconds, 5 s)) never cuts a run short. */
const CHILD_SECONDS = 1000;
/** The warm-up asked for: the run's eighth (runEpochs' floor) is what every process then warms up with. */
const CHILD_WARMUP = 0.3;

/**
 * The short and long runs' optimizer steps per network: whole sampling periods of the doctor (40 steps, see
 * freshSides.ts runSteps), the long run's extra steps ~1–5 min under callgrind on this kind of machine; or why a
 * network is not counted. N5's step is ~10⁹ instructions: one period of it takes callgrind over an hour.
 */
export const INSTRUCTION_STEPS: Readonly<Record<NetId, readonly [number, number] | string>> = {
  N1: [40_000, 200_000],
  N2: [4_000, 16_000],
  N3: [80, 320],
  N4: [80, 320],
  N5: 'not counted: a step of N5 is ~10⁹ instructions, over an hour under callgrind for one sampling period',
};

/** One process under callgrind: its side, the steps asked for, the steps it ran with its warm-up, its instructions. */
export interface InstructionRun {
  readonly side: DoctorSide;
  readonly steps: number;
  readonly processSteps: number;
  readonly instructions: number;
}

/** The doctor's cost on one network in instructions per optimizer step. */
export interface DoctorInstructions {
  /** Instructions per step without and with the doctor (the long run's less the short one's, per step). */
  readonly bare: number;
  readonly doctor: number;
  /** doctor ÷ bare − 1, in percent: the budget is 5 % (issue 14). */
  readonly costPct: number;
  readonly runs: readonly InstructionRun[];
}

/** Optimizer steps a --doctor-cost child asked for `steps` runs in all, its warm-up run included. */
export function processSteps(steps: number): number {
  const { epochs, warmEpochs } = runEpochs(steps, CHILD_SECONDS, CHILD_WARMUP);
  return (epochs + warmEpochs) * BATCHES;
}

/** The instruction count valgrind prints at exit (`==pid== Collected : N`), or null. */
export function collectedInstructions(stderr: string): number | null {
  const m = /==\d+== Collected : (\d+)/.exec(stderr);
  return m ? Number(m[1]) : null;
}

/** Instructions per step of each side, and the doctor's cost, from a short and a long run of each. */
export function instructionCostOf(runs: readonly InstructionRun[]): DoctorInstructions {
  const perStep = (side: DoctorSide) => {
    const r = runs.filter((x) => x.side === side).sort((a, b) => a.processSteps - b.processSteps);
    if (r.length !== 2 || r[1].processSteps <= r[0].processSteps)
      throw new Error(`${side}: needs a short and a long run, got ${r.length}`);
    return (r[1].instructions - r[0].instructions) / (r[1].processSteps - r[0].processSteps);
  };
  const bare = perStep('bare'),
    doctor = perStep('doctor');
  return { bare, doctor, costPct: 100 * (doctor / bare - 1), runs };
}

/** Whether valgrind runs here (the bench says n/a otherwise: `apt-get install valgrind`). */
export function valgrindMissing(): string | null {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'valgrind not found (apt-get install valgrind)';
}

/**
 * One side of network `net` for `steps` steps in a fresh process under callgrind (bench/child.ts --doctor-cost,
 * dist/bench-child.js built by the bench), or why it could not be counted.
 */
export function countInstructions(net: NetId, side: DoctorSide, steps: number): InstructionRun | { reason: string } {
  const r = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      process.execPath,
      CHILD,
      '--doctor-cost',
      '--net',
      net,
      '--side',
      side,
      '--seconds',
      String(CHILD_SECONDS),
      '--warmup',
      String(CHILD_WARMUP),
      '--steps',
      String(steps),
    ],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60 * 60_000 },
  );
  const line = r.stdout?.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  const result = line ? (JSON.parse(line.slice('BENCH_RESULT '.length)) as Record<string, unknown>) : null;
  const instructions = collectedInstructions(r.stderr ?? '');
  if (!result || result.status !== 'ok' || instructions === null)
    return { reason: `callgrind run failed (exit ${r.status ?? r.signal}): ${String(result?.reason ?? '')}`.trim() };
  if (result.capped || result.steps !== steps)
    return { reason: `the run was cut short (${String(result.steps)} of ${steps} steps)` };
  return { side, steps, processSteps: processSteps(steps), instructions };
}
