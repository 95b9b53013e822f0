// The run loop's whole steps (Trainer.advanceStep where nothing can stop inside a step) stop where the events one by
// one stop, with the same state: breakpoints decided per step, exception filters checked after it, NaN, Pause.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { Trainer } from '../engine/runtime/trainer';
import { defaultFilterThreshold, type HostToWorker, type WorkerToHost } from './protocol';
import { StopRules } from './stopRules';
import { TrainingRun, type WholeSteps } from './trainingRun';

const example = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8');
type Start = Partial<Extract<HostToWorker, { kind: 'start' }>> & { source: string };

/** Whole steps the trainers of this process have taken (advanceStep calls), to show the runs below take them. */
let wholeStepCalls = 0;
const advanceStep = Trainer.prototype.advanceStep;
Trainer.prototype.advanceStep = function (this: Trainer) {
  wholeStepCalls++;
  return advanceStep.call(this);
};

/** Runs until the first stop, error or end, with whole steps `whole`; the messages and the run. */
function firstStop(start: Start, whole: WholeSteps): Promise<{ msgs: WorkerToHost[]; run: TrainingRun }> {
  return new Promise((resolve) => {
    const msgs: WorkerToHost[] = [];
    const run = new TrainingRun((m) => {
      msgs.push(m);
      if (m.kind === 'stopped' || m.kind === 'finished' || m.kind === 'error') resolve({ msgs, run });
    }, whole);
    run.handle({
      kind: 'start',
      fileName: 'test.nnet',
      debug: true,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: [],
      historyBytes: 1 << 24,
      ...start,
    });
  });
}

/** What the host sees of a message, without what depends on timing (steps/s, how loss and step points were batched). */
function seen(m: WorkerToHost | undefined): unknown {
  if (!m || !('progress' in m)) return m;
  const { stepsPerSecond: _s, newLossPoints: _p, stepLoss: _l, stepNorms: _n, stepCount: _c, ...progress } = m.progress;
  return { ...m, progress };
}

/** The run's first stop (or end) with whole steps and with events one by one: the same, after some whole steps. */
async function sameStop(start: Start): Promise<WorkerToHost> {
  const before = wholeStepCalls;
  const whole = await firstStop(start, 'always');
  const took = wholeStepCalls - before;
  const events = await firstStop(start, 'never');
  assert.equal(wholeStepCalls - before, took, 'events one by one take no whole step');
  const stop = whole.msgs.at(-1)!;
  assert.deepEqual(seen(stop), seen(events.msgs.at(-1)));
  const logs = (msgs: WorkerToHost[]) => msgs.filter((m) => m.kind === 'logpoint');
  assert.deepEqual(logs(whole.msgs), logs(events.msgs));
  assert.ok(took > 1, `whole steps were taken before it (${took})`);
  return stop;
}

test('a condition on the step alone stops where the events stop it', async () => {
  const stop = await sameStop({
    source: example('xor.nnet'),
    breakpoints: [{ id: 1, nodes: [1], condition: 'step == 300', phases: ['backward'] }],
  });
  assert.ok(stop.kind === 'stopped');
  assert.deepEqual([stop.reason, stop.location.step, stop.location.phase], ['breakpoint', 299, 'backward']);
});

test('conditions on step and epoch decided for stretches of steps (StopRules.quietUntil) stop where the events do', async () => {
  const quietUntil = StopRules.prototype.quietUntil;
  let asked = 0;
  StopRules.prototype.quietUntil = function (this: StopRules, step: number, epoch: number) {
    asked++;
    return quietUntil.call(this, step, epoch);
  };
  try {
    for (const [condition, step] of [
      ['step >= 2 * 100 + 1 || step < 0 && norm(x) > 0', 200],
      ['epoch == 261 && !(step < 243)', 260],
      ['step + epoch == 2 * 150', 149],
    ] as const) {
      asked = 0;
      const stop = await sameStop({ source: example('xor.nnet'), breakpoints: [{ id: 1, nodes: [1], condition }] });
      assert.ok(stop.kind === 'stopped');
      assert.deepEqual([stop.reason, stop.location.step, stop.location.phase], ['breakpoint', step, 'forward']);
      assert.ok(asked < step / 4, `${condition}: asked ${asked} times before step ${step}`);
    }
  } finally {
    StopRules.prototype.quietUntil = quietUntil;
  }
});

test('a condition that reads values within the step after steps it decides alone, and logpoints', async () => {
  const stop = await sameStop({
    source: example('xor.nnet'),
    breakpoints: [
      { id: 1, nodes: [0], condition: 'step > 250 && loss < 100' },
      { id: 2, nodes: [1], condition: 'step % 50 == 0 && epoch > 0', logMessage: 'step {step}' },
    ],
  });
  assert.ok(stop.kind === 'stopped');
  // At h1's forward event the loss is not computed yet (false); its backward event is the first to see it.
  assert.deepEqual([stop.reason, stop.location.step, stop.location.phase], ['breakpoint', 250, 'backward']);
});

test('the dead-ReLU filter stops at the forward event where the units died', async () => {
  const stop = await sameStop({
    source: example('dying-relu-training.nnet'),
    exceptionFilters: [{ id: 'deadRelu', threshold: defaultFilterThreshold('deadRelu') }],
  });
  assert.ok(stop.kind === 'stopped' && stop.exception?.filter === 'deadRelu', JSON.stringify(seen(stop)));
  assert.ok(stop.location.step > 0);
});

test('the exploding and vanishing filters stop at the clip event', async () => {
  // The global norm is ~6900 at step 1 and ~9800 at step 2.
  const exploding = await sameStop({
    source: example('exploding.nnet'),
    exceptionFilters: [{ id: 'exploding', threshold: 9000 }],
  });
  assert.ok(exploding.kind === 'stopped' && exploding.exception?.filter === 'exploding');
  assert.deepEqual([exploding.location.phase, exploding.location.step], ['clip', 1]);
  // h1's mean |∂L/∂W| shrinks step after step: a floor at its value after 4 steps is crossed a few steps later.
  const source = example('deep-sigmoid.nnet'),
    reference = new Trainer(parseNnet(source).spec!);
  for (let i = 0; i < 4; i++) reference.advanceStep();
  const vanishing = await sameStop({
    source,
    exceptionFilters: [{ id: 'vanishing', threshold: 0, floor: reference.meanAbsGrad[0] }],
  });
  assert.ok(
    vanishing.kind === 'stopped' && vanishing.exception?.filter === 'vanishing',
    JSON.stringify(seen(vanishing)),
  );
  assert.deepEqual([vanishing.location.phase, vanishing.location.layerName], ['clip', 'h_1']);
  assert.ok(vanishing.location.step >= 4);
});

test('a NaN stops (or ends the run) at the event where it appears', async () => {
  const source = example('exploding.nnet').replace('lr=0.00003', 'lr=0.0001');
  const stop = await sameStop({ source, exceptionFilters: [{ id: 'nan', threshold: 0 }] });
  assert.ok(stop.kind === 'stopped' && stop.exception?.filter === 'nan', JSON.stringify(seen(stop)));
  const failed = await sameStop({ source });
  assert.equal(failed.kind, 'error');
});

test('a Pause after whole steps stops at an update event, in the state the events leave there', async () => {
  const { msgs, run } = await new Promise<{ msgs: WorkerToHost[]; run: TrainingRun }>((resolve) => {
    const msgs: WorkerToHost[] = [];
    const run: TrainingRun = new TrainingRun((m) => {
      msgs.push(m);
      if (m.kind === 'started') setTimeout(() => run.handle({ kind: 'pause' }), 30);
      if (m.kind === 'stopped' || m.kind === 'finished') resolve({ msgs, run });
    }, 'always');
    run.handle({
      kind: 'start',
      fileName: 'xor.nnet',
      source: example('xor.nnet').replace('epochs 2000', 'epochs 1000000'),
      debug: true,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: [],
      historyBytes: 1 << 24,
    });
  });
  const paused = msgs.at(-1)!;
  assert.ok(paused.kind === 'stopped' && paused.reason === 'pause');
  assert.equal(paused.location.phase, 'update');
  // Back one event (the clip event, replayed from a checkpoint) and over it again: the update event, by events.
  const next = () =>
    new Promise<WorkerToHost>((resolve) => {
      (run as unknown as { post: (m: WorkerToHost) => void }).post = resolve;
    });
  let reached = next();
  run.handle({ kind: 'step', step: 'back' });
  const back = await reached;
  assert.ok(back.kind === 'stopped');
  assert.deepEqual([back.location.phase, back.location.step], ['clip', paused.location.step]);
  reached = next();
  run.handle({ kind: 'step', step: 'over' });
  const again = await reached;
  assert.ok(again.kind === 'stopped');
  const { reason: _a, ...replayed } = seen(again) as typeof again;
  const { reason: _b, ...original } = seen(paused) as typeof paused;
  assert.deepEqual(replayed, original);
  run.handle({ kind: 'stop' });
});
