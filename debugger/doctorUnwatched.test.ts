// A debug session with the training doctor takes its steps event by event unwatched too (Trainer.advance leaves the
// zeroing of the gradients to the backward events): every stop shows the gradients the events show, and the doctor
// ends with the findings of a doctor fed by a trainer that zeroes them at every step start.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNnet } from '../engine/language/parser';
import { DEFAULT_THRESHOLDS } from '../engine/doctor/thresholds';
import { Trainer } from '../engine/runtime/trainer';
import { DoctorStops } from './doctorStops';
import {
  defaultFilterThreshold,
  EXCEPTION_FILTERS,
  type ExceptionFilter,
  type ExceptionFilterId,
  type WorkerToHost,
} from './protocol';
import { TrainingRun } from './trainingRun';

const DIR = path.join(__dirname, '..', 'examples');
/** Dense stacks (the unwatched path), with and without micro-batches, clipping, a doctor's stop and findings. */
const EXAMPLES = ['xor.nnet', 'dying-relu.nnet', 'accumulate.nnet', 'exploding-clipped.nnet', 'zero-init.nnet'];
/** Every tally a finding (as examplesPinned.test.ts): a difference in any count shows. */
const THRESHOLDS = { ...DEFAULT_THRESHOLDS, persistence: 0 };
const FILTERS: ExceptionFilter[] = (Object.keys(EXCEPTION_FILTERS) as ExceptionFilterId[])
  .filter((id) => EXCEPTION_FILTERS[id].by === 'doctor')
  .map((id) => ({ id, threshold: defaultFilterThreshold(id) }));

/** Step starts the run loop passed unwatched (Trainer.advance's second argument) in this process. */
let unwatchedStarts = 0;
const advance = Trainer.prototype.advance;
Trainer.prototype.advance = function (this: Trainer, reuse, unwatched) {
  if (unwatched === true && this.atStepStart) unwatchedStarts++;
  return advance.call(this, reuse, unwatched);
};

for (const example of EXAMPLES)
  test(`${example}: a debug session with the doctor, event by event, stops and ends as a watched trainer's doctor`, async () => {
    const source = fs.readFileSync(path.join(DIR, example), 'utf8');
    const reference = new Trainer(parseNnet(source).spec!);
    const refDoctor = new DoctorStops(reference, source, THRESHOLDS);
    refDoctor.setFilters(FILTERS);
    /** The reference, event by event as Trainer.advance zeroes the gradients at each step start, to event `index`. */
    const catchUp = (index: number) => {
      while (reference.eventIndex < index) {
        const ev = reference.advance();
        if (!ev) throw new Error('the reference ended first');
        refDoctor.observe(ev);
      }
    };
    let run!: TrainingRun;
    const trainerOf = () => (run as unknown as { trainer: Trainer }).trainer;
    const before = unwatchedStarts;
    let stops = 0,
      beforeBackward = 0;
    const end = await new Promise<Extract<WorkerToHost, { kind: 'finished' | 'error' }>>((resolve, reject) => {
      run = new TrainingRun((m) => {
        if (m.kind === 'finished' || m.kind === 'error') {
          try {
            catchUp(trainerOf().eventIndex);
          } catch (e) {
            reject(e as Error);
          }
          return resolve(m);
        }
        if (m.kind !== 'stopped') return;
        stops++;
        try {
          const t = trainerOf();
          catchUp(t.eventIndex);
          assert.deepEqual(
            t.model.grads,
            reference.model.grads,
            `stop ${stops}, ${m.location.phase} of step ${m.location.step}`,
          );
        } catch (e) {
          reject(e as Error);
          return;
        }
        if (m.location.phase === 'forward' || m.location.phase === 'loss') beforeBackward++;
        run.handle(stops < 40 ? { kind: 'continue' } : { kind: 'stop' });
      }, 'never');
      run.handle({
        kind: 'start',
        fileName: path.join(DIR, example),
        dataRoot: DIR,
        source,
        debug: true,
        stopOnEntry: false,
        // Stops inside a few steps: at forward events (the gradients there are still to be zeroed) and backward ones.
        breakpoints: [{ id: 1, nodes: Array.from({ length: 16 }, (_, i) => i), hitCondition: '% 23' }],
        exceptionFilters: FILTERS,
        historyBytes: 1 << 24,
        doctor: true,
        thresholds: THRESHOLDS,
      });
    });
    assert.ok(unwatchedStarts - before > 5, `${unwatchedStarts - before} step starts passed unwatched`);
    assert.ok(stops > 5 && beforeBackward > 0, `${stops} stops, ${beforeBackward} before a backward pass`);
    assert.ok(end.findings, 'the run ends with the findings');
    if (end.kind === 'finished') assert.deepEqual(end.findings, refDoctor.findings());
    reference.dispose();
  });
