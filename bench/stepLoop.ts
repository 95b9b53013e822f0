// The step loops bench/instructions.ts counts the instructions of, run by bench/child.ts `--step-instructions`.

import { TrainingRun } from '../debugger/trainingRun';
import type { WorkerToHost } from '../debugger/protocol';
import { Trainer } from '../engine/runtime/trainer';
import { BATCHES, NETWORKS, makeData, type NetId } from './networks';
import { RUN_MODES, specOf } from './nnet';

/**
 * The sides counted: the trainer alone (`bare`, for reference), and the two sides of the doctor's budget, as the timed
 * section has them (bench/doctorCost.ts): the Train command's run loop without the doctor (`train`) and with every
 * rule of it watching (`train+doctor`).
 */
export type InstructionSide = 'bare' | 'train' | 'train+doctor';
export const INSTRUCTION_SIDES: readonly InstructionSide[] = ['bare', 'train', 'train+doctor'];

/**
 * What the clock advances by at each read, in ms, while the run loop is counted (useCountingClock): less than an
 * eighth of the run loop's CLOCK_READ_MS, so its stride between reads grows to its largest (64 steps) as it does on
 * a tiny network in real time.
 */
const CLOCK_TICK_MS = 0.05;

/**
 * Makes `performance.now` a counter that advances CLOCK_TICK_MS at each read. The run loop decides from the clock
 * when to read it again, when a slice ends and when progress is due: under valgrind a step takes ~50 times as long,
 * so on the real clock those decisions come ~50 times as often per step as natively, and more often on the slower
 * side (counting them that way read the doctor's N1 cost at 8.4 % once and 15.4 % another time). On this clock both
 * sides decide at the same steps.
 */
function useCountingClock(): () => void {
  const real = performance.now;
  let now = 0;
  performance.now = () => (now += CLOCK_TICK_MS);
  return () => void (performance.now = real);
}

/**
 * Trains `steps` steps of network `id` on `side` (bench/child.ts `--step-instructions`): the bare trainer's
 * advanceStep in a plain loop, or the whole run of the Train command's run loop (TrainingRun, as bench/nnet.ts's
 * throughRun drives it, each message cloned as the worker's postMessage would) over `steps` ÷ BATCHES epochs, on the
 * counting clock. Resolves to the steps trained.
 */
export function stepLoop(id: NetId, side: InstructionSide, steps: number): Promise<{ steps: number }> {
  const net = NETWORKS[id],
    data = makeData(net),
    epochs = Math.max(1, Math.ceil(steps / BATCHES));
  if (side === 'bare') {
    const t = new Trainer(specOf(net, data, epochs).spec);
    while (t.step < steps && t.advanceStep());
    return Promise.resolve({ steps: t.step });
  }
  const restore = useCountingClock();
  return new Promise<{ steps: number }>((resolve, reject) => {
    const run = new TrainingRun((m: WorkerToHost) => {
      structuredClone(m);
      if (m.kind === 'finished') resolve({ steps: m.progress.step });
      else if (m.kind === 'error') reject(new Error(m.message));
      else if (m.kind === 'stopped') reject(new Error(`${id} ${side}: the run stopped (${m.reason})`));
    });
    run.handle({
      kind: 'start',
      fileName: 'bench.nnet',
      source: specOf(net, data, epochs).source,
      stopOnEntry: false,
      breakpoints: [],
      ...RUN_MODES[side],
    });
  }).finally(restore);
}
