// Helpers of the Reverse Continue search tests (recordSearch, wholeSearch, reverseContinue): a seeded generator,
// random breakpoints on a network of three layers, what a client sees of a stop, and one random session that ends in
// two searches.

import assert from 'node:assert/strict';
import { Trainer } from '../engine/runtime/trainer';
import type { BreakpointSpec, HostToWorker, WorkerToHost } from './protocol';
import type { TrainingRun } from './trainingRun';

/** A small seeded generator (mulberry32), so a failing trial can be run again. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random breakpoints on nodes 0–2: phases, a condition drawn by `condition`, sometimes a hit condition or the log
 * message `logMessage`.
 */
export function randomBreakpoints(
  rnd: () => number,
  firstId: number,
  condition: (rnd: () => number) => string | undefined,
  logMessage: string,
): BreakpointSpec[] {
  const out: BreakpointSpec[] = [];
  const n = 1 + Math.floor(rnd() * 2);
  for (let i = 0; i < n; i++) {
    const nodes = [0, 1, 2].filter(() => rnd() < 0.5);
    const phases = [[], ['forward'], ['backward'], ['forward', 'backward'], undefined][Math.floor(rnd() * 5)] as
      BreakpointSpec['phases'] | undefined;
    const hitCondition = [undefined, undefined, undefined, '>= 1', '== 3', '% 2', '> 1000'][Math.floor(rnd() * 7)];
    out.push({
      id: firstId + i,
      nodes: nodes.length ? nodes : [1],
      condition: condition(rnd),
      ...(phases ? { phases } : {}),
      ...(hitCondition ? { hitCondition } : {}),
      ...(rnd() < 0.15 ? { logMessage } : {}),
    });
  }
  return out;
}

/** What a client sees of a stop and of `expressions` there (the progress's rate aside). */
export async function seen(
  stop: WorkerToHost,
  send: (msg: HostToWorker) => Promise<WorkerToHost>,
  expressions: readonly string[],
) {
  assert.ok(stop.kind === 'stopped', JSON.stringify(stop).slice(0, 300));
  const { progress, tensors, ...rest } = stop;
  const values = [];
  for (const expression of expressions)
    values.push(await send({ kind: 'evaluate', id: values.length + 1, expression }));
  return {
    ...rest,
    progress: [progress.step, progress.epoch, progress.loss, progress.gradNormBeforeClip],
    tensors: tensors.map((x) => [x.path, x.values && Array.from(x.values)]),
    values,
  };
}

/** A random session's program (see searchTrial). */
export interface SearchTrial {
  readonly r: TrainingRun;
  readonly send: (msg: HostToWorker) => Promise<WorkerToHost>;
  readonly fileName: string;
  readonly source: string;
  /** What `seen` evaluates at each stop. */
  readonly expressions: readonly string[];
  /** Draws the random breakpoints of the searches. */
  readonly breakpoints: (rnd: () => number) => BreakpointSpec[];
  /** The Trainer method whose calls during the searches are counted. */
  readonly counted: 'advance' | 'advanceStep';
}

/**
 * One trial, its script drawn from `rnd`: a session stopped at a random event, maybe stepped back and edited, run on
 * with the random breakpoints, maybe stepped back and forward again, then Reverse Continue twice with them. What the
 * client saw at each stop, the calls of `counted` during the searches, and the random breakpoints.
 */
export async function searchTrial(rnd: () => number, s: SearchTrial) {
  const { r, send } = s;
  const look = async (stop: WorkerToHost) => seen(stop, send, s.expressions);
  const at = 20 + Math.floor(rnd() * 150);
  const stopAt: BreakpointSpec = {
    id: 1,
    nodes: [Math.floor(rnd() * 3)],
    phases: [rnd() < 0.5 ? 'forward' : 'backward'],
    condition: `step >= ${at}`,
  };
  const views = [];
  const first = await send({
    kind: 'start',
    fileName: s.fileName,
    source: s.source,
    debug: true,
    stopOnEntry: false,
    breakpoints: [stopAt],
    exceptionFilters: [],
    historyBytes: rnd() < 0.3 ? 1 << 14 : 1 << 20,
  });
  views.push(await look(first));
  const random = s.breakpoints(rnd);
  // Back into steps already run (and recorded), so that an edit there rewrites their future.
  if (rnd() < 0.4) for (let i = Math.floor(rnd() * 12); i >= 0; i--) await send({ kind: 'step', step: 'back' });
  if (rnd() < 0.5) {
    const [path, value] = [
      ['lr', '0.02'],
      ['h1.W[0][0]', '0.3'],
      ['out.b[0]', '-0.1'],
    ][Math.floor(rnd() * 3)];
    await send({ kind: 'setValue', id: 100, path, value });
  }
  if (rnd() < 0.6) {
    // Run on with the random breakpoints set (they count their hits), to a later step or their first stop.
    r.handle({ kind: 'setBreakpoints', breakpoints: [{ ...stopAt, condition: `step >= ${at + 5}` }, ...random] });
    views.push(await look(await send({ kind: 'continue' })));
  }
  if (rnd() < 0.4) {
    let stop: WorkerToHost | null = null;
    for (let i = Math.floor(rnd() * 8); i >= 0; i--) stop = await send({ kind: 'step', step: 'back' });
    for (let i = Math.floor(rnd() * 5); i >= 0; i--) stop = await send({ kind: 'step', step: 'over' });
    views.push(await look(stop!));
  }
  r.handle({ kind: 'setBreakpoints', breakpoints: random });
  const proto = Trainer.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = proto[s.counted];
  let counted = 0;
  proto[s.counted] = function (this: Trainer, ...args: unknown[]) {
    counted++;
    return original.apply(this, args);
  };
  try {
    for (let i = 0; i < 2; i++) views.push(await look(await send({ kind: 'reverseContinue' })));
  } finally {
    proto[s.counted] = original;
  }
  r.handle({ kind: 'stop' });
  return { views, counted, random };
}

/**
 * The search tests' network `name`: 7 rows in batches of 3, so each epoch's third step has a batch of 1 (batch_size
 * changes within an epoch); `trainLines` (each indented, ending in a newline) go into its train block before the seed.
 */
export function sevenRowSource(name: string, trainLines = ''): string {
  return `network ${name}
  input 2
  dense h1 5 tanh
  dense h2 3 relu
  dense out 1 sigmoid
loss bce

data
  0 0 -> 0
  0 1 -> 1
  1 0 -> 1
  1 1 -> 0
  0.5 0.5 -> 1
  0.2 0.9 -> 0
  0.9 0.1 -> 1

train
  epochs 80
  batch 3
  optimizer adam lr=0.05
${trainLines}  seed 3
`;
}
