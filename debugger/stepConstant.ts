// Which breakpoint conditions are decided for a whole optimizer step: a condition that came out false while reading
// only names that keep their value through a step (`step`, `epoch`) is false at every other event of that step, so
// the stop rules skip it there instead of evaluating it again at each layer's forward and backward event.

import type { ExprScope } from '../engine/expr/values';

/** Names whose value is the same at every event of one optimizer step. */
const STEP_CONSTANT: ReadonlySet<string> = new Set(['step', 'epoch']);

/** A scope that passes every read to `base` and notes whether a name outside STEP_CONSTANT was read. */
export class StepConstantScope implements ExprScope {
  /** Set by a read of a name that may change within a step; clear it before an evaluation. */
  readVariant = false;

  constructor(readonly base: ExprScope) {}

  lookup(name: string): ReturnType<ExprScope['lookup']> {
    if (!STEP_CONSTANT.has(name)) this.readVariant = true;
    return this.base.lookup(name);
  }

  names(): string[] {
    return this.base.names();
  }

  /** The base scope's getter; for a name that may change within a step, one that also notes the read. */
  scalarGetter(name: string): ReturnType<NonNullable<ExprScope['scalarGetter']>> {
    const get = this.base.scalarGetter?.(name);
    if (!get || STEP_CONSTANT.has(name)) return get;
    return () => {
      this.readVariant = true;
      return get();
    };
  }
}

/**
 * A scope that knows only the step-constant names, at a given step: any other name marks the evaluation as one it
 * cannot decide (`readVariant`) and throws. What `StopRules.quietStep` evaluates conditions in, before a step.
 */
export class StepOnlyScope implements ExprScope {
  /** 0-based, as events hold them (the names are 1-based). */
  step = 0;
  epoch = 0;
  readVariant = false;
  private readonly stepGetter = () => this.step + 1;
  private readonly epochGetter = () => this.epoch + 1;
  private readonly variant = (): never => {
    this.readVariant = true;
    throw new Error('not decided before the step');
  };

  lookup(name: string): ReturnType<ExprScope['lookup']> {
    if (name === 'step') return this.step + 1;
    if (name === 'epoch') return this.epoch + 1;
    return this.variant();
  }

  names(): string[] {
    return [...STEP_CONSTANT];
  }

  scalarGetter(name: string): ReturnType<NonNullable<ExprScope['scalarGetter']>> {
    return name === 'step' ? this.stepGetter : name === 'epoch' ? this.epochGetter : this.variant;
  }
}
