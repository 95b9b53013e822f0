// The training doctor on whole steps: every example trained with the doctor by the run loop taking whole steps
// (observed whole, Doctor.observeClipped) and taking every step event by event ends with the same tallies, and a debug
// session with the doctor's filters on stops at the same events, with the same messages, stop after stop.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../engine/doctor/thresholds';
import { Trainer } from '../engine/runtime/trainer';
import { OVERFLOW_FIXTURES, REPO_ROOT } from '../test/fixtures';
import {
  defaultFilterThreshold,
  EXCEPTION_FILTERS,
  type ExceptionFilter,
  type ExceptionFilterId,
  type HostToWorker,
  type WorkerToHost,
} from './protocol';
import { DoctorStops } from './doctorStops';
import { TrainingRun, type WholeSteps } from './trainingRun';

const DIR = path.join(__dirname, '..', 'examples');
const EXAMPLES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.nnet'))
  .sort();
/** Networks that overflow (a NaN ends the run) at the forward pass, on the way back, in the update; also with ReLU. */
const OVERFLOWS = OVERFLOW_FIXTURES.flatMap((f) => {
  const file = path.join(REPO_ROOT, f),
    text = fs.readFileSync(file, 'utf8');
  return [text, text.replace('dense h1 4 identity', 'dense h1 8 relu')].map((source) => ({ file, source }));
});

/** Steps the trainers of this process took whole (Trainer.advanceStep), each observed whole by the doctor. */
let observedWhole = 0;
const advanceStep = Trainer.prototype.advanceStep;
Trainer.prototype.advanceStep = function (this: Trainer, beforeUpdate?: () => void) {
  observedWhole++;
  return advanceStep.call(this, beforeUpdate);
};

/** Steps a debug session took whole and then again event by event, for a stop of the doctor's inside it, or another. */
let againForDoctor = 0,
  againForOthers = 0;
const doctorStep = DoctorStops.prototype.advanceStep;
DoctorStops.prototype.advanceStep = function (this: DoctorStops, rules) {
  const done = doctorStep.call(this, rules);
  if (this.takeAgain && (this as unknown as { waiting: unknown }).waiting !== null) againForDoctor++;
  else if (this.takeAgain) againForOthers++;
  return done;
};

/** Every tally a finding (as examplesPinned.test.ts): a difference in any count shows. */
const EVERY_TALLY = { ...DEFAULT_THRESHOLDS, persistence: 0 };
/** And every window of the dead-ReLU and saturation counts reported: a forward pass observed or not shows. */
const EVERY_CHECK = { ...EVERY_TALLY, deadReluShare: -1, saturatedShare: -1 };

/** What the host sees of a message, without what depends on timing (steps/s, how loss and step points were batched). */
function seen(m: WorkerToHost): unknown {
  if (!('progress' in m)) return m;
  const { stepsPerSecond: _s, newLossPoints: _p, stepLoss: _l, stepNorms: _n, stepCount: _c, ...progress } = m.progress;
  return { ...m, progress };
}

/**
 * Runs an example with the doctor until it ends; in a debug session with `filters`, continuing after each of the
 * first `stops` stops, then stopping the run. Every message but progress, and the whole steps observed.
 */
function run(
  example: string | { readonly file: string; readonly source: string },
  whole: WholeSteps,
  filters: readonly ExceptionFilter[] | null,
  stops = 4,
): Promise<{ msgs: unknown[]; observed: number }> {
  const { file, source } =
    typeof example === 'string'
      ? { file: path.join(DIR, example), source: fs.readFileSync(path.join(DIR, example), 'utf8') }
      : example;
  const before = observedWhole;
  return new Promise((resolve) => {
    const msgs: unknown[] = [];
    let left = stops;
    const r = new TrainingRun((m) => {
      if (m.kind === 'progress' || m.kind === 'log') return;
      msgs.push(seen(m));
      if (m.kind === 'stopped') r.handle(--left > 0 ? { kind: 'continue' } : { kind: 'stop' });
      if (m.kind === 'finished' || m.kind === 'error') resolve({ msgs, observed: observedWhole - before });
    }, whole);
    const start: HostToWorker = {
      kind: 'start',
      source,
      fileName: file,
      dataRoot: DIR,
      debug: filters !== null,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: filters ?? [],
      historyBytes: filters !== null ? 32 << 20 : 0,
      doctor: true,
      thresholds: filters !== null ? EVERY_TALLY : EVERY_CHECK,
    };
    r.handle(start);
  });
}

const filtersBy = (by: 'doctor' | 'any'): ExceptionFilter[] =>
  (Object.keys(EXCEPTION_FILTERS) as ExceptionFilterId[])
    .filter((id) => by === 'any' || EXCEPTION_FILTERS[id].by === 'doctor')
    .map((id) => ({ id, threshold: defaultFilterThreshold(id) }));

test('Train with the doctor: every example ends with the same tallies in whole steps as event by event', async () => {
  let observed = 0,
    found = 0,
    failed = 0;
  for (const example of [...EXAMPLES, ...OVERFLOWS]) {
    const whole = await run(example, 'always', null);
    const events = await run(example, 'never', null);
    const name = typeof example === 'string' ? example : example.source.split('\n')[2];
    assert.equal(events.observed, 0, `${name}: events one by one observe no whole step`);
    assert.deepEqual(whole.msgs, events.msgs, name);
    observed += whole.observed;
    const end = whole.msgs.at(-1) as Extract<WorkerToHost, { kind: 'finished' | 'error' }>;
    found += end.findings?.length ?? 0;
    if (end.kind === 'error') failed++;
  }
  // Most examples are stacks of dense layers, trained by generated whole steps the doctor observes whole.
  assert.ok(observed > 10000, `${observed} steps observed whole`);
  assert.ok(found > 20, `${found} tallies compared`);
  assert.ok(failed >= 4, `${failed} runs ended by a NaN`);
});

for (const by of ['doctor', 'any'] as const)
  test(`a debug session with ${by === 'doctor' ? "the doctor's" : 'every'} exception filter on stops at the same events in whole steps`, async () => {
    const filters = filtersBy(by);
    let stops = 0,
      observed = 0;
    const [doctor0, others0] = [againForDoctor, againForOthers];
    // Ended at the first stop, and at the fourth: the findings then say what was observed up to the stop.
    for (const file of EXAMPLES)
      for (const n of [1, 4]) {
        const whole = await run(file, 'always', filters, n);
        const events = await run(file, 'never', filters, n);
        assert.deepEqual(whole.msgs, events.msgs, `${file}, ${n} stops`);
        stops += whole.msgs.filter((m) => (m as WorkerToHost).kind === 'stopped').length;
        observed += whole.observed;
      }
    assert.ok(stops > 40, `${stops} stops compared`);
    assert.ok(observed > 1000, `${observed} steps observed whole`);
    // Stops found by observing a step whole, and (with the other filters) steps the other filters may stop inside.
    assert.ok(againForDoctor - doctor0 > 10, `${againForDoctor - doctor0} steps taken again for the doctor's stops`);
    if (by === 'any') assert.ok(againForOthers - others0 > 10, `${againForOthers - others0} for the others'`);
  });
