// What exists at a stop: whether the current step has computed a tensor or scalar yet at the event just performed,
// and if not, which event will. The one definition every view uses (Variables, hover, Watch, console, inline values,
// the Layer Inspector), so a paused session shows the same thing however it reached the event.

import { nodeOps } from '../nn/layers';
import { learningRateAt } from '../nn/schedules';
import type { TensorKey } from './snapshot';
import type { Phase, Trainer, TrainerEvent } from './trainer';

/** Where a run is paused: the event just performed, or null before the first event of the run. */
export type StopPoint = TrainerEvent | null;

/** Scalars that are computed by an event of the step (the others — lr, step, epoch, … — always have a value). */
export type StepScalar = 'loss' | 'x' | 'y' | 'yhat' | 'dyhat' | 'grad_norm' | 'grad_norm_clipped' | 'clip_coef';

/** An event of the current step, named as the Call Stack names it (`forward out`, `loss`, `backward h1 (sum)`). */
interface StepEvent {
  readonly phase: Phase;
  readonly layer: number;
  /** Micro-batch it belongs to (the last one for clip and update). */
  readonly micro: number;
}

/**
 * Answers "has this been computed yet?" for one stop. Cheap to make (one per stop or per condition check); every
 * answer is either null (computed in this step, or a parameter) or the label of the event that will compute it.
 */
export class EventState {
  private readonly L: number;
  /** Position of the stop among the step's events (−1 before the first). */
  private readonly at: number;
  private readonly micro: number;

  constructor(
    private readonly t: Trainer,
    readonly point: StopPoint,
  ) {
    this.L = t.model.nodes.length;
    this.micro = point ? point.micro : 0;
    this.at = point ? this.ordinal(point) : -1;
  }

  /** 1-based optimizer step and epoch of the stop (an update event belongs to the step it applies). */
  get step(): number {
    return (this.point ? this.point.step : this.t.step) + 1;
  }

  get epoch(): number {
    return (this.point ? this.point.epoch : this.t.epoch) + 1;
  }

  /** The learning rate of this stop's step (the schedule's value; the update event applies exactly this). */
  get lr(): number {
    const t = this.t;
    return learningRateAt(t.spec.train.schedule, t.baseLr, this.step - 1, t.totalSteps);
  }

  /** Where the stop is, for messages: `forward h1, step 1` (`entry, step 1` before the first event). */
  get where(): string {
    if (!this.point) return `entry, step ${this.step}`;
    const micro = this.t.spec.train.accumulate > 1 ? `, micro-batch ${this.point.micro + 1}` : '';
    return `${eventName(this.t, this.point)}, step ${this.step}${micro}`;
  }

  /** Null when tensor `key` of node `i` holds this step's value at the stop, else the event that computes it. */
  tensorPending(i: number, key: TensorKey): string | null {
    const ev = this.computedBy(i, key);
    return ev && this.ordinal(ev) > this.at ? eventName(this.t, ev) : null;
  }

  /** Null when `name` has its value for this step at the stop, else the event that computes it. */
  scalarPending(name: StepScalar): string | null {
    const m = this.micro,
      L = this.L;
    const ev: StepEvent =
      name === 'loss' || name === 'dyhat'
        ? { phase: 'loss', layer: -1, micro: m }
        : name === 'yhat'
          ? { phase: 'forward', layer: L - 1, micro: m }
          : name === 'x' || name === 'y'
            ? { phase: 'forward', layer: 0, micro: m }
            : { phase: 'clip', layer: -1, micro: 0 };
    return this.ordinal(ev) > this.at ? eventName(this.t, ev) : null;
  }

  /** Null at the update event, where this step's parameter update (ΔW, `W.step`) exists; else `update`. */
  updatePending(): string | null {
    return this.point?.phase === 'update' ? null : 'update';
  }

  /** The message an expression gets for a value that does not exist yet. */
  notComputedMessage(name: string, pending: string): string {
    return `${name} is not computed yet at ${this.where} (it is computed at ${pending})`;
  }

  /** The event of this step that writes tensor `key` of node `i`; null for parameters (they always exist). */
  private computedBy(i: number, key: TensorKey): StepEvent | null {
    const m = this.micro,
      n = this.t.model.nodes[i],
      last = i === this.L - 1;
    switch (key) {
      case 'W':
      case 'b':
        return null;
      // The input of node i is the output of node i − 1 (the batch, loaded by the first forward event, for i = 0).
      case 'x':
        return { phase: 'forward', layer: Math.max(0, i - 1), micro: m };
      case 'z':
      case 'a':
      case 'mask':
      case 'xhat':
      case 'skip':
        return { phase: 'forward', layer: i, micro: m };
      case 'dA':
        return last ? { phase: 'loss', layer: -1, micro: m } : { phase: 'backward', layer: i + 1, micro: m };
      // A fused output's δ = (a − y)/N is written by the loss; other nodes write their own δ.
      case 'delta':
        return last && this.t.fusedOutput
          ? { phase: 'loss', layer: -1, micro: m }
          : { phase: 'backward', layer: i, micro: m };
      case 'dX':
        return { phase: 'backward', layer: i, micro: m };
      case 'dSkip':
        return { phase: 'backward', layer: n.partner, micro: m };
      // Gradients accumulate over the step's micro-batches: they exist from the first micro-batch's backward on.
      case 'gradW':
      case 'gradb':
        return { phase: 'backward', layer: i, micro: 0 };
    }
  }

  /** Position of an event among the events of one step (the order Trainer.advance performs them). */
  private ordinal(ev: StepEvent): number {
    const L = this.L,
      block = 2 * L + 1;
    switch (ev.phase) {
      case 'forward':
        return ev.micro * block + ev.layer;
      case 'loss':
        return ev.micro * block + L;
      case 'backward':
        return ev.micro * block + 2 * L - ev.layer;
      // Clip and update follow every micro-batch of the step.
      case 'clip':
        return Number.MAX_SAFE_INTEGER - 1;
      case 'update':
        return Number.MAX_SAFE_INTEGER;
    }
  }
}

/** How every view writes a value the current step has not computed yet: `— (computed at forward out)`. */
export function notComputed(pendingEvent: string): string {
  return `— (computed at ${pendingEvent})`;
}

/** How the Call Stack names an event: `forward h1`, `loss`, `backward block (sum)`. */
export function eventName(t: Trainer, e: { readonly phase: Phase; readonly layer: number }): string {
  return e.layer >= 0 ? `${e.phase} ${nodeLabel(t, e.layer)}` : e.phase;
}

/** A node's name as stops show it (a residual block has an input node and a sum node). */
export function nodeLabel(t: Trainer, i: number): string {
  const node = t.model.nodes[i];
  return nodeOps(node.kind).label?.(node) ?? node.name;
}
