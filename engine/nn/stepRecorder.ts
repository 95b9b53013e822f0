// The row a training step's numbers are recorded in (the doctor's StepSeries) and the recorder the generated steps
// (fastStep.ts) write into while those numbers are still in registers.

/**
 * Where each number of a step sits in a recorded row (the training doctor's StepSeries): the step, its `loss` at the
 * clip event (the last micro-batch's), its mean loss over its micro-batches (`previousLoss` after its update), the
 * clip norms, then per weighted node j its ‖∂L/∂W‖ at GRADS + 2j and its mean |∂L/∂W| at GRADS + 2j + 1.
 */
export const STEP = 0,
  LOSS = 1,
  PREVIOUS_LOSS = 2,
  NORM_BEFORE = 3,
  NORM_AFTER = 4,
  GRADS = 5;

/**
 * Rows a generated step writes its numbers into as it computes them (a training doctor's series): its LOSS (once
 * finite), GRADS and, with `norms`, NORM_BEFORE and NORM_AFTER into row `length`, and the `bounds` they move. The
 * owner counts the rows and writes the rest. Stores of numbers still in registers: copied from the trainer's arrays
 * after the step, they cost a tiny network a third of what the doctor added to its step.
 */
export interface StepRecorder {
  readonly rows: Float64Array;
  /** GRADS + 2 × the weighted nodes (every node of a dense stack). */
  readonly stride: number;
  readonly length: number;
  /** True when the trainer does not clip: both norms are then √Σg², which the step computes (Trainer.fastStep). */
  readonly norms: boolean;
  /**
   * Extremes over the rows written since the owner last reset them: the largest NORM_BEFORE, the smallest mean
   * |∂L/∂W| of any node, the smallest ‖∂L/∂W‖ of any node but the last, the largest ‖∂L/∂W‖ of the last one.
   */
  readonly bounds: Float64Array;
}

/** Indices of StepRecorder.bounds. */
export const BOUND_NORM_MAX = 0,
  BOUND_MEAN_MIN = 1,
  BOUND_INNER_MIN = 2,
  BOUND_LAST_MAX = 3;
