// The step loops bench/instructions.ts counts the instructions of, run by bench/child.ts `--step-instructions`.

import { DoctorStops } from '../debugger/doctorStops';
import { LIMITS } from '../engine/language/limits';
import { Trainer } from '../engine/runtime/trainer';
import { NETWORKS, makeData, type NetId } from './networks';
import { specOf } from './nnet';

/** The sides counted: the trainer alone, and with every rule of the doctor watching. */
export type InstructionSide = 'bare' | 'doctor';

/**
 * Trains `steps` steps of network `id` on `side` (bench/child.ts `--step-instructions`): the bare trainer's
 * advanceStep, or DoctorStops's takeQuietSteps and advanceStep as the run loop calls them with nothing to stop on.
 * Returns the steps trained, and how many of them the doctor took as quiet ones (0 bare).
 */
export function stepLoop(id: NetId, side: InstructionSide, steps: number): { steps: number; quiet: number } {
  const net = NETWORKS[id],
    { spec, source } = specOf(net, makeData(net), LIMITS.maxEpochs),
    t = new Trainer(spec);
  if (side === 'bare') {
    while (t.step < steps && t.advanceStep());
    return { steps: t.step, quiet: 0 };
  }
  const doctor = new DoctorStops(t, source);
  let quiet = 0;
  while (t.step < steps) {
    const n = doctor.takeQuietSteps(steps - t.step);
    quiet += n;
    if (n > 0) continue;
    if (!doctor.canTakeWhole) throw new Error(`${id}: the doctor cannot observe its steps whole`);
    if (!doctor.advanceStep(null)) break;
  }
  doctor.findings();
  return { steps: t.step, quiet };
}
