// What the debugger's run loop costs against the bare engine, from rounds of fresh processes (bench/freshSides.ts):
// per run mode the median and middle half over the rounds of its CPU time per steady step against the bare engine's
// in the same round, and against the Train command's run loop. `npm run bench` runs the rounds (bench/runCosts.ts).

import { OVERHEAD_SIDES, ratioStats, samplesPerCpuSecond, steadyPerStep, type Rounds, type Side } from './freshSides';
import { RUN_MODES, type Overhead, type RunMode } from './nnet';

/**
 * The overhead of every run mode from `r`, rounds of one process per side (the bare engine and each mode), for a
 * network of `batch` samples per step, with the pause latency measured beside them. A mode that failed gives its
 * reason; one with no round beside the bare engine, 'no run'.
 */
export function overheadOf(batch: number, r: Rounds<Side>, pauseLatencyMs: Overhead['pauseLatencyMs']): Overhead {
  const runs = (s: Side) => r.rounds.flatMap((round) => (round[s] ? [round[s]] : []));
  const modes = (Object.keys(RUN_MODES) as RunMode[]).map((m) => {
    const failed = r.failed[m];
    const vsBare = ratioStats(r.rounds, m, 'bare');
    if (failed !== undefined || !vsBare.perRound.length) return [m, { reason: failed ?? 'no run' }];
    const mode = RUN_MODES[m];
    return [
      m,
      {
        samplesPerSec: samplesPerCpuSecond(batch, runs(m)),
        overheadPct: vsBare.median,
        spreadPct: vsBare.spread,
        // The same round's Train: both sides then ran under the same load.
        vsTrainPct: ratioStats(r.rounds, m, 'train').median,
        ...(m !== 'train+doctor' && 'doctor' in mode && mode.debug
          ? { vsTrainDoctorPct: ratioStats(r.rounds, m, 'train+doctor').median }
          : {}),
        capped: runs(m).some((t) => t.capped),
      },
    ];
  });
  return {
    method: 'fresh processes',
    steps: r.steps,
    pairs: r.rounds.length,
    bareSamplesPerSec: samplesPerCpuSecond(batch, runs('bare')),
    pauseLatencyMs,
    modes: Object.fromEntries(modes) as Overhead['modes'],
    usPerStep: Object.fromEntries(
      OVERHEAD_SIDES.filter((s) => runs(s).length).map((s) => [s, runs(s).map((t) => 1e6 * steadyPerStep(t))]),
    ),
  };
}
