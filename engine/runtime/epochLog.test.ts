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

const metrics = (epoch: number, loss: number): EpochMetrics => ({
  epoch,
  loss,
  accuracy: null,
  valLoss: null,
  valAccuracy: null,
});
const BOUND = RECENT_EPOCHS + MAX_CURVE_POINTS + 3;

test('two million epochs: bounded entries, the newest exact, the spike and the NaN kept, points to send bounded', () => {
  const log = new EpochLog();
  const N = 2_000_000,
    spike = 777_777,
    nan = 1_500_001;
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
  assert.ok(
    curve.some((p) => p.index === spike && p.loss === 50),
    'the one-epoch spike survives the thinning',
  );
  assert.ok(
    curve.some((p) => p.index === nan && Number.isNaN(p.loss)),
    'so does the NaN',
  );
  assert.ok(
    curve.every((p, i) => i === 0 || p.index > curve[i - 1].index),
    'in epoch order',
  );
  const since = log.pointsSince(700_000, 256);
  assert.ok(
    since.length <= 256 && since.some((p) => p.index === spike) && since.at(-1)!.index === N - 1,
    'a stretch to send keeps its extremes and ends at the newest',
  );
});

test('rewinds move back and forth without losing epochs; a changed future forgets what lay ahead', () => {
  const log = new EpochLog();
  for (let i = 0; i < 5000; i++) log.push(metrics(i + 1, i));
  log.seek(4990, undefined);
  assert.deepEqual([log.length, log.last?.epoch, log.at(-1)?.epoch, log.at(4995)], [4990, 4990, 4990, undefined]);
  log.seek(100, metrics(100, 99)); // far back: the checkpoint brings the newest epoch's metrics
  assert.deepEqual([log.length, log.last?.loss, log.at(-1)], [100, 99, undefined]);
  assert.ok(log.points().every((p) => p.index < 100));
  for (let i = 100; i < 120; i++) log.push(metrics(i + 1, i)); // replayed: the same epochs again
  assert.deepEqual([log.length, log.at(-1)?.loss, log.at(3000)], [120, 119, undefined]);
  log.seek(4000, metrics(4000, 3999)); // forward again (a later checkpoint)
  assert.equal(log.at(3990)?.loss, 3990, 'the epochs ahead were kept: a replay finds the same ones');
  assert.ok(
    log.points().some((p) => p.index > 3000),
    'and so was their curve',
  );
  log.seek(50, metrics(50, 49));
  log.forgetAhead(); // Set Value: the future differs
  log.push(metrics(51, -1));
  for (let i = 51; i < 60; i++) log.push(metrics(i + 1, -i));
  assert.ok(
    log
      .points()
      .filter((p) => p.index > 50)
      .every((p) => p.loss === -p.index),
    'the new future replaced the forgotten one',
  );
  log.seek(51, log.at(50));
  // Epoch 51 (index 50) is exact; 45–49 left the ring long ago and come from the thinned curve.
  const since = log.pointsSince(45, 100);
  assert.deepEqual(since.at(-1), { index: 50, loss: -1, valLoss: null });
  assert.ok(
    since.length >= 2 && since.slice(0, -1).every((p) => p.index >= 45 && p.index < 50 && p.loss === p.index),
    JSON.stringify(since),
  );
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
  const trainTo = (epochs: number) => {
    while (t.epoch < epochs) {
      if (t.atStepStart) h.record();
      t.advance();
    }
  };
  trainTo(30_000);
  const early = heapAfterGc();
  trainTo(150_000);
  const late = heapAfterGc();
  assert.equal(t.epochs.length, 150_000);
  assert.ok(t.epochs.size <= BOUND, `${t.epochs.size} entries`);
  // Unbounded (a number and a metrics object per epoch), 120,000 more epochs took 13.6 MB here.
  assert.ok(late - early < 4e6, `the heap grew by ${((late - early) / 1e6).toFixed(1)} MB over 120,000 epochs`);
});

test('the thinned curve keeps the points that re-thinning its bucket at every epoch kept (ties, NaN, ±∞)', () => {
  // The curve as EpochLog built it by allocating `extremes([...pending, p])` at every epoch: the reference.
  type P = { index: number; loss: number; valLoss: null };
  const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);
  const extremes = (ps: P[]): P[] => {
    if (ps.length <= 2) return ps.slice();
    let lo = 0,
      hi = 0;
    for (let i = 1; i < ps.length; i++) {
      if (rank(ps[i].loss) < rank(ps[lo].loss)) lo = i;
      if (rank(ps[i].loss) > rank(ps[hi].loss)) hi = i;
    }
    if (lo === hi) return [ps[0], ps[ps.length - 1]];
    return lo < hi ? [ps[lo], ps[hi]] : [ps[hi], ps[lo]];
  };
  let curve: P[] = [],
    pending: P[] = [],
    stride = 1,
    count = 0;
  const log = new EpochLog();
  // Few distinct values, so buckets often tie, some all the way.
  const values = [0.5, 0.25, 0.5, 1, NaN, Infinity, -Infinity, 0.25];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const N = 40_000;
  for (let index = 0; index < N; index++) {
    const loss = next() < 0.3 ? 0.5 : values[Math.floor(next() * values.length)];
    log.push(metrics(index + 1, loss));
    const p: P = { index, loss, valLoss: null };
    if (stride === 1) curve.push(p);
    else {
      pending = extremes([...pending, p]);
      if (++count === stride) {
        curve.push(...pending);
        pending = [];
        count = 0;
      }
    }
    if ((stride === 1 || count === 0) && curve.length > MAX_CURVE_POINTS && curve.length % 4 === 0) {
      const out: P[] = [];
      for (let i = 0; i + 4 <= curve.length; i += 4) out.push(...extremes(curve.slice(i, i + 4)));
      curve = out;
      stride = stride === 1 ? 4 : stride * 2;
    }
    if (index % 997 === 0 || index === N - 1) {
      const got = log.points().map((q) => `${q.index}:${q.loss}`);
      assert.deepEqual(
        got,
        [...curve, ...pending].map((q) => `${q.index}:${q.loss}`),
        `after epoch ${index}`,
      );
    }
  }
  assert.ok(stride >= 16, `the curve was thinned (stride ${stride})`);
});
