// What the training doctor costs training: N1–N5 with the bare Trainer loop and with every rule of the doctor
// watching, alternated in one process (A B B A …), median samples/s of each. The budget is 5 % (issue 14).
// Run by `npm run bench` (bench/child.ts --doctor-cost, one network per fresh process; skip with --no-doctor).

import { Doctor } from '../engine/doctor/doctor';
import { LIMITS } from '../engine/language/spec';
import { Trainer } from '../engine/runtime/trainer';
import { NETWORKS, makeData, type NetId } from './networks';
import { nnetRunner, specOf } from './nnet';
import { time, type Runner } from './runner';

/** The Trainer loop with a Doctor fed every event. */
function doctoredRunner(id: NetId): Runner {
  const net = NETWORKS[id];
  const t = new Trainer(specOf(net, makeData(net), LIMITS.maxEpochs).spec);
  const d = new Doctor(t);
  const advance = (k: number) => {
    const end = t.step + k;
    while (t.step < end) {
      const ev = t.advance();
      if (!ev) throw new Error('ran out of epochs');
      d.observe(ev);
    }
  };
  return { samplesPerStep: net.batch, run: advance, sync() {}, loss: () => (advance(1), t.loss) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The doctor's cost on one network: median samples/s bare and watched, and the slowdown in percent. */
export interface DoctorCost {
  readonly bare: number;
  readonly doctor: number;
  readonly costPct: number;
}

/** Measures network `id` bare and with the doctor, alternated A B B A …, `reps` times each. */
export function measureDoctorCost(id: NetId, seconds: number, warmup: number, reps: number): DoctorCost {
  const bare: number[] = [],
    doc: number[] = [];
  const measureBare = () =>
    bare.push(time(nnetRunner(NETWORKS[id], makeData(NETWORKS[id])), seconds, warmup).samplesPerSec);
  const measureDoctor = () => doc.push(time(doctoredRunner(id), seconds, warmup).samplesPerSec);
  // A B B A …: neither side always runs first (the JIT and the machine's load drift between runs).
  for (let r = 0; r < reps; r++) {
    const [first, second] = r % 2 ? [measureDoctor, measureBare] : [measureBare, measureDoctor];
    first();
    second();
  }
  const b = median(bare),
    d = median(doc);
  return { bare: b, doctor: d, costPct: 100 * (1 - d / b) };
}
