// The exception filters of a PyTorch run: NaN/Inf from the probe's nanCheck (the module whose output first held it),
// exploding, vanishing and dead ReLU from a step's statistics (`stepEnd`), with the thresholds of the `.nnet` filters.

import type { ExceptionFilter, ExceptionFilterId } from '../protocol';
import type { ProbeToHost } from './probeProtocol';

/** The exception filters that exist for PyTorch runs (the doctor-only ones need the `.nnet` training doctor). */
export const PYTORCH_FILTERS: readonly ExceptionFilterId[] = ['nan', 'exploding', 'vanishing', 'deadRelu'];

/** A filter that fired: which, why, and the module to show (a path; '' for the whole step). */
export interface FilterHit {
  readonly filter: ExceptionFilterId;
  readonly description: string;
  readonly module: string;
}

type StepEnd = Extract<ProbeToHost, { kind: 'stepEnd' }>;
type ModuleEvent = Extract<ProbeToHost, { kind: 'event' }>;

/** True when a filter needs `arm.stepEnd` (its statistics come at the end of a step). */
export function needsStepEnd(filters: readonly ExceptionFilter[]): boolean {
  return filters.some((f) => f.id === 'exploding' || f.id === 'vanishing' || f.id === 'deadRelu');
}

/** The NaN filter on a module event that nanCheck flagged. */
export function nanHit(ev: ModuleEvent, filters: readonly ExceptionFilter[]): FilterHit | null {
  if (!ev.nan || !filters.some((f) => f.id === 'nan')) return null;
  return {
    filter: 'nan',
    module: ev.module,
    description: `NaN or Inf: '${ev.module}' produced non-finite values in ${ev.nan.tensor} on the ${ev.phase} pass of step ${ev.step + 1} (its input was finite)`,
  };
}

/** The first of exploding, vanishing and dead ReLU that a step's statistics trip, in that order. */
export function stepHit(s: StepEnd, filters: readonly ExceptionFilter[]): FilterHit | null {
  const get = (id: ExceptionFilterId) => filters.find((f) => f.id === id);
  const mods = s.modules;
  const exploding = get('exploding');
  if (exploding && s.gradNormBefore > exploding.threshold && mods.length) {
    const worst = mods.reduce((a, b) => (b.gradNorm > a.gradNorm ? b : a), mods[0]);
    return {
      filter: 'exploding',
      module: worst.path,
      description: `Exploding gradient: global norm ${s.gradNormBefore.toPrecision(4)} > ${exploding.threshold} (largest in '${worst.path}', ‖∇W‖ = ${worst.gradNorm.toPrecision(4)})`,
    };
  }
  const vanishing = get('vanishing');
  if (vanishing && mods.length) {
    // As for `.nnet` runs: relative to the last module (the output layer), then an absolute floor on mean |grad|.
    const ref = mods[mods.length - 1].gradNorm;
    const low = mods.slice(0, -1).find((m) => ref > 0 && m.gradNorm < vanishing.threshold * ref);
    if (low)
      return {
        filter: 'vanishing',
        module: low.path,
        description: `Vanishing gradient: ‖∇W‖ of '${low.path}' is ${low.gradNorm.toExponential(2)}, ${(low.gradNorm / ref).toExponential(2)} × the output module's (threshold ${vanishing.threshold})`,
      };
    const floor = vanishing.floor ?? 1e-7;
    const floored = mods.find((m) => m.meanAbsGrad < floor);
    if (floored)
      return {
        filter: 'vanishing',
        module: floored.path,
        description: `Vanishing gradient: mean |∇W| of '${floored.path}' is ${floored.meanAbsGrad.toExponential(2)}, below the absolute floor ${floor}`,
      };
  }
  const dead = get('deadRelu');
  const dying = dead && mods.find((m) => m.deadFraction !== undefined && m.deadFraction > dead.threshold);
  if (dead && dying)
    return {
      filter: 'deadRelu',
      module: dying.path,
      description: `Dead ReLU: ${(100 * dying.deadFraction!).toFixed(0)}% of the units of '${dying.path}' are ≤ 0 for the whole batch (threshold ${(100 * dead.threshold).toFixed(0)}%)`,
    };
  return null;
}
