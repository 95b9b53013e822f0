// Breakpoint conditions decided for a past step from its recorded training scalars (engine/runtime/stepRecord.ts),
// without replaying it: a scope that answers at a forward or backward event of that step exactly as the live scope
// (scope.ts) answers there once the step is replayed, for the names the record holds, and marks any other read as
// undecided. Reverse Continue's search (History.searchBack) replays only the steps this cannot decide.

import { NotComputedError, type ExprScope, type Value } from '../engine/expr/values';
import { nodeLabel } from '../engine/runtime/eventState';
import type { RecordedSearch } from '../engine/runtime/historySearch';
import type { RecordedStep } from '../engine/runtime/stepRecord';
import type { Trainer } from '../engine/runtime/trainer';
import { learningRateAt } from '../engine/nn/schedules';
import { TRAINING_SCALARS, type TrainingScalar } from './scope';
import type { StopRules } from './stopRules';

/**
 * The scope at one forward or backward event of a recorded step (set `step`, `phase` and `layer` before evaluating).
 * `undecided` is set by a read the record cannot answer as the live scope would (a tensor, or the loss of a step
 * whose end was not recorded): the evaluation's result then means nothing.
 */
export class RecordScope implements ExprScope {
  undecided = false;
  phase: 'forward' | 'backward' = 'forward';
  layer = 0;
  step: Readonly<RecordedStep> | null = null;
  /** One per training scalar, the names the record answers; any other read leaves the evaluation undecided. */
  private readonly getters: Record<TrainingScalar, () => number | string>;

  constructor(t: Trainer) {
    const at = () => this.step!;
    // What the live scope reads at the event (scope.ts, eventState.ts): a step of one micro-batch has computed its
    // loss only from the loss event on (so at its backward events, not its forward ones), and its clip scalars only
    // at its clip event (after every forward and backward event).
    const notYet = (name: string) => (): never => {
      throw new NotComputedError(`${name} is not computed yet at ${this.phase} ${nodeLabel(t, this.layer)}`);
    };
    this.getters = {
      loss: () => {
        if (this.phase === 'forward') return notYet('loss')();
        const loss = at().loss;
        return Number.isNaN(loss) ? this.unknown() : loss;
      },
      'prev.loss': () => {
        const prev = at().previousLoss;
        if (!Number.isNaN(prev)) return prev;
        // NaN only before the first step has ended; at a later step, a loss the record does not hold.
        if (at().step > 0) return this.unknown();
        throw new NotComputedError(`prev.loss (the previous step's loss) does not exist here`);
      },
      lr: () => learningRateAt(t.spec.train.schedule, at().baseLr, at().step, t.totalSteps),
      step: () => at().step + 1,
      epoch: () => at().epoch + 1,
      phase: () => this.phase,
      layer: () => nodeLabel(t, this.layer),
      grad_norm: notYet('grad_norm'),
      grad_norm_clipped: notYet('grad_norm_clipped'),
      clip_coef: notYet('clip_coef'),
      batch_size: () => at().batchSize,
    };
  }

  lookup(name: string): Value {
    const get = this.scalarGetter(name);
    return get ? get() : this.unknown();
  }

  names(): string[] {
    return [...TRAINING_SCALARS];
  }

  scalarGetter(name: string): (() => number | string) | undefined {
    return Object.hasOwn(this.getters, name) ? this.getters[name as TrainingScalar] : undefined;
  }

  private unknown(): never {
    this.undecided = true;
    throw new Error('not in the step record');
  }
}

/**
 * The search History.searchBack decides recorded steps with: for the watched forward and backward events of a step,
 * latest first, what `rules.check(ev, scope, false).stop` says there once the step is replayed (StopRules.stopsAt);
 * `scope` may answer more than the scalars (summaryScope.ts).
 */
export function recordedSearch(t: Trainer, rules: StopRules, scope = new RecordScope(t)): RecordedSearch {
  const L = t.model.nodes.length;
  return (step, end) => {
    scope.step = step;
    // A condition on the loss throws at every forward event (not computed yet), and each throw is an Error whose
    // stack trace is captured and then dropped: without it, deciding a step costs a few µs instead of ~15.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      // A step of one micro-batch: forward events at positions 0…L−1, the loss at L, backward events at L+1…2L.
      for (let pos = Math.min(2 * L, end - step.start - 1); pos >= 0; pos--) {
        if (pos === L) continue;
        const backward = pos > L;
        scope.phase = backward ? 'backward' : 'forward';
        scope.layer = backward ? 2 * L - pos : pos;
        const stop = rules.stopsAt(scope.phase, scope.layer, scope);
        if (stop === undefined) return undefined;
        if (stop) return step.start + pos;
      }
      return null;
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}
