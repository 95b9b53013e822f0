// Every word of the .nnet language with a one-line explanation and its default: the single source that hover,
// completion and the docs test draw on, so an explanation cannot drift from one feature to another.

import { LOSSES } from '../nn/losses';
import { OPTIMIZER_DEFAULTS } from '../nn/optimizers';
import { GENERATORS } from '../data/generators';
import { LAYER_KINDS } from '../nn/layers';

/** What a word is, for completion item kinds and symbol kinds. */
export type WordKind =
  | 'section'
  | 'layer'
  | 'block'
  | 'setting'
  | 'activation'
  | 'loss'
  | 'init'
  | 'optimizer'
  | 'schedule'
  | 'dataset'
  | 'option'
  | 'value';

/** A documented word: how to write it and what it means. */
export interface WordDoc {
  readonly kind: WordKind;
  readonly syntax: string;
  readonly doc: string;
}

const w = (kind: WordKind, syntax: string, doc: string): WordDoc => ({ kind, syntax, doc });

/** Words that start a line. */
export const STATEMENTS: Readonly<Record<string, WordDoc>> = {
  network: w('section', 'network NAME', 'Starts the network: `input`, then one layer per line, top to bottom.'),
  loss: w('section', `loss ${LOSSES.join('|')}`, "The loss between the last layer's output and the targets."),
  data: w(
    'section',
    'data | data csv "FILE.csv" … | data generate NAME …',
    'The samples: inline rows `x… -> y…` on the following lines, a CSV file next to the .nnet file, or a built-in dataset.',
  ),
  train: w('section', 'train', 'Training settings, one per line; every one has a default.'),
  input: w('layer', 'input N', 'The width of each sample (N features). Comes before the first layer.'),
  ...Object.fromEntries(LAYER_KINDS.map((k) => [k.keyword, w('layer', k.syntax, k.doc)])),
  residual: w(
    'block',
    'residual [NAME] … end',
    'Skip connection around the layers up to `end`: output = F(x) + x (plus a learned projection P·x + c when F changes the width). The + passes the gradient straight back.',
  ),
  repeat: w(
    'block',
    'repeat N … end',
    'Repeats the layers up to `end` N times; names get _1 … _N suffixes (h → h_1, h_2, …).',
  ),
  end: w('block', 'end', 'Closes the innermost `residual` or `repeat` block.'),
  epochs: w('setting', 'epochs N', 'Passes over the training samples. Default 100.'),
  batch: w('setting', 'batch N', 'Samples per (micro-)batch. Default: all training samples (full batch).'),
  accumulate: w(
    'setting',
    'accumulate K',
    'Sum the gradients of K micro-batches (each scaled by 1/K) before one optimizer step. Default 1.',
  ),
  optimizer: w(
    'setting',
    'optimizer sgd|momentum|rmsprop|adam|adamw [PARAM=VALUE…]',
    'How parameters move given their gradients. Default sgd lr=0.1.',
  ),
  schedule: w(
    'setting',
    'schedule constant | step every=N gamma=G | exponential gamma=G | cosine [min_lr=X]',
    'How the learning rate changes with the step. Default constant.',
  ),
  warmup: w(
    'setting',
    'warmup N',
    'Linear learning-rate warm-up over the first N steps, before the schedule. Default 0.',
  ),
  clip: w(
    'setting',
    'clip norm MAX | clip value MAX',
    'Gradient clipping: rescale all gradients so their global L2 norm is at most MAX, or clamp each entry to [−MAX, MAX]. Default none.',
  ),
  seed: w(
    'setting',
    'seed N',
    'Seed of initialisation, dropout and shuffling: same file, same seed, bit-identical run. Default 0.',
  ),
  validation: w(
    'setting',
    'validation F',
    'Fraction of the samples held out (the last ones) to measure the validation loss. Default 0.',
  ),
  shuffle: w('setting', 'shuffle on|off', 'Shuffle the training samples every epoch. Default on.'),
  weights: w(
    'setting',
    'weights "FILE.npz"',
    "Start from trained weights instead of the seed's initialisation: a numpy .npz next to the .nnet file with one array per parameter, `LAYER.W` [out, in] and `LAYER.b` [out] (batch norm: γ, β, and optionally running_mean, running_var). Default: none.",
  ),
};

/** Activations: forward φ and derivative φ′ (declared beside the layer kinds that apply them). */
export { ACTIVATION_DOCS } from './activationDocs';

/** Losses. */
export const LOSS_DOCS: Readonly<Record<string, string>> = {
  mse: 'Mean squared error: mean over batch and outputs of (a − y)². ∂L/∂a = 2(a − y)/N.',
  half_mse: 'Half mean squared error, ½·mean (a − y)²: the textbook form whose gradient is (a − y)/N.',
  bce: 'Binary cross-entropy, −mean[y·log a + (1 − y)·log(1 − a)]. Needs a sigmoid output; computed from the logits, δ = (a − y)/N with N = batch × outputs.',
  cross_entropy:
    'Cross-entropy −mean Σ_k y_k·log a_k with one-hot (or class index) targets. Needs a softmax output: fused, δ = (a − y)/B over a batch of B (the per-sample a − y, averaged), stable for any logits.',
};

/** Initialisers, as written in init=… and bias_init=…. */
export const INIT_DOCS: Readonly<Record<string, string>> = {
  zeros: 'All zeros. For weights this keeps every unit identical (symmetry is never broken).',
  'constant(V)': 'Every entry V.',
  'uniform(LOW,HIGH)': 'Uniform in [LOW, HIGH).',
  'normal(STD)': 'Normal with mean 0 and standard deviation STD.',
  xavier:
    'Glorot/Xavier uniform U(±√(6/(fan_in + fan_out))), for tanh and sigmoid. The default. (Also glorot, xavier_uniform, glorot_uniform.)',
  xavier_normal: 'Glorot/Xavier normal N(0, 2/(fan_in + fan_out)). (Also glorot_normal.)',
  he: 'He/Kaiming normal N(0, 2/fan_in), for ReLU. (Also kaiming, he_normal, kaiming_normal.)',
  he_uniform: 'He/Kaiming uniform U(±√(6/fan_in)). (Also kaiming_uniform.)',
  lecun: 'LeCun normal N(0, 1/fan_in). (Also lecun_normal.)',
  lecun_uniform: 'LeCun uniform U(±√(3/fan_in)).',
};

/** Optimizers and their update rules. */
export const OPTIMIZER_DOCS: Readonly<Record<string, string>> = {
  sgd: 'θ ← θ − lr·(g + λθ).',
  momentum: 'SGD with momentum μ: b ← μb + g; θ ← θ − lr·b. Add `nesterov` for θ ← θ − lr·(g + μb).',
  rmsprop: 'v ← αv + (1 − α)g²; θ ← θ − lr·g/(√v + ε).',
  adam: 'Adam: bias-corrected moments m̂, v̂; θ ← θ − lr·m̂/(√v̂ + ε). weight_decay is L2 in the gradient.',
  adamw: 'Adam with decoupled weight decay: θ ← θ − lr·m̂/(√v̂ + ε) − lr·λ·θ.',
};

/** Optimizer hyper-parameters. */
export const OPTIMIZER_PARAM_DOCS: Readonly<Record<string, string>> = {
  lr: 'Base learning rate.',
  momentum: 'Momentum coefficient μ.',
  nesterov: 'Nesterov momentum (a flag, no value).',
  alpha: 'Decay of the squared-gradient average.',
  beta1: 'Decay of the first moment m.',
  beta2: 'Decay of the second moment v.',
  eps: 'Added to √v to avoid dividing by zero.',
  weight_decay: 'Weight decay λ.',
};

/** Parameters of each optimizer with their defaults, e.g. `adam` → { lr: 0.001, beta1: 0.9, … }. */
export function optimizerParams(kind: string): Record<string, number | boolean> {
  const d = (OPTIMIZER_DEFAULTS as Record<string, Record<string, unknown>>)[kind];
  if (!d || !Object.prototype.hasOwnProperty.call(OPTIMIZER_DEFAULTS, kind)) return {};
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(d))
    if (k !== 'kind') out[k === 'weightDecay' ? 'weight_decay' : k] = v as number | boolean;
  return out;
}

/** Schedules and their parameters. */
export const SCHEDULE_DOCS: Readonly<Record<string, { readonly params: readonly string[]; readonly doc: string }>> = {
  constant: { params: [], doc: 'The base learning rate at every step.' },
  step: { params: ['every', 'gamma'], doc: 'lr·gamma^⌊k/every⌋ (StepLR); gamma defaults to 0.1.' },
  exponential: { params: ['gamma'], doc: 'lr·gamma^k (ExponentialLR).' },
  cosine: { params: ['min_lr'], doc: 'Cosine annealing from lr to min_lr (default 0) over the run.' },
};

/** Options of layers (as their kinds declare them) and of `data csv`, by the statement they belong to. */
export const OPTION_DOCS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ...Object.fromEntries(LAYER_KINDS.filter((k) => Object.keys(k.options).length).map((k) => [k.keyword, k.options])),
  csv: {
    inputs: 'Input columns by header name, comma-separated (default: every column except the targets).',
    target: 'Target column(s) by header name (default: the last column).',
    onehot: 'Treat the target column as class labels and one-hot encode them (classes in sorted order).',
    standardize: 'Rescale each input column to mean 0 and standard deviation 1.',
  },
  clip: { norm: 'Clip by global L2 norm.', value: 'Clip each gradient entry to [−MAX, MAX].' },
  shuffle: { on: 'Shuffle every epoch.', off: 'Keep the file order.' },
  data: { csv: 'Read samples from a CSV file next to the .nnet file.', generate: 'Use a built-in dataset.' },
};

/** Built-in datasets with their parameters, e.g. `spiral n=300 classes=3 noise=0.2 seed=0`. */
export function datasetSyntax(name: string): string {
  const g = GENERATORS[name];
  return g
    ? `data generate ${name} ${Object.entries(g.params)
        .map(([k, p]) => `${k}=${p.default}`)
        .join(' ')}`
    : '';
}
