// The overhead table's numbers from rounds of fresh processes (content, not speed): each mode against the same
// round's bare engine and Train, a failed mode's reason, the rates and the steady µs per step.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Side } from './freshSides';
import type { RunTiming } from './nnet';
import { overheadOf } from './overheadCost';

const run = (seconds: number, steps = 1000, capped = false): RunTiming => ({ seconds, steps, capped });

test('each mode is judged against the same round’s bare engine and Train; a mode that failed says why', () => {
  // Per round, CPU seconds of 1000 steps (no marks: the whole run's mean is its steady rate).
  const times: Record<Exclude<Side, 'debug+filters'>, number[]> = {
    bare: [1, 2, 1],
    train: [1.1, 2, 1.05], // +10, 0, +5 % vs bare
    'train+doctor': [1.2, 2.2, 1.1], // +20, +10, +10 %
    debug: [1.21, 2.2, 1.05], // vs bare +21, +10, +5 %; vs train +10, +10, 0 %
    'debug+doctor': [1.32, 2.42, 1.1], // vs train+doctor +10, +10, 0 %
    'debug+breakpoints': [1.3, 2.4, 1.2],
  };
  const rounds = [0, 1, 2].map(
    (i) =>
      Object.fromEntries(
        Object.entries(times).map(([s, ts]) => [s, run(ts[i], 1000, s === 'debug+breakpoints' && i === 2)]),
      ) as Partial<Record<Side, RunTiming>>,
  );
  const o = overheadOf(
    4,
    { rounds, steps: 1000, failed: { 'debug+filters': 'it stops: vanishing filter' } },
    {
      median: 3,
      max: 7,
    },
  );
  const near = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) < 1e-9, `${a} vs ${b}`);
  const mode = (m: keyof typeof o.modes) => {
    const r = o.modes[m];
    assert.ok(!('reason' in r), m);
    return r;
  };
  near(mode('train').overheadPct, 5);
  near(mode('train').vsTrainPct, 0);
  near(mode('debug').overheadPct, 10);
  near(mode('debug').spreadPct[0], 5);
  near(mode('debug').spreadPct[1], 21);
  near(mode('debug').vsTrainPct, 10);
  assert.equal(mode('debug').vsTrainDoctorPct, undefined);
  near(mode('debug+doctor').vsTrainDoctorPct, 10);
  assert.equal(mode('train+doctor').vsTrainDoctorPct, undefined);
  assert.equal(mode('debug+breakpoints').capped, true);
  assert.equal(mode('debug').capped, false);
  assert.deepEqual(o.modes['debug+filters'], { reason: 'it stops: vanishing filter' });
  near(o.bareSamplesPerSec, (4 * 3000) / 4);
  near(mode('train').samplesPerSec, (4 * 3000) / 4.15);
  assert.deepEqual(o.usPerStep?.bare, [1000, 2000, 1000]);
  assert.equal(o.usPerStep?.['debug+filters'], undefined);
  assert.deepEqual([o.pairs, o.steps, o.method, o.pauseLatencyMs], [3, 1000, 'fresh processes', { median: 3, max: 7 }]);
});
