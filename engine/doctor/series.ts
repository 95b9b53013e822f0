// The per-step numbers the doctor's series rules read (loss, clip norms, per-layer gradient statistics the trainer
// measured), copied into preallocated typed arrays at each step so the rules can look at many steps at once.

import type { Trainer } from '../runtime/trainer';

/**
 * Steps recorded since the series rules last looked (Doctor): slot k holds step `step[k]`, as the trainer left it at
 * that step's clip event (`loss`, the clip norms, per weighted node ‖∂L/∂W‖ and mean |∂L/∂W|) and at its update
 * event (`previousLoss`: the step's mean loss over its micro-batches).
 */
export class StepSeries {
  /** Node index of each weighted node (wSize > 0), in network order: column j of gradNorm and meanAbsGrad. */
  readonly nodes: readonly number[];
  /** Weighted nodes per step (the row length of gradNorm and meanAbsGrad). */
  readonly width: number;
  readonly step: Float64Array;
  readonly loss: Float64Array;
  readonly previousLoss: Float64Array;
  readonly normBefore: Float64Array;
  readonly normAfter: Float64Array;
  /** [slot × width + j]: the trainer's gradNorm and meanAbsGrad of node nodes[j]. */
  readonly gradNorm: Float64Array;
  readonly meanAbsGrad: Float64Array;
  /** Slots filled: the step being recorded sits at `length` until its update event closes it (closeStep). */
  length = 0;
  /** True between a step's clip event and its update event: slot `length` holds its clip numbers. */
  open = false;
  /** Slots whose clip numbers, and whose update numbers, the rules have looked at (the Doctor's bookkeeping). */
  clipSeen = 0;
  updateSeen = 0;

  constructor(
    t: Trainer,
    /** Steps the series holds before the rules must look at them. */
    readonly capacity: number,
  ) {
    this.nodes = t.model.nodes.flatMap((n, i) => (n.wSize ? [i] : []));
    this.width = this.nodes.length;
    this.step = new Float64Array(capacity);
    this.loss = new Float64Array(capacity);
    this.previousLoss = new Float64Array(capacity);
    this.normBefore = new Float64Array(capacity);
    this.normAfter = new Float64Array(capacity);
    this.gradNorm = new Float64Array(capacity * this.width);
    this.meanAbsGrad = new Float64Array(capacity * this.width);
  }

  /** Records what the step's clip event leaves (the step at slot `length`: `step`, the trainer's until its update). */
  recordClip(t: Trainer, step = t.step): void {
    const k = this.length,
      w = this.width,
      nodes = this.nodes,
      norm = t.gradNorm,
      mean = t.meanAbsGrad,
      gn = this.gradNorm,
      ma = this.meanAbsGrad;
    this.open = true;
    this.step[k] = step;
    this.loss[k] = t.loss;
    this.normBefore[k] = t.clip.normBefore;
    this.normAfter[k] = t.clip.normAfter;
    for (let j = 0, o = k * w; j < w; j++, o++) {
      const i = nodes[j];
      gn[o] = norm[i];
      ma[o] = mean[i];
    }
  }

  /**
   * Records a step observed after it ended (Doctor.observeStep) in one pass: what its clip event left, which its
   * update does not change, then what its update left, and closes its slot. The same numbers as recordClip, then
   * closeStep; one call per step, the trainer's fields read once.
   */
  recordStep(t: Trainer, step: number): void {
    const k = this.length,
      w = this.width,
      nodes = this.nodes,
      norm = t.gradNorm,
      mean = t.meanAbsGrad,
      gn = this.gradNorm,
      ma = this.meanAbsGrad,
      clip = t.clip;
    this.step[k] = step;
    this.loss[k] = t.loss;
    this.normBefore[k] = clip.normBefore;
    this.normAfter[k] = clip.normAfter;
    this.previousLoss[k] = t.previousLoss;
    for (let j = 0, o = k * w; j < w; j++, o++) {
      const i = nodes[j];
      gn[o] = norm[i];
      ma[o] = mean[i];
    }
    this.length = k + 1;
    this.open = false;
  }

  /** Records what the step's update event leaves, and closes its slot. */
  closeStep(t: Trainer): void {
    this.previousLoss[this.length++] = t.previousLoss;
    this.open = false;
  }

  /**
   * Empties the series once the rules have looked at every slot. An open step's clip numbers have been looked at
   * then; its update event, still to come, is recorded in slot 0 beside its step number.
   */
  compact(): void {
    const n = this.length,
      open = this.open;
    if (this.clipSeen !== n + (open ? 1 : 0) || this.updateSeen !== n) return;
    if (open) this.step[0] = this.step[n];
    this.length = this.updateSeen = 0;
    this.clipSeen = open ? 1 : 0;
  }
}
