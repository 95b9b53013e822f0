// How History.searchBack passes over history without replaying it: a stretch between two checkpoints whose steps
// a condition reading only `step` and `epoch` rules out (allQuiet), and steps decided from the step record's
// losses and what their checkpoint holds (lastHitRecorded).

import type { RecordedStep, StepRecord } from './stepRecord';
import type { Trainer, TrainerState } from './trainer';

/**
 * Decides a recorded step for History.searchBack: the index of its last event before `end` where the search's
 * breakpoints stop, null when they stop at none, undefined when the record cannot tell (the step is then replayed).
 */
export type RecordedSearch = (step: Readonly<RecordedStep>, end: number) => number | null | undefined;

/**
 * Decides the steps of the stretch from checkpoint `cp` to event `end` from the step record, latest first: the
 * index of the last event before `end` where `decide` finds a hit, or, when none, the event from which on the
 * stretch is clear (`cp`'s when it is clear throughout; else the end of the latest step that must be replayed: one
 * at or after an edit in the stretch, or one `decide` cannot answer).
 */
export function lastHitRecorded(
  t: Trainer,
  cp: TrainerState,
  end: number,
  decide: RecordedSearch,
  edits: readonly { readonly at: number }[],
  steps: StepRecord,
  rec: RecordedStep,
): number | { replayTo: number } {
  const n = t.eventsPerStep,
    perEpoch = t.microBatchesPerEpoch,
    batch = t.spec.train.batch,
    rows = t.trainRows.length;
  // Steps of one micro-batch only (all of `n` events, one per micro-batch of the epoch), from a step start.
  if (t.spec.train.accumulate !== 1 || cp.pos !== 0) return { replayTo: end };
  // What the checkpoint holds is what the steps after it have too, up to the first edit made again on the way.
  let firstEdit = Infinity;
  for (const e of edits) if (e.at >= cp.eventIndex && e.at < firstEdit) firstEdit = e.at;
  rec.baseLr = cp.baseLr;
  for (let s = cp.step + Math.ceil((end - cp.eventIndex) / n) - 1; s >= cp.step; s--) {
    const start = cp.eventIndex + (s - cp.step) * n,
      stepEnd = Math.min(end, start + n),
      into = cp.microInEpoch + (s - cp.step),
      micro = into % perEpoch;
    if (firstEdit < start + n) return { replayTo: stepEnd };
    rec.step = s;
    rec.start = start;
    rec.epoch = cp.epoch + Math.floor(into / perEpoch);
    rec.batchSize = Math.min(batch, rows - micro * batch);
    rec.loss = steps.loss(s);
    rec.previousLoss = s === cp.step ? cp.previousLoss : steps.loss(s - 1);
    const r = decide(rec, stepEnd);
    if (r === undefined) return { replayTo: stepEnd };
    if (r !== null) return r;
  }
  return { replayTo: cp.eventIndex };
}

/**
 * True if `quiet` holds for every step from checkpoint `cp`'s through `last`. A checkpoint is at a step start, after
 * whole steps of its epoch only (a step ends at its epoch's end), so each step's epoch follows from the checkpoint's.
 */
export function allQuiet(
  t: Trainer,
  cp: TrainerState,
  last: number,
  quiet: (step: number, epoch: number) => boolean,
): boolean {
  const perEpoch = t.stepsPerEpoch,
    accumulate = t.spec.train.accumulate;
  if (cp.microInEpoch % accumulate !== 0) return false; // not where a step starts: replay rather than guess
  const into = cp.microInEpoch / accumulate;
  for (let s = cp.step; s <= last; s++)
    if (!quiet(s, cp.epoch + Math.floor((into + s - cp.step) / perEpoch))) return false;
  return true;
}

/**
 * The latest step an event before `end` replayed from checkpoint `cp` can be of: a step has at least the events of
 * one micro-batch (its forward and backward passes and the loss) and the clip and update.
 */
export function lastStepBy(t: Trainer, cp: TrainerState, end: number): number {
  const fewest = (t.eventsPerStep - 2) / t.spec.train.accumulate + 2;
  return cp.step + Math.ceil((end - cp.eventIndex) / fewest) - 1;
}
