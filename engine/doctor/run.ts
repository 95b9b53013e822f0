// Trains a spec with the doctor watching: what `nnet doctor` and the examples test run, a step at a time (whole where
// the doctor can observe it whole: the generated step of a dense stack, see Doctor.canObserveWhole).

import type { NetworkSpec } from '../language/spec';
import { NonFiniteError, Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import type { DoctorThresholds } from './thresholds';
import type { Finding } from './types';

/**
 * Trains the doctor's trainer one optimizer step (the rest of the current one, when inside a step) with the doctor
 * observing it; false when training is finished. Whole (`Trainer.advanceStep`, observed by the doctor between its
 * clip and its update and after it) where the doctor can observe it so and `whole` allows, else event by event; the
 * doctor sees the same either way. Throws NonFiniteError where the events would, after observing what they would
 * have shown the doctor before it.
 */
export function doctoredStep(doctor: Doctor, whole = true): boolean {
  const t = doctor.trainer;
  if (t.finished) return false;
  if (!whole || !t.atStepStart || !doctor.canObserveWhole) {
    for (const s = t.step; t.step === s;) {
      const ev = t.advance();
      if (!ev) break;
      doctor.observe(ev);
    }
    return true;
  }
  if (doctor.observeAfter()) {
    // Nothing to observe before its update: the step as the bare trainer takes it (a NonFiniteError showed no hook).
    t.advanceStep();
    doctor.observeStep();
    return true;
  }
  try {
    t.advanceStep(doctor.observeClipped);
  } catch (e) {
    // Both the loss and the clip event, where a non-finite value is thrown, come after the forward pass.
    if (e instanceof NonFiniteError) doctor.observeForwardPass();
    throw e;
  }
  doctor.observeUpdated();
  return true;
}

/**
 * The findings of one run of `spec`: its own schedule, or `steps` optimizer steps when given. `wholeSteps: false`
 * observes every step event by event (the same findings; tests compare the two).
 */
export function diagnoseRun(
  spec: NetworkSpec,
  options: {
    readonly steps?: number;
    readonly source?: string;
    readonly thresholds?: Partial<DoctorThresholds>;
    readonly wholeSteps?: boolean;
  } = {},
): { findings: Finding[]; steps: number } {
  const t = new Trainer(spec);
  const doctor = new Doctor(t, { source: options.source, thresholds: options.thresholds });
  const limit = options.steps ?? Infinity,
    whole = options.wholeSteps ?? true;
  try {
    while (t.step < limit && doctoredStep(doctor, whole));
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw e;
    doctor.observeError(e);
  } finally {
    t.dispose();
  }
  return { findings: doctor.findings(), steps: t.step };
}
