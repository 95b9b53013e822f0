// The per-step numbers the doctor's series rules read (loss, clip norms, per-layer gradient statistics the trainer
// measured), one row per step of one preallocated typed array, so the rules can look at many steps at once.

import {
  BOUND_INNER_MIN,
  BOUND_LAST_MAX,
  BOUND_MEAN_MIN,
  BOUND_NORM_MAX,
  GRADS,
  LOSS,
  NORM_AFTER,
  NORM_BEFORE,
  PREVIOUS_LOSS,
  STEP,
  type StepRecorder,
} from '../nn/stepRecorder';
import type { Trainer } from '../runtime/trainer';

/**
 * Where each number of a step sits in its row of StepSeries.rows (fastStep.ts, whose generated steps write the same
 * rows): the step, its `loss` at the clip event (the last micro-batch's), its mean loss over its micro-batches at the
 * update event (`previousLoss`), the clip norms, then per weighted node j its ‖∂L/∂W‖ at GRADS + 2j and its mean
 * |∂L/∂W| at GRADS + 2j + 1.
 */
export { GRADS, LOSS, NORM_AFTER, NORM_BEFORE, PREVIOUS_LOSS, STEP };

/**
 * Steps recorded since the series rules last looked (Doctor): row k (numbers k × stride on, see STEP…GRADS) holds
 * step `rows[k × stride + STEP]`, as the trainer left it at that step's clip event and at its update event. One
 * array of rows rather than an array per number: recording a step then reads one array's bounds, not seven (on a
 * tiny network the recording was a third of what the doctor added to a step). A whole step of the generated code
 * writes its row itself, as it computes the numbers (Trainer.recorder: the doctor then only counts it).
 */
export class StepSeries implements StepRecorder {
  /** Node index of each weighted node (wSize > 0), in network order: the j of GRADS + 2j. */
  readonly nodes: readonly number[];
  /** Weighted nodes per step. */
  readonly width: number;
  /** Numbers per row: GRADS + 2 × width. */
  readonly stride: number;
  readonly rows: Float64Array;
  /** `nodes` in a typed array, for the recording (an array's entries are checked for holes at every read). */
  private readonly weighted: Int32Array;
  /** Slots filled: the step being recorded sits at `length` until its update event closes it (closeStep). */
  length = 0;
  /** True between a step's clip event and its update event: slot `length` holds its clip numbers. */
  open = false;
  /** Slots whose clip numbers, and whose update numbers, the rules have looked at (the Doctor's bookkeeping). */
  clipSeen = 0;
  updateSeen = 0;
  /**
   * Bounds over every row written since the series was last emptied (so over any slots the rules look at): the
   * largest norm before clipping, the smallest mean |∂L/∂W| of any weighted node, the smallest ‖∂L/∂W‖ of any but the
   * last one, and the largest ‖∂L/∂W‖ of the last one (BOUND_NORM_MAX…; the generated steps move them as they write
   * their rows). A NaN moves none (it fails every test a rule makes of it). The gradient rules test them first: a
   * batch where no step can hit is then passed over without a pass over its rows.
   */
  readonly bounds = EMPTY.slice();
  /**
   * Where a step's mean loss over its micro-batches sits in its row: LOSS when every step has one micro-batch (its
   * mean is its loss, to the bit but for the sign of a zero, which no rule's sums tell apart), so that the rows the
   * generated steps write (no PREVIOUS_LOSS) read the same; else PREVIOUS_LOSS.
   */
  readonly meanLoss: number;
  /** True when the trainer does not clip (the generated steps then write the clip norms too: StepRecorder). */
  readonly norms: boolean;

  constructor(
    t: Trainer,
    /** Steps the series holds before the rules must look at them. */
    readonly capacity: number,
  ) {
    this.nodes = t.model.nodes.flatMap((n, i) => (n.wSize ? [i] : []));
    this.width = this.nodes.length;
    this.stride = GRADS + 2 * this.width;
    this.rows = new Float64Array(capacity * this.stride);
    this.weighted = Int32Array.from(this.nodes);
    this.meanLoss = t.spec.train.accumulate === 1 ? LOSS : PREVIOUS_LOSS;
    this.norms = !t.spec.train.clip;
  }

  get normBeforeMax(): number {
    return this.bounds[BOUND_NORM_MAX];
  }
  get meanAbsMin(): number {
    return this.bounds[BOUND_MEAN_MIN];
  }
  get innerNormMin(): number {
    return this.bounds[BOUND_INNER_MIN];
  }
  get lastNormMax(): number {
    return this.bounds[BOUND_LAST_MAX];
  }

  /** Number `field` (STEP…NORM_AFTER) of slot k. */
  at(k: number, field: number): number {
    return this.rows[k * this.stride + field];
  }

  /** ‖∂L/∂W‖ of weighted node j (nodes[j]) at slot k. */
  gradNorm(k: number, j: number): number {
    return this.rows[k * this.stride + GRADS + 2 * j];
  }

  /** Mean |∂L/∂W| of weighted node j (nodes[j]) at slot k. */
  meanAbsGrad(k: number, j: number): number {
    return this.rows[k * this.stride + GRADS + 2 * j + 1];
  }

  /** Records what the step's clip event leaves (the step at slot `length`: `step`, the trainer's until its update). */
  recordClip(t: Trainer, step = t.step): void {
    const r = this.rows,
      o = this.length * this.stride,
      clip = t.clip;
    this.open = true;
    r[o + STEP] = step;
    r[o + LOSS] = t.loss;
    r[o + NORM_BEFORE] = clip.normBefore;
    r[o + NORM_AFTER] = clip.normAfter;
    if (clip.normBefore > this.bounds[BOUND_NORM_MAX]) this.bounds[BOUND_NORM_MAX] = clip.normBefore;
    this.recordGrads(t, o);
  }

  /**
   * Records a step observed after it ended (Doctor.observeStep) in one pass: what its clip event left, which its
   * update does not change, then what its update left, and closes its slot. The same numbers as recordClip, then
   * closeStep; one call per step, the trainer's fields read once.
   */
  recordStep(t: Trainer, step: number): void {
    const k = this.length,
      r = this.rows,
      o = k * this.stride,
      clip = t.clip;
    r[o + STEP] = step;
    r[o + LOSS] = t.loss;
    r[o + PREVIOUS_LOSS] = t.previousLoss;
    r[o + NORM_BEFORE] = clip.normBefore;
    r[o + NORM_AFTER] = clip.normAfter;
    if (clip.normBefore > this.bounds[BOUND_NORM_MAX]) this.bounds[BOUND_NORM_MAX] = clip.normBefore;
    this.recordGrads(t, o);
    this.length = k + 1;
    this.open = false;
  }

  /** The trainer's gradient statistics of every weighted node, into the row at `o`, and their bounds. */
  private recordGrads(t: Trainer, o: number): void {
    const r = this.rows,
      b = this.bounds,
      nodes = this.weighted,
      last = nodes.length - 1,
      norm = t.gradNorm,
      mean = t.meanAbsGrad;
    if (last < 0) return;
    let meanMin = b[BOUND_MEAN_MIN],
      innerMin = b[BOUND_INNER_MIN];
    for (let j = 0, p = o + GRADS; j < last; j++, p += 2) {
      const i = nodes[j],
        g = norm[i],
        m = mean[i];
      r[p] = g;
      r[p + 1] = m;
      if (g < innerMin) innerMin = g;
      if (m < meanMin) meanMin = m;
    }
    const i = nodes[last],
      p = o + GRADS + 2 * last,
      g = norm[i],
      m = mean[i];
    r[p] = g;
    r[p + 1] = m;
    if (g > b[BOUND_LAST_MAX]) b[BOUND_LAST_MAX] = g;
    b[BOUND_MEAN_MIN] = m < meanMin ? m : meanMin;
    b[BOUND_INNER_MIN] = innerMin;
  }

  /** Records what the step's update event leaves, and closes its slot. */
  closeStep(t: Trainer): void {
    this.rows[this.length++ * this.stride + PREVIOUS_LOSS] = t.previousLoss;
    this.open = false;
  }

  /**
   * Empties the series once the rules have looked at every slot. An open step's clip numbers have been looked at
   * then; it moves to slot 0, where its update event, still to come, is recorded (its loss is read there then).
   */
  compact(): void {
    const n = this.length,
      open = this.open,
      stride = this.stride;
    if (this.clipSeen !== n + (open ? 1 : 0) || this.updateSeen !== n) return;
    if (open) this.rows.copyWithin(0, n * stride, n * stride + stride);
    this.length = this.updateSeen = 0;
    this.clipSeen = open ? 1 : 0;
    // (An open step's clip numbers, which they bound, have been looked at too.)
    this.bounds.set(EMPTY);
  }
}

/** The bounds of no row. */
const EMPTY = Float64Array.of(-Infinity, Infinity, Infinity, -Infinity);
