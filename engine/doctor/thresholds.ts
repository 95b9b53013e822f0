// The doctor's thresholds with their defaults, ranges and where each comes from: the one definition that the Train
// run's doctor, `nnet doctor`, the debugger's exception filters and the extension's settings all read.

/** Every threshold of the doctor's rules. */
export interface DoctorThresholds {
  /** Global gradient norm before clipping above which gradients explode. */
  readonly explodingNorm: number;
  /** A layer's ‖∂L/∂W‖ below this times the output layer's has vanished. */
  readonly vanishingRatio: number;
  /** A layer's mean |∂L/∂W| below this has vanished, whatever the others do. */
  readonly vanishingFloor: number;
  /** A unit is dead when active on fewer than this part of the samples of a window. */
  readonly deadUnitActivity: number;
  /** A layer is reported when more than this part of its units is dead. */
  readonly deadReluShare: number;
  /** A layer is saturated when more than this part of its outputs sit where φ′ is below a tenth of its maximum. */
  readonly saturatedShare: number;
  /** ‖ΔW‖ / ‖W‖ of one step outside [low, high]. */
  readonly updateRatioLow: number;
  readonly updateRatioHigh: number;
  /** W counts as unchanged when |ΔW| ≤ atol + rtol·|W| everywhere, for this many steps in a row. */
  readonly unchangedSteps: number;
  readonly unchangedRtol: number;
  readonly unchangedAtol: number;
  /** Largest ratio of pre-activation variances between two weighted layers at step 0. */
  readonly poorInitRatio: number;
  /** Steps per window of the window rules (loss not decreasing, dead units, saturation). */
  readonly window: number;
  /** A window's mean loss that is not this part below the first window's has not decreased. */
  readonly lossMinDecrease: number;
  /** A step's loss above this times the running mean of the previous `window` steps is a spike. */
  readonly lossSpikeFactor: number;
  /** Validation loss this part above its best while the training loss keeps falling: overfitting. */
  readonly overfitRatio: number;
  /** An input column whose |mean| is above this is off the unit scale. */
  readonly unscaledMean: number;
  /** An input column whose standard deviation is above this, or (not 0) below `1 / unscaledStd`, is off the unit scale. */
  readonly unscaledStd: number;
  /**
   * The update rules measure one step's update every this many steps, and the steps after it (`unchangedSteps` in
   * all) while a weight matrix stays unchanged.
   */
  readonly updateSamplePeriod: number;
  /** Part of the steps (or windows) a persistent condition must hold on before it is reported. */
  readonly persistence: number;
}

/**
 * Defaults, each from the tool that defined the rule (docs/doctor.md says more):
 * SageMaker Debugger's built-in rules, MindSpore Insight's watchpoints, PyTorch Lightning's loss-spike detection.
 */
export const DEFAULT_THRESHOLDS: DoctorThresholds = {
  explodingNorm: 100, // nnet's exception filter default (nnet.exceptions.explodingNorm)
  vanishingRatio: 1e-3, // nnet's exception filter default (nnet.exceptions.vanishingRatio)
  vanishingFloor: 1e-7, // SageMaker VanishingGradient: mean |g| < 1e-7
  deadUnitActivity: 0.01, // SageMaker DeadRelu: a unit active on < 1 % of samples
  deadReluShare: 0.5, // SageMaker DeadRelu: fires when > 50 % of a layer is dead
  saturatedShare: 0.5, // SageMaker SaturatedActivation applies its share per layer; nnet takes half the outputs
  updateRatioLow: 1e-4, // MindSpore Insight: update ratio below 1e-4
  updateRatioHigh: 1e-1, // MindSpore Insight: update ratio above 1e-1
  unchangedSteps: 3, // SageMaker UnchangedTensor: num_steps 3
  unchangedRtol: 1e-5, // SageMaker UnchangedTensor: rtol 1e-5
  unchangedAtol: 1e-8, // SageMaker UnchangedTensor: atol 1e-8
  poorInitRatio: 10, // SageMaker PoorWeightInitialization: threshold 10
  window: 10, // SageMaker LossNotDecreasing: num_steps 10; Lightning: running mean over 10 steps
  lossMinDecrease: 0.01, // nnet: 1 % below the first window (SageMaker's min_delta_pct compares consecutive windows)
  lossSpikeFactor: 3, // PyTorch Lightning: loss above 3× its running mean
  overfitRatio: 0.1, // SageMaker Overfit: ratio_threshold 0.1
  unscaledMean: 10, // nnet: an order of magnitude past unit scale (LeCun et al. 1998, Efficient BackProp §4.3)
  unscaledStd: 10, // nnet: an order of magnitude either way; Xavier/He assume unit-variance inputs
  updateSamplePeriod: 40, // nnet: keeps the pass over the weights under 5 % of training time on N3–N5 (bench/doctorCost.ts)
  persistence: 0.5, // nnet: a condition of more than half the run, not of a few noisy steps
};

/** How a threshold may be set (a setting, a filter's condition): its range, whether whole, and what it measures. */
export interface ThresholdInfo {
  readonly minimum: number;
  readonly maximum: number;
  readonly integer: boolean;
  /** What the number is, for settings and the Breakpoints view (a short phrase). */
  readonly what: string;
  /** Where the default comes from. */
  readonly source: string;
}

const info = (minimum: number, maximum: number, integer: boolean, what: string, source: string): ThresholdInfo => ({
  minimum,
  maximum,
  integer,
  what,
  source,
});

/** Every threshold's range and meaning (a threshold added to DoctorThresholds must be described here too). */
export const THRESHOLD_INFO: { readonly [K in keyof DoctorThresholds]: ThresholdInfo } = {
  explodingNorm: info(0, 1e12, false, 'global gradient norm before clipping', "nnet's exploding-gradient filter"),
  vanishingRatio: info(0, 1, false, "a layer's ‖∇W‖ as a fraction of the output layer's", "nnet's vanishing filter"),
  vanishingFloor: info(0, 1, false, 'mean |∇W| of a layer', 'SageMaker Debugger VanishingGradient'),
  deadUnitActivity: info(0, 1, false, 'share of samples a unit must be active on', 'SageMaker Debugger DeadRelu'),
  deadReluShare: info(0, 1, false, "share of a ReLU layer's units that are dead", 'SageMaker Debugger DeadRelu'),
  saturatedShare: info(0, 1, false, "share of a tanh/sigmoid layer's outputs where φ′ < max φ′/10", 'nnet'),
  updateRatioLow: info(0, 1e6, false, '‖ΔW‖/‖W‖ of one step, lower bound', 'MindSpore Insight'),
  updateRatioHigh: info(0, 1e6, false, '‖ΔW‖/‖W‖ of one step, upper bound', 'MindSpore Insight'),
  unchangedSteps: info(1, 1000, true, 'steps in a row W must stay unchanged', 'SageMaker Debugger UnchangedTensor'),
  unchangedRtol: info(0, 1, false, 'relative tolerance of an unchanged weight', 'SageMaker Debugger UnchangedTensor'),
  unchangedAtol: info(0, 1, false, 'absolute tolerance of an unchanged weight', 'SageMaker Debugger UnchangedTensor'),
  poorInitRatio: info(1, 1e12, false, 'ratio of var(z) between layers at step 0', 'SageMaker PoorWeightInitialization'),
  window: info(2, 100000, true, 'steps per window of the window rules', 'SageMaker LossNotDecreasing; Lightning'),
  lossMinDecrease: info(0, 1, false, "part a window's mean loss must fall below the first window's", 'nnet'),
  lossSpikeFactor: info(1, 1e12, false, 'mean loss of a window over the one before', 'PyTorch Lightning'),
  overfitRatio: info(
    0,
    1e12,
    false,
    "rise of the validation loss over its best, per first epoch's",
    'SageMaker Overfit',
  ),
  unscaledMean: info(0, 1e12, false, '|mean| of an input column', 'nnet, after LeCun et al. 1998 (Efficient BackProp)'),
  unscaledStd: info(
    1,
    1e12,
    false,
    'standard deviation of an input column, upper bound (its inverse the lower)',
    'nnet, after LeCun et al. 1998 (Efficient BackProp)',
  ),
  updateSamplePeriod: info(1, 1e9, true, 'steps between two measured updates', 'nnet (doctor cost)'),
  persistence: info(0, 1, false, 'part of the steps a persistent rule must hold on', 'nnet'),
};

/** The exception filters' defaults, shared with debugger/stopRules.ts and extension/settings.ts. */
export const VANISHING_FLOOR = DEFAULT_THRESHOLDS.vanishingFloor;
export const VANISHING_RATIO = DEFAULT_THRESHOLDS.vanishingRatio;
export const EXPLODING_NORM = DEFAULT_THRESHOLDS.explodingNorm;
export const DEAD_RELU_SHARE = DEFAULT_THRESHOLDS.deadReluShare;
