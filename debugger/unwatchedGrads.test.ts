// Steps the run loop takes event by event with nothing watching leave the zeroing of the gradients to their backward
// events (Trainer.advance `unwatched`): whatever stops them shows the gradients the events show.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { Trainer } from '../engine/runtime/trainer';
import type { WorkerToHost } from './protocol';
import { TrainingRun } from './trainingRun';

const source = fs
  .readFileSync(path.join(__dirname, '..', 'examples', 'xor.nnet'), 'utf8')
  .replace('epochs 2000', 'epochs 1000000');

test('Pauses while events are taken one by one show the gradients of the events', async () => {
  const stops: WorkerToHost[] = [];
  let run!: TrainingRun;
  const trainerOf = () => (run as unknown as { trainer: Trainer }).trainer;
  const reference = new Trainer(parseNnet(source).spec!);
  let beforeBackward = 0;
  await new Promise<void>((resolve, reject) => {
    run = new TrainingRun((m) => {
      if (m.kind === 'started') setTimeout(() => run.handle({ kind: 'pause' }), 20);
      if (m.kind === 'error' || m.kind === 'finished') reject(new Error(m.kind));
      if (m.kind !== 'stopped') return;
      stops.push(m);
      const t = trainerOf();
      try {
        // The same event by the trainer's events one by one, which zero the gradients at each step start.
        while (reference.eventIndex < t.eventIndex) reference.advance();
        assert.deepEqual(t.model.grads, reference.model.grads, `at ${m.location.phase} of step ${m.location.step}`);
      } catch (e) {
        reject(e as Error);
        return;
      }
      if (m.location.phase === 'forward' || m.location.phase === 'loss') beforeBackward++;
      if (stops.length < 24 || beforeBackward < 3) {
        run.handle({ kind: 'continue' });
        setTimeout(() => run.handle({ kind: 'pause' }), 3 + (stops.length % 5));
      } else resolve();
    }, 'never');
    run.handle({
      kind: 'start',
      fileName: 'xor.nnet',
      source,
      debug: true,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: [],
      historyBytes: 1 << 24,
    });
  });
  run.handle({ kind: 'stop' });
  reference.dispose();
  assert.ok(beforeBackward >= 3, 'some pauses stopped before a backward pass');
});
