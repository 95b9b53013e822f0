// Go to a step (the Findings view's Go to First Occurrence): where a paused debug session must move to land exactly on
// the first event of an optimizer step — back by replaying the history, forward by running on — or that it is there.

import { RewindError, type History } from '../engine/runtime/history';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import type { RewindPlan } from './rewind';

/** The first event of a step: the forward pass of its first node on its first micro-batch. */
export function isStepStart(ev: TrainerEvent): boolean {
  return ev.phase === 'forward' && ev.layer === 0 && ev.micro === 0;
}

/** How to reach a step's first event from where the run is paused. */
export type GotoMove =
  | { readonly kind: 'here' }
  | { readonly kind: 'back'; readonly plan: RewindPlan<TrainerEvent | null> }
  /** Run on until the first event of `step` (0-based). */
  | { readonly kind: 'forward'; readonly step: number };

/** The notice of the stop a Go to Step lands on. */
export const gotoNotice = (step: number): string => `Went to the start of step ${step}`;

/**
 * The move from the paused event `current` (null: entry, nothing run yet) to the first event of 1-based `step`.
 * @throws Error with a message for the user when the step is past the end of training or older than the history
 * reaches (before anything moves).
 */
export function gotoStepMove(t: Trainer, h: History, current: TrainerEvent | null, step: number): GotoMove {
  const s = step - 1;
  if (!Number.isInteger(step) || step < 1) throw new Error(`cannot go to step ${step}: steps count from 1`);
  if (s >= t.totalSteps) throw new Error(`cannot go to step ${step}: the run has ${t.totalSteps} steps`);
  if (current === null || current.step < s) return { kind: 'forward', step: s };
  if (current.step === s && isStepStart(current)) return { kind: 'here' };
  if (s < h.earliestStep)
    throw new Error(
      `cannot go back to step ${step}: the history reaches back to step ${h.earliestStep + 1} only; raise the nnet.debug.historyMB setting (or the launch attribute historyMB) to keep more`,
    );
  const from = t.eventIndex - 1;
  return {
    kind: 'back',
    plan: {
      title: `Go to step ${step}`,
      replay: h.replayToStep(s, isStepStart),
      land(outcome) {
        if (outcome.kind === 'failed') {
          if (!(outcome.error instanceof RewindError)) return { error: outcome.error };
          return { reason: 'step', ev: h.goTo(from), notice: outcome.error.message };
        }
        if (outcome.kind === 'cancelled') {
          const ev = outcome.at.event;
          return {
            reason: 'pause',
            ev,
            notice: `Go to step ${step} paused at step ${ev.step + 1}, before reaching it`,
          };
        }
        if (!outcome.result) return { reason: 'step', ev: h.goTo(from), notice: `step ${step} has no events to go to` };
        return { reason: 'step', ev: outcome.result, notice: gotoNotice(step), sub: null };
      },
    },
  };
}
