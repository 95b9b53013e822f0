// The worker's run loop without a thread: progress, final gradient statistics, breakpoints, stepping, errors.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { Trainer } from '../engine/runtime/trainer';
import type { HostToWorker, WorkerToHost } from './protocol';
import { MAX_LOSS_POINTS_PER_MESSAGE, TrainingRun } from './trainingRun';

const xorSource = fs.readFileSync(path.join(__dirname, '..', 'examples', 'xor.nnet'), 'utf8');

/** Starts a run and resolves with every message once `until` matches one. */
function drive(start: Pick<Extract<HostToWorker, { kind: 'start' }>, 'source' | 'debug' | 'stopOnEntry' | 'breakpoints'>, until: (m: WorkerToHost) => boolean, run?: (r: TrainingRun) => void) {
  const messages: WorkerToHost[] = [];
  return new Promise<WorkerToHost[]>((resolve) => {
    const r = new TrainingRun((m) => { messages.push(m); if (until(m)) resolve(messages); });
    run?.(r);
    r.handle({ kind: 'start', fileName: 'xor.nnet', exceptionFilters: [], historyBytes: 1 << 20, ...start });
  });
}

test('a full run reports progress and ends with the gradient statistics of its last step', async () => {
  const msgs = await drive({ source: xorSource, debug: false, stopOnEntry: false, breakpoints: [] }, (m) => m.kind === 'finished');
  assert.equal(msgs[0].kind, 'started');
  const fin = msgs.at(-1);
  assert.ok(fin?.kind === 'finished');
  assert.equal(fin.progress.step, 2000);
  const reference = new Trainer(parseNnet(xorSource).spec!);
  const referenceLosses: number[] = [];
  while (reference.advance()) if (reference.epochs.length > referenceLosses.length) referenceLosses.push(reference.epochs.last!.loss);
  assert.deepEqual(fin.progress.layers.map((l) => [l.name, l.meanAbsGrad, l.maxAbsGrad]),
    reference.gradStats().map((s, i) => [['h1', 'out'][i], s.meanAbsGrad, s.maxAbsGrad]));
  const batches = msgs.flatMap((m) => (m.kind === 'progress' || m.kind === 'finished' ? [m.progress.newLossPoints.map((p) => p.epoch)] : []));
  const epochs = batches.flat();
  assert.ok(epochs.every((e, i) => i === 0 || e > epochs[i - 1]), 'epoch losses arrive once each, in order');
  assert.equal(epochs.at(-1), 2000, 'the last epoch always arrives');
  let from = 0;
  for (const b of batches) {
    assert.ok(b.length <= MAX_LOSS_POINTS_PER_MESSAGE, `at most ${MAX_LOSS_POINTS_PER_MESSAGE} points per message, not ${b.length}`);
    if (b.length === 0) continue;
    // The stretch of epochs since the previous message keeps its lowest and highest loss (every epoch when few).
    const stretch = referenceLosses.slice(from, b.at(-1));
    const kept = b.map((e) => referenceLosses[e - 1]);
    assert.ok(kept.includes(Math.min(...stretch)) && kept.includes(Math.max(...stretch)), `the lowest and highest loss of epochs ${from + 1}…${b.at(-1)} are sent`);
    if (stretch.length <= MAX_LOSS_POINTS_PER_MESSAGE) assert.equal(b.length, stretch.length, 'a short stretch is sent whole');
    from = b.at(-1)!;
  }
  const sent = msgs.flatMap((m) => (m.kind === 'progress' || m.kind === 'finished' ? m.progress.newLossPoints : []));
  assert.ok(sent.every((p) => p.loss === referenceLosses[p.epoch - 1]), 'each point holds its epoch\'s loss');
});

test('a breakpoint on layer 0 stops on its forward pass with x, z, a, W, b; stepping reaches the next event', async () => {
  let run!: TrainingRun;
  const first = await drive({ source: xorSource, debug: true, stopOnEntry: false, breakpoints: [{ id: 1, nodes: [0] }] }, (m) => m.kind === 'stopped', (r) => { run = r; });
  const stop = first.at(-1);
  assert.ok(stop?.kind === 'stopped');
  assert.deepEqual([stop.reason, stop.location.phase, stop.location.layerName, stop.location.line], ['breakpoint', 'forward', 'h1', 4]);
  assert.deepEqual(stop.tensors.map((t) => t.name), ['x', 'z', 'a', 'W', 'b']);
  assert.deepEqual(stop.tensors.map((t) => t.shape), [[4, 2], [4, 4], [4, 4], [4, 2], [4]]);
  const next = new Promise<WorkerToHost>((resolve) => {
    (run as unknown as { post: (m: WorkerToHost) => void }).post = resolve;
  });
  run.handle({ kind: 'step', step: 'over' });
  const stepped = await next;
  assert.ok(stepped.kind === 'stopped');
  assert.deepEqual([stepped.reason, stepped.location.phase, stepped.location.layerName], ['step', 'forward', 'out']);
});

test('a file with errors is refused with the line of the first error', async () => {
  const msgs = await drive({ source: xorSource.replace('dense out 1 sigmoid', 'dense out one sigmoid'), debug: false, stopOnEntry: false, breakpoints: [] }, (m) => m.kind === 'error');
  const err = msgs.at(-1);
  assert.ok(err?.kind === 'error');
  assert.equal(err.line, 5);
  assert.match(err.message, /^line 5: /);
});
