// Reverse Continue's search over steps taken whole (History.searchBack, historySearch.ts searchWhole): the
// breakpoints of a step's forward and backward events decided once, at its clip, where every value a condition can
// read at one of those events is still the one that event left, so the replay need not stop after each event.

import type { WholeSearch } from '../engine/runtime/historySearch';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import { trainerScope } from './scope';
import type { StopRules } from './stopRules';

/**
 * The search of steps taken whole for this trainer: at the clip of a step, for its forward and backward events
 * before `end`, latest first, what `rules.check(ev, scope, false).stop` says at the event itself (StopRules.stopsAt,
 * in the live scope pointed at that event). Undefined where the clip's state does not hold every event's values.
 */
export function wholeStepSearch(t: Trainer, rules: StopRules): WholeSearch | undefined {
  const nodes = t.model.nodes,
    L = nodes.length;
  // In a step of one micro-batch of dense layers each buffer is written by one event only: z and a by the node's
  // forward, ∂L/∂a of the output (and a fused δ) by the loss, δ, ∂L/∂x and the gradients by the node's backward; the
  // parameters and the optimizer's state change at the update. A name an event has computed (EventState says which,
  // from the event alone) reads at the clip what it read at the event; one it has not throws there as at the event.
  // Only the clip writes again, the gradients, when it scales them (then the step is left to the events).
  if (t.spec.train.accumulate !== 1 || !nodes.every((n) => n.kind === 'dense')) return undefined;
  let point: TrainerEvent | null = null;
  const scope = { ...trainerScope(t, () => point), undecided: false };
  return (start, end) => {
    const c = t.clip;
    if (c.coefficient !== 1 || c.clippedValues !== 0) return undefined;
    const step = t.step,
      epoch = t.epoch;
    // Conditions on what the event has not computed yet throw NotComputedError; no stack trace is wanted of them.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      // A step of one micro-batch: forward events at positions 0…L−1, the loss at L, backward events at L+1…2L.
      for (let pos = Math.min(2 * L, end - start - 1); pos >= 0; pos--) {
        if (pos === L) continue;
        const backward = pos > L,
          phase = backward ? 'backward' : 'forward',
          layer = backward ? 2 * L - pos : pos;
        point = { phase, layer, step, epoch, micro: 0 };
        const stop = rules.stopsAt(phase, layer, scope);
        if (stop === undefined) return undefined;
        if (stop) return start + pos;
      }
      return null;
    } finally {
      Error.stackTraceLimit = limit;
      point = null;
    }
  };
}
