// The worker's Train run with the training doctor: its findings come with `finished`, also when the run is stopped,
// and only when the start asked for them.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { HostToWorker, WorkerToHost } from './protocol';
import { TrainingRun } from './trainingRun';

const example = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8');

/** Runs `source` as Train does until `finished`; `stopAfter` progress messages, then Stop. */
function train(source: string, doctor: boolean, stopAfter = Infinity) {
  return new Promise<Extract<WorkerToHost, { kind: 'finished' }>>((resolve, reject) => {
    let progress = 0;
    const r = new TrainingRun((m) => {
      if (m.kind === 'progress' && ++progress >= stopAfter) r.handle({ kind: 'stop' });
      if (m.kind === 'finished') resolve(m);
      if (m.kind === 'error') reject(new Error(m.message));
    });
    const start: HostToWorker = {
      kind: 'start',
      source,
      fileName: 'net.nnet',
      debug: false,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: [],
      historyBytes: 0,
      doctor,
    };
    r.handle(start);
  });
}

test('Train with the doctor: zero-init.nnet finishes with symmetric-units on the h1 line', async () => {
  const fin = await train(example('zero-init.nnet'), true);
  assert.equal(fin.stopped, false);
  const f = fin.findings?.find((x) => x.rule === 'symmetric-units');
  assert.ok(f, JSON.stringify(fin.findings));
  assert.equal(f.line, 6, '0-based line of `dense h1 4 tanh init=zeros`');
  assert.equal(f.layer, 'h1');
});

test('Train with the doctor: a healthy run finishes with no finding; without the doctor there is no list', async () => {
  assert.deepEqual((await train(example('xor.nnet'), true)).findings, []);
  assert.equal((await train(example('zero-init.nnet'), false)).findings, undefined);
});

test('a stopped run reports what the doctor saw until then', async () => {
  const fin = await train(example('dying-relu.nnet').replace('epochs 100', 'epochs 100000'), true, 2);
  assert.equal(fin.stopped, true);
  assert.ok(
    fin.findings?.some((x) => x.rule === 'dead-relu'),
    JSON.stringify(fin.findings?.map((x) => x.rule)),
  );
});
