// Trains a spec with the doctor watching: what `nnet doctor` and the examples test run.

import type { NetworkSpec } from '../language/spec';
import { NonFiniteError, Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import type { DoctorThresholds } from './thresholds';
import type { Finding } from './types';

/** The findings of one run of `spec`: its own schedule, or `steps` optimizer steps when given. */
export function diagnoseRun(
  spec: NetworkSpec,
  options: { readonly steps?: number; readonly source?: string; readonly thresholds?: Partial<DoctorThresholds> } = {},
): { findings: Finding[]; steps: number } {
  const t = new Trainer(spec);
  const doctor = new Doctor(t, { source: options.source, thresholds: options.thresholds });
  const limit = options.steps ?? Infinity;
  try {
    while (t.step < limit) {
      const ev = t.advance();
      if (!ev) break;
      doctor.observe(ev);
    }
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw e;
    doctor.observeError(e);
  } finally {
    t.dispose();
  }
  return { findings: doctor.findings(), steps: t.step };
}
