// The worker's run loop without a thread: progress, final gradient statistics, breakpoints, stepping, errors.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { Trainer } from '../engine/runtime/trainer';
import type { HostToWorker, WorkerToHost } from './protocol';
import { drivenRun } from './testing';
import { MAX_LOSS_POINTS_PER_MESSAGE, TrainingRun } from './trainingRun';

const xorSource = fs.readFileSync(path.join(__dirname, '..', 'examples', 'xor.nnet'), 'utf8');

/** Starts a run and resolves with every message once `until` matches one. */
function drive(
  start: Pick<Extract<HostToWorker, { kind: 'start' }>, 'source' | 'debug' | 'stopOnEntry' | 'breakpoints'> &
    Partial<Extract<HostToWorker, { kind: 'start' }>>,
  until: (m: WorkerToHost) => boolean,
  run?: (r: TrainingRun) => void,
) {
  const messages: WorkerToHost[] = [];
  return new Promise<WorkerToHost[]>((resolve) => {
    const r = new TrainingRun((m) => {
      messages.push(m);
      if (until(m)) resolve(messages);
    });
    run?.(r);
    r.handle({ kind: 'start', fileName: 'xor.nnet', exceptionFilters: [], historyBytes: 1 << 20, ...start });
  });
}

test('a full run reports progress and ends with the gradient statistics of its last step', async () => {
  const msgs = await drive(
    { source: xorSource, debug: false, stopOnEntry: false, breakpoints: [] },
    (m) => m.kind === 'finished',
  );
  assert.equal(msgs[0].kind, 'started');
  const fin = msgs.at(-1);
  assert.ok(fin?.kind === 'finished');
  assert.equal(fin.progress.step, 2000);
  const reference = new Trainer(parseNnet(xorSource).spec!);
  const referenceLosses: number[] = [];
  while (reference.advance())
    if (reference.epochs.length > referenceLosses.length) referenceLosses.push(reference.epochs.last!.loss);
  assert.deepEqual(
    fin.progress.layers.map((l) => [l.name, l.meanAbsGrad, l.maxAbsGrad]),
    reference.gradStats().map((s, i) => [['h1', 'out'][i], s.meanAbsGrad, s.maxAbsGrad]),
  );
  const batches = msgs.flatMap((m) =>
    m.kind === 'progress' || m.kind === 'finished' ? [m.progress.newLossPoints.map((p) => p.epoch)] : [],
  );
  const epochs = batches.flat();
  assert.ok(
    epochs.every((e, i) => i === 0 || e > epochs[i - 1]),
    'epoch losses arrive once each, in order',
  );
  assert.equal(epochs.at(-1), 2000, 'the last epoch always arrives');
  let from = 0;
  for (const b of batches) {
    assert.ok(
      b.length <= MAX_LOSS_POINTS_PER_MESSAGE,
      `at most ${MAX_LOSS_POINTS_PER_MESSAGE} points per message, not ${b.length}`,
    );
    if (b.length === 0) continue;
    // The stretch of epochs since the previous message keeps its lowest and highest loss (every epoch when few).
    const stretch = referenceLosses.slice(from, b.at(-1));
    const kept = b.map((e) => referenceLosses[e - 1]);
    assert.ok(
      kept.includes(Math.min(...stretch)) && kept.includes(Math.max(...stretch)),
      `the lowest and highest loss of epochs ${from + 1}…${b.at(-1)} are sent`,
    );
    if (stretch.length <= MAX_LOSS_POINTS_PER_MESSAGE)
      assert.equal(b.length, stretch.length, 'a short stretch is sent whole');
    from = b.at(-1)!;
  }
  const sent = msgs.flatMap((m) => (m.kind === 'progress' || m.kind === 'finished' ? m.progress.newLossPoints : []));
  assert.ok(
    sent.every((p) => p.loss === referenceLosses[p.epoch - 1]),
    "each point holds its epoch's loss",
  );
});

test("a full run's messages carry each step's loss and norms once, in order, every step while few", async () => {
  const msgs = await drive(
    { source: xorSource, debug: false, stopOnEntry: false, breakpoints: [] },
    (m) => m.kind === 'finished',
  );
  const reference = new Trainer(parseNnet(xorSource).spec!);
  const losses: number[] = [],
    norms: number[] = [];
  while (reference.step < 2000) {
    reference.advanceStep();
    losses.push(reference.previousLoss);
    norms.push(reference.clip.normBefore);
  }
  const withProgress = msgs.flatMap((m) => (m.kind === 'progress' || m.kind === 'finished' ? [m.progress] : []));
  const loss = withProgress.flatMap((p) => p.stepLoss ?? []),
    norm = withProgress.flatMap((p) => p.stepNorms ?? []);
  for (const points of [loss, norm]) {
    const steps = points.map((p) => p.step);
    assert.ok(
      steps.every((s, i) => i === 0 || s > steps[i - 1]),
      'steps arrive once each, in order',
    );
    assert.equal(steps.at(-1), 2000, 'the last step always arrives');
    // Not one sample a message: a message takes up to 128 of each curve, the whole stretch when it is shorter.
    assert.ok(steps.length >= 60 && steps.length > 2 * withProgress.length, `${steps.length} steps sent`);
  }
  assert.ok(
    loss.every((p) => p.loss === losses[p.step - 1]),
    "each loss point holds its step's mean loss",
  );
  assert.ok(
    norm.every((p) => p.before === norms[p.step - 1] && p.after === p.before),
    "each norm point holds its step's norms (xor's clip at 1 is not reached)",
  );
  assert.equal(
    withProgress.reduce((n, p) => n + (p.stepCount?.steps ?? 0), 0),
    2000,
    'every step counted once',
  );
  // The largest norm of the run reaches the view, however the steps were thinned.
  assert.ok(norm.some((p) => p.before === Math.max(...norms)));
});

test('a breakpoint on layer 0 stops on its forward pass with x, z, a, W, b; stepping reaches the next event', async () => {
  let run!: TrainingRun;
  const first = await drive(
    { source: xorSource, debug: true, stopOnEntry: false, breakpoints: [{ id: 1, nodes: [0] }] },
    (m) => m.kind === 'stopped',
    (r) => {
      run = r;
    },
  );
  const stop = first.at(-1);
  assert.ok(stop?.kind === 'stopped');
  assert.deepEqual(
    [stop.reason, stop.location.phase, stop.location.layerName, stop.location.line],
    ['breakpoint', 'forward', 'h1', 4],
  );
  assert.deepEqual(
    stop.tensors.map((t) => t.name),
    ['x', 'z', 'a', 'W', 'b'],
  );
  assert.deepEqual(
    stop.tensors.map((t) => t.shape),
    [[4, 2], [4, 4], [4, 4], [4, 2], [4]],
  );
  const next = new Promise<WorkerToHost>((resolve) => {
    (run as unknown as { post: (m: WorkerToHost) => void }).post = resolve;
  });
  run.handle({ kind: 'step', step: 'over' });
  const stepped = await next;
  assert.ok(stepped.kind === 'stopped');
  assert.deepEqual([stepped.reason, stepped.location.phase, stepped.location.layerName], ['step', 'forward', 'out']);
});

test('a file with errors is refused with the line of the first error', async () => {
  const msgs = await drive(
    {
      source: xorSource.replace('dense out 1 sigmoid', 'dense out one sigmoid'),
      debug: false,
      stopOnEntry: false,
      breakpoints: [],
    },
    (m) => m.kind === 'error',
  );
  const err = msgs.at(-1);
  assert.ok(err?.kind === 'error');
  assert.equal(err.line, 5);
  assert.match(err.message, /^line 5: /);
});

test('log lines come at the level the host asked for, and none when it asked for none', async () => {
  const logs = (msgs: WorkerToHost[]) => msgs.flatMap((m) => (m.kind === 'log' ? [`${m.level} ${m.message}`] : []));
  const quiet = await drive(
    { source: xorSource, debug: true, stopOnEntry: true, breakpoints: [] },
    (m) => m.kind === 'stopped',
  );
  assert.deepEqual(logs(quiet), []);
  const chatty = logs(
    await drive(
      {
        source: xorSource,
        debug: true,
        stopOnEntry: true,
        breakpoints: [],
        logLevel: 'debug',
        exceptionFilters: [{ id: 'vanishing', threshold: 1e-3, floor: 1e-9 }],
      },
      (m) => m.kind === 'stopped',
    ),
  );
  assert.ok(
    chatty.some((l) => /^info worker: debugging xor\.nnet: 2 nodes, 17 parameters/.test(l)),
    chatty.join('\n'),
  );
  assert.ok(
    chatty.some((l) => /^debug worker: rewind history: \d+ checkpoints within 1 MB/.test(l)),
    chatty.join('\n'),
  );
  assert.ok(
    chatty.some((l) => l === 'debug worker: exception filters: vanishing 0.001 (floor 1e-9)'),
    chatty.join('\n'),
  );
  const warnOnly = logs(
    await drive(
      { source: xorSource, debug: false, stopOnEntry: false, breakpoints: [], logLevel: 'warn' },
      (m) => m.kind === 'finished',
    ),
  );
  assert.deepEqual(warnOnly, [], 'info lines (started, finished) are not sent to a host that wants warnings only');
});

test('the vanishing filter uses the floor it is given, not a constant', async () => {
  // A ratio of 0 never fires: only the floor can. Every layer's mean |grad| is below 1, none below 1e-30.
  const filters = (floor: number) => [{ id: 'vanishing' as const, threshold: 0, floor }];
  const high = await drive(
    { source: xorSource, debug: true, stopOnEntry: false, breakpoints: [], exceptionFilters: filters(1) },
    (m) => m.kind === 'stopped' || m.kind === 'finished',
  );
  const stop = high.at(-1);
  assert.ok(stop?.kind === 'stopped' && stop.exception, `stopped on the filter, not ${stop?.kind}`);
  assert.match(stop.exception.description, /below the absolute floor 1$/);
  const low = await drive(
    { source: xorSource, debug: true, stopOnEntry: false, breakpoints: [], exceptionFilters: filters(1e-30) },
    (m) => m.kind === 'stopped' || m.kind === 'finished',
  );
  assert.equal(low.at(-1)?.kind, 'finished');
});

test('the parse limits come from the start message: memory budget and CSV cap', async () => {
  const budget = await drive(
    {
      source: xorSource,
      debug: false,
      stopOnEntry: false,
      breakpoints: [],
      limits: { maxCsvBytes: 1 << 20, memoryBudget: 64 },
    },
    (m) => m.kind === 'error' || m.kind === 'finished',
  );
  const e = budget.at(-1);
  assert.ok(e?.kind === 'error', `refused, not ${e?.kind}`);
  assert.match(e.message, /memory budget is 64 bytes/);
  const csvFile = path.join(__dirname, '..', 'examples', 'csv-regression.nnet');
  const csv = fs.readFileSync(csvFile, 'utf8');
  const capped = await drive(
    {
      source: csv,
      fileName: csvFile,
      debug: false,
      stopOnEntry: false,
      breakpoints: [],
      limits: { maxCsvBytes: 100, memoryBudget: 1 << 30 },
    },
    (m) => m.kind === 'error' || m.kind === 'started',
  );
  const c = capped.at(-1);
  assert.ok(c?.kind === 'error', `refused, not ${c?.kind}`);
  assert.match(c.message, /more than the limit/);
});

/** A debug session's start on xor, paused on entry, with a small history. */
const XOR_PAUSED_ON_ENTRY: HostToWorker = {
  kind: 'start',
  fileName: 'xor.nnet',
  source: xorSource,
  debug: true,
  stopOnEntry: true,
  breakpoints: [],
  exceptionFilters: [],
  historyBytes: 1 << 20,
};

test('Set Value is part of the history: Step Back shows the edited run after the edit and the original before it, and forward again makes the edit again', async () => {
  /** A debug session on xor paused on entry, and a way to send a message and await the stop (or reply) it brings. */
  const session = () => {
    const { r, send } = drivenRun();
    const start = send(XOR_PAUSED_ON_ENTRY);
    return { r, send, start };
  };
  const tensorsOf = (m: WorkerToHost) => {
    assert.ok(m.kind === 'stopped');
    return m.tensors.map((x) => [x.path, x.values && Array.from(x.values)]);
  };
  const weightOf = async (send: (msg: HostToWorker) => Promise<WorkerToHost>) => {
    const r = await send({ kind: 'evaluate', id: 9, expression: 'out.W[0][0]' });
    assert.ok(r.kind === 'reply' && r.ok, JSON.stringify(r));
    return (r as { text: string }).text;
  };
  const stepTo = async (
    send: (msg: HostToWorker) => Promise<WorkerToHost>,
    kind: 'over' | 'back',
    phase: string,
    step: number,
  ) => {
    const m = await send({ kind: 'step', step: kind });
    assert.ok(m.kind === 'stopped' && m.location.phase === phase && m.location.step === step, JSON.stringify(m));
    return m;
  };
  // The original run, unedited: its first step's clip event.
  const original = session();
  await original.start;
  for (let i = 0; i < 5; i++) await original.send({ kind: 'step', step: 'over' });
  const originalClip = await stepTo(original.send, 'over', 'clip', 0);
  original.r.handle({ kind: 'stop' });

  // Edited at its first event (the output layer's weight), then on through the step to its update and the next
  // step's first event: the clip it passed shows the edited network's gradients.
  const edited = session();
  await edited.start;
  await edited.send({ kind: 'step', step: 'over' });
  const before = await weightOf(edited.send);
  const set = await edited.send({ kind: 'setValue', id: 1, path: 'out.W[0][0]', value: '3.5' });
  assert.ok(set.kind === 'reply' && set.ok, JSON.stringify(set));
  for (let i = 0; i < 4; i++) await edited.send({ kind: 'step', step: 'over' });
  const editedClip = await stepTo(edited.send, 'over', 'clip', 0);
  assert.notDeepEqual(tensorsOf(editedClip), tensorsOf(originalClip), 'the edit changes the gradients');
  await stepTo(edited.send, 'over', 'update', 0);
  const next = await stepTo(edited.send, 'over', 'forward', 1);

  // Back to the clip (a replay from the step's start, before the edit): what the edited run showed there.
  await stepTo(edited.send, 'back', 'update', 0);
  assert.deepEqual(tensorsOf(await stepTo(edited.send, 'back', 'clip', 0)), tensorsOf(editedClip));
  // Back before the edit: the weight as it was then.
  for (let i = 0; i < 5; i++) await edited.send({ kind: 'step', step: 'back' });
  assert.equal(await weightOf(edited.send), '3.5', 'at the event where it was made, the edit shows');
  const first = await edited.send({ kind: 'step', step: 'back' });
  assert.ok(first.kind === 'stopped' && first.reason === 'entry', JSON.stringify(first));
  assert.equal(await weightOf(edited.send), before, 'before the edit, the original weight');
  // Forward again, live this time, over the edit's event: the run makes it again and ends where it was.
  for (let i = 0; i < 5; i++) await edited.send({ kind: 'step', step: 'over' });
  assert.deepEqual(tensorsOf(await stepTo(edited.send, 'over', 'clip', 0)), tensorsOf(editedClip));
  await stepTo(edited.send, 'over', 'update', 0);
  assert.deepEqual(tensorsOf(await stepTo(edited.send, 'over', 'forward', 1)), tensorsOf(next));
  edited.r.handle({ kind: 'stop' });
});

test('Set Value: a run passing an edit again after a rewind makes it again, where it takes whole steps too', async () => {
  /** A debug session on xor that takes whole steps wherever nothing can stop inside them, paused on entry. */
  const session = async () => {
    const out: WorkerToHost[] = [];
    const r = new TrainingRun((m) => out.push(m), 'always');
    const next = async (kind: WorkerToHost['kind'], msg: HostToWorker) => {
      const from = out.length;
      r.handle(msg);
      for (let i = 0; i < 2000 && !out.slice(from).some((m) => m.kind === kind); i++)
        await new Promise((res) => setTimeout(res, 2));
      const m = out.slice(from).find((x) => x.kind === kind);
      assert.ok(m, `no ${kind} after ${msg.kind}`);
      return m;
    };
    await next('stopped', XOR_PAUSED_ON_ENTRY);
    /** Continues to step 40's backward pass of the output layer (a condition on the step alone, 1-based: whole steps before). */
    const toStep40 = async () => {
      r.handle({
        kind: 'setBreakpoints',
        breakpoints: [{ id: 1, nodes: [1], condition: 'step == 40', phases: ['backward'] }],
      });
      const m = await next('stopped', { kind: 'continue' });
      assert.ok(m.kind === 'stopped' && m.reason === 'breakpoint' && m.location.step === 39, JSON.stringify(m));
    };
    const weights = async () => {
      const m = await next('reply', { kind: 'evaluate', id: 7, expression: 'h1.W' });
      assert.ok(m.kind === 'reply' && m.ok, JSON.stringify(m));
      return (m as { text: string }).text;
    };
    return { r, next, toStep40, weights };
  };
  let wholeSteps = 0;
  const advanceStep = Trainer.prototype.advanceStep;
  Trainer.prototype.advanceStep = function (this: Trainer, beforeUpdate?: () => void) {
    wholeSteps++;
    return advanceStep.call(this, beforeUpdate);
  };
  try {
    // Edited after the first event, then on to step 40.
    const a = await session();
    await a.next('stopped', { kind: 'step', step: 'over' });
    const set = await a.next('reply', { kind: 'setValue', id: 1, path: 'out.W[0][0]', value: '3.5' });
    assert.ok(set.kind === 'reply' && set.ok, JSON.stringify(set));
    await a.toStep40();
    const edited = await a.weights();
    // The same, but back to the start (before the edit) first: going forward again passes the edit's event.
    const b = await session();
    await b.next('stopped', { kind: 'step', step: 'over' });
    await b.next('reply', { kind: 'setValue', id: 1, path: 'out.W[0][0]', value: '3.5' });
    const entry = await b.next('stopped', { kind: 'step', step: 'back' });
    assert.ok(entry.kind === 'stopped' && entry.reason === 'entry', JSON.stringify(entry));
    const before = wholeSteps;
    await b.toStep40();
    assert.ok(wholeSteps - before > 10, `whole steps were taken (${wholeSteps - before})`);
    assert.equal(await b.weights(), edited);
    // And the edit does show at step 40: without it the weights there differ.
    const c = await session();
    await c.toStep40();
    assert.notEqual(await c.weights(), edited);
    for (const s of [a, b, c]) s.r.handle({ kind: 'stop' });
  } finally {
    Trainer.prototype.advanceStep = advanceStep;
  }
});
