// Going back in time: Step Back and Reverse Continue as replays from the history's checkpoints, each with where
// it lands for every way the replay can end (done, paused on the way, failed). The run performs the replay in time
// slices (ReplayJob) and makes the stop a landing asks for.

import { RewindError, type History, type ReplayProgress } from '../engine/runtime/history';
import type { RecordedSearch, WholeSearch } from '../engine/runtime/historySearch';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import type { StopReason } from './protocol';
import type { ReplayOutcome } from './replayJob';
import type { SubStepDef } from './substeps';

/** A position among an event's Step Into sub-steps. */
export interface SubStepPosition {
  defs: SubStepDef[];
  index: number;
}

/** The stop a rewind ends in; `sub`, when present, replaces the run's sub-step position before stopping. */
export interface Landing {
  readonly reason: StopReason;
  readonly ev: TrainerEvent | null;
  readonly notice?: string;
  readonly sub?: SubStepPosition | null;
}

/** A rewind to run: its replay, and where it lands when the replay ends (or the error that ends the run). */
export interface RewindPlan<R> {
  readonly title: string;
  readonly replay: Generator<ReplayProgress, R>;
  land(outcome: ReplayOutcome<R>): Landing | { readonly error: unknown };
}

/**
 * Step Back over one whole event from `from`. Inside Step Into (`inside`) it lands on the previous event's last
 * sub-step (Step Into run backwards); otherwise on the whole event. Either way the stop shows only what belongs to
 * where it lands.
 */
export function stepBackPlan(
  t: Trainer,
  h: History,
  from: TrainerEvent,
  inside: boolean,
  subSteps: (ev: TrainerEvent) => SubStepDef[],
): RewindPlan<TrainerEvent | null> {
  return {
    title: 'Step Back',
    replay: h.replayTo(t.eventIndex - 2),
    land(outcome) {
      if (outcome.kind === 'cancelled') {
        // Paused on the way: the trainer is just after an earlier event, a consistent place to stop.
        const ev = outcome.at.event;
        return {
          reason: 'pause',
          ev,
          notice: `Step Back paused at step ${ev.step + 1}, before reaching the event it was going back to`,
        };
      }
      if (outcome.kind === 'failed') {
        if (!(outcome.error instanceof RewindError)) return { error: outcome.error };
        return { reason: 'step', ev: from, notice: outcome.error.message };
      }
      const ev = outcome.result;
      const defs = inside && ev ? subSteps(ev) : [];
      return { reason: ev ? 'step' : 'entry', ev, sub: defs.length ? { defs, index: defs.length - 1 } : null };
    },
  };
}

/**
 * Reverse Continue from event index `now`: searches back for the latest event where `hits` (the breakpoints, read
 * at the replayed event) says stop; without one it rewinds as far as the history reaches. `hits` null says no
 * breakpoint can stop anywhere (StopRules.mayStopOnReplay): the search would find nothing, so it lands where such a
 * search ends without replaying the history. `quiet` says of a step that `hits` is false at all its events
 * (StopRules.quietStep), so the search passes over stretches of such steps without replaying them; `recorded`
 * decides a step from its recorded scalars where it can (recordScope.ts), so only the steps it cannot are replayed;
 * `whole` decides a replayed step taken whole, at its clip (wholeSearch.ts), so it need not stop after each event.
 */
export function reverseContinuePlan(
  t: Trainer,
  h: History,
  now: number,
  hits: ((ev: TrainerEvent) => boolean) | null,
  quiet?: (step: number, epoch: number) => boolean,
  recorded?: RecordedSearch,
  whole?: WholeSearch,
): RewindPlan<number | null> {
  return {
    title: 'Reverse Continue',
    replay: hits ? h.searchBack(now - 1, hits, quiet, recorded, whole) : nothingFound(),
    land(outcome) {
      if (outcome.kind === 'failed') return { error: outcome.error };
      if (outcome.kind === 'cancelled') {
        // Paused on the way: stop where the search had found nothing up to where it began (or back there).
        const clear = outcome.at.clearFrom;
        const ev = h.goTo(clear ?? now - 1);
        return {
          reason: 'pause',
          ev,
          notice:
            clear === null
              ? 'Reverse Continue paused before it had searched anything: back where it began'
              : `Reverse Continue paused: no breakpoint hit between here (step ${t.step + 1}) and where it began`,
        };
      }
      const found = outcome.result;
      if (found === null) {
        const ev = h.goTo(h.earliestEvent === 0 ? -1 : h.earliestEvent);
        const where = h.earliestEvent === 0 ? 'the start of training' : `the oldest state kept (step ${t.step + 1})`;
        return { reason: ev ? 'step' : 'entry', ev, notice: `No earlier breakpoint hit: rewound to ${where}` };
      }
      return { reason: 'breakpoint', ev: h.goTo(found) };
    },
  };
}

/** The search that finds nothing, without replaying anything. */
// eslint-disable-next-line require-yield -- a replay with no progress to report
function* nothingFound(): Generator<ReplayProgress, null> {
  return null;
}
