// Memory per epoch is bounded: the epoch log keeps the newest epochs exactly and the whole run as a min/max-thinned
// curve, so a run of millions of epochs holds a few thousand entries, and a one-epoch spike survives the thinning.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseNnet } from '../language/parser';
import { EpochLog, MAX_CURVE_POINTS, RECENT_EPOCHS } from './epochLog';
import { History } from './history';
import { Trainer, type EpochMetrics } from './trainer';

const metrics = (epoch: number, loss: number): EpochMetrics => ({ epoch, loss, accuracy: null, valLoss: null, valAccuracy: null });
const BOUND = RECENT_EPOCHS + MAX_CURVE_POINTS + 3;

test('two million epochs: bounded entries, the newest exact, the spike and the NaN kept, points to send bounded', () => {
  const log = new EpochLog();
  const N = 2_000_000, spike = 777_777, nan = 1_500_001;
  for (let i = 0; i < N; i++) {
    log.push(metrics(i + 1, i === spike ? 50 : i === nan ? NaN : 1 / (1 + i * 1e-3)));
    if (i % 100_003 === 0) assert.ok(log.size <= BOUND, `${log.size} entries after ${i + 1} epochs`);
  }
  assert.equal(log.length, N);
  assert.ok(log.size <= BOUND, `${log.size} entries`);
  assert.equal(log.last?.epoch, N);
  assert.equal(log.at(-1)?.epoch, N);
  assert.equal(log.at(N - RECENT_EPOCHS)?.epoch, N - RECENT_EPOCHS + 1, 'the newest epochs are exact');
  assert.equal(log.at(N - RECENT_EPOCHS - 1), undefined, 'older ones are not kept exactly');
  const curve = log.points();
  assert.ok(curve.length <= MAX_CURVE_POINTS + 3);
  assert.ok(curve.some((p) => p.index === spike && p.loss === 50), 'the one-epoch spike survives the thinning');
  assert.ok(curve.some((p) => p.index === nan && Number.isNaN(p.loss)), 'so does the NaN');
  assert.ok(curve.every((p, i) => i === 0 || p.index > curve[i - 1].index), 'in epoch order');
  const since = log.pointsSince(700_000, 256);
  assert.ok(since.length <= 256 && since.some((p) => p.index === spike) && since.at(-1)!.index === N - 1, 'a stretch to send keeps its extremes and ends at the newest');
});

test('a rewind forgets the later epochs; the newest is restored from the checkpoint even past the exact ones', () => {
  const log = new EpochLog();
  for (let i = 0; i < 5000; i++) log.push(metrics(i + 1, i));
  log.truncate(4990, undefined);
  assert.deepEqual([log.length, log.last?.epoch, log.at(-1)?.epoch], [4990, 4990, 4990]);
  log.truncate(100, metrics(100, 99));
  assert.deepEqual([log.length, log.last?.loss, log.at(-1)], [100, 99, undefined]);
  assert.ok(log.points().every((p) => p.index < 100));
  log.push(metrics(101, 7));
  assert.deepEqual([log.length, log.at(-1)?.loss], [101, 7]);
  assert.deepEqual(log.pointsSince(100, 10), [{ index: 100, loss: 7, valLoss: null }]);
});

/** Heap in use after a full collection. */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

test('a tiny network trained for 150,000 epochs (one step each) under the debugger holds its memory flat', () => {
  const spec = parseNnet(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'xor.nnet'), 'utf8')).spec!;
  const t = new Trainer({ ...spec, train: { ...spec.train, epochs: 150_000 } });
  const h = new History(t, 1 << 20);
  const trainTo = (epochs: number) => { while (t.epoch < epochs) { if (t.atStepStart) h.record(); t.advance(); } };
  trainTo(30_000);
  const early = heapAfterGc();
  trainTo(150_000);
  const late = heapAfterGc();
  assert.equal(t.epochs.length, 150_000);
  assert.ok(t.epochs.size <= BOUND, `${t.epochs.size} entries`);
  // Unbounded (a number and a metrics object per epoch), 120,000 more epochs took 13.6 MB here.
  assert.ok(late - early < 4e6, `the heap grew by ${((late - early) / 1e6).toFixed(1)} MB over 120,000 epochs`);
});
