// What the training doctor costs training: N1–N5 with the bare Trainer loop and with every rule of the doctor
// watching, alternated in one process (A B B A …), median samples/s of each. The budget is 5 % (issue 14).
// Usage: node --import tsx bench/doctorCost.ts [--nets N1,N3] [--seconds 2] [--reps 5]

import { Doctor } from '../engine/doctor/doctor';
import { LIMITS } from '../engine/language/spec';
import { Trainer } from '../engine/runtime/trainer';
import { NET_IDS, NETWORKS, makeData, type NetId } from './networks';
import { nnetRunner, specOf } from './nnet';
import { time, type Runner } from './runner';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const nets = opt('nets', NET_IDS.join(',')).split(',') as NetId[];
const seconds = Number(opt('seconds', '2')),
  reps = Number(opt('reps', '5'));

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
for (const id of nets) {
  const bare: number[] = [],
    doc: number[] = [];
  const measureBare = () =>
    bare.push(time(nnetRunner(NETWORKS[id], makeData(NETWORKS[id])), seconds, 0.5).samplesPerSec);
  const measureDoctor = () => doc.push(time(doctoredRunner(id), seconds, 0.5).samplesPerSec);
  // A B B A …: neither side always runs first (the JIT and the machine's load drift between runs).
  for (let r = 0; r < reps; r++) {
    const [first, second] = r % 2 ? [measureDoctor, measureBare] : [measureBare, measureDoctor];
    first();
    second();
  }
  const b = median(bare),
    d = median(doc);
  process.stdout.write(
    `${id}  bare ${b.toFixed(0).padStart(8)} samples/s  doctor ${d.toFixed(0).padStart(8)} samples/s  cost ${(100 * (1 - d / b)).toFixed(1)}%\n`,
  );
}
