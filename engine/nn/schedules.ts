// Learning-rate schedules (constant, step, exponential, cosine) behind an optional linear warm-up: lr as a pure function of the step.

/**
 * How the learning rate decays after warm-up; k counts steps since warm-up ended (k = step − warmupSteps).
 * - constant: baseLr.
 * - step: baseLr·gamma^⌊k/every⌋ (torch StepLR).
 * - exponential: baseLr·gamma^k (torch ExponentialLR).
 * - cosine: minLr + (baseLr − minLr)·(1 + cos(π·k/T))/2 with T = totalSteps − warmupSteps (torch CosineAnnealingLR
 *   with T_max = T, eta_min = minLr); held at minLr for k ≥ T instead of rising again.
 */
export type ScheduleConfig =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly every: number; readonly gamma: number }
  | { readonly kind: 'exponential'; readonly gamma: number }
  | { readonly kind: 'cosine'; readonly minLr: number };

/** A schedule preceded by `warmupSteps` steps of linear warm-up (0 for none). */
export interface LrSchedule {
  readonly schedule: ScheduleConfig;
  readonly warmupSteps: number;
}

/** No schedule: the base learning rate at every step. */
export const CONSTANT_LR: LrSchedule = Object.freeze({ schedule: Object.freeze({ kind: 'constant' }), warmupSteps: 0 });

/**
 * Learning rate of optimizer step `step` (0-based) in a run of `totalSteps` steps.
 *
 * Warm-up (step < warmupSteps): baseLr·(step + 1)/warmupSteps, so step 0 already moves (baseLr/warmupSteps) and step
 * warmupSteps − 1 uses baseLr. Warm-up precedes the schedule rather than multiplying it: the schedule starts at
 * baseLr on step warmupSteps with k = 0, and cosine anneals over the remaining totalSteps − warmupSteps steps.
 * Pure and cheap (no state), so stepping back or replaying gives the same value.
 * Throws RangeError for a negative or non-integer step or warmupSteps, or a step schedule with every < 1.
 */
export function learningRateAt(s: LrSchedule, baseLr: number, step: number, totalSteps: number): number {
  const w = s.warmupSteps;
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`step must be a non-negative integer, got ${step}`);
  if (!Number.isInteger(w) || w < 0) throw new RangeError(`warm-up steps must be a non-negative integer, got ${w}`);
  if (step < w) return (baseLr * (step + 1)) / w;
  const k = step - w;
  const sc = s.schedule;
  switch (sc.kind) {
    case 'constant':
      return baseLr;
    case 'step':
      if (!Number.isInteger(sc.every) || sc.every < 1)
        throw new RangeError(`step schedule needs every ≥ 1, got ${sc.every}`);
      return baseLr * Math.pow(sc.gamma, Math.floor(k / sc.every));
    case 'exponential':
      return baseLr * Math.pow(sc.gamma, k);
    case 'cosine': {
      const T = totalSteps - w;
      // Also covers T ≤ 0 (warm-up takes the whole run): nothing left to anneal over.
      if (k >= T) return sc.minLr;
      return sc.minLr + ((baseLr - sc.minLr) * (1 + Math.cos((Math.PI * k) / T))) / 2;
    }
    default: {
      const never: never = sc;
      throw new Error(`unknown schedule ${JSON.stringify(never)}`);
    }
  }
}
