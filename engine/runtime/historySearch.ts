// How History.searchBack passes over history without replaying it event by event: a stretch between two checkpoints
// whose steps a condition reading only `step` and `epoch` rules out (allQuiet), steps decided from the step record's
// losses and what their checkpoint holds (lastHitRecorded), and steps taken whole, decided at their clip (searchWhole).

import type { ReplayProgress } from './historyReplay';
import type { RecordedStep, StepRecord } from './stepRecord';
import type { Trainer, TrainerEvent, TrainerState } from './trainer';

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

/**
 * Decides a step taken whole (Trainer.advanceStep) in the state its clip event leaves (its `beforeUpdate`): the index
 * of its last event before `end` where the search's breakpoints stop, null when they stop at none, undefined when
 * that state cannot tell (the stretch is then replayed event by event). `start` is the step's first event.
 */
export type WholeSearch = (start: number, end: number) => number | null | undefined;

/**
 * Searches the steps from where the trainer is (a step start, with no edit to make again before `end`) that end at
 * or before `end`, each taken whole and decided at its clip by `decide`: the index of the last hit, or null when
 * none (the trainer is then at the start of the first step not taken, whose events before `end` are left to the
 * caller), or undefined when `decide` could not tell for a step (the trainer is then anywhere). After each step,
 * `report` gets its update event and the events it had; a progress it returns is yielded there.
 */
export function* searchWhole(
  t: Trainer,
  end: number,
  decide: WholeSearch,
  report: (ev: TrainerEvent, events: number) => ReplayProgress | null,
): Generator<ReplayProgress, number | null | undefined> {
  const n = t.eventsPerStep,
    rec = t.stepRecorder;
  let start = 0,
    r: number | null | undefined,
    found: number | null = null;
  const atClip = () => {
    r = decide(start, end);
  };
  // A generated step also writes the doctor's row of the step to come and its bounds (Trainer.recordInto): a past
  // step taken again must leave them as the run left them. Kept here, not copied anew per step.
  const row = rec ? new Float64Array(rec.stride) : null,
    bounds = rec ? new Float64Array(rec.bounds.length) : null;
  while (t.eventIndex + n <= end) {
    start = t.eventIndex;
    const step = t.step,
      epoch = t.epoch;
    r = undefined;
    const o = rec && rec.length * rec.stride < rec.rows.length ? rec.length * rec.stride : -1;
    if (o >= 0) for (let k = 0; k < row!.length; k++) row![k] = rec!.rows[o + k];
    if (bounds) bounds.set(rec!.bounds);
    const went = t.advanceStep(atClip);
    if (o >= 0) rec!.rows.set(row!, o);
    if (bounds) rec!.bounds.set(bounds);
    if (!went || r === undefined) return undefined;
    if (r !== null) found = r;
    const p = report({ phase: 'update', layer: -1, step, epoch, micro: 0 }, n);
    if (p) yield p;
  }
  return found;
}
