// The `train` block of a .nnet file: epochs, batch, accumulation, optimizer, schedule, clipping, seed, validation.

import { OPTIMIZER_DEFAULTS, type OptimizerConfig, type OptimizerKind } from '../nn/optimizers';
import { CONSTANT_LR, type LrSchedule, type ScheduleConfig } from '../nn/schedules';
import { at, readOptions, type Line, type ParseContext } from './context';
import { parseInteger, parseNumber } from './lexer';
import { LIMITS, type ClipSpec, type SourceRange } from './spec';
import { weightsStatement, type WeightsDraft } from './weights';

/** Training settings as written, before defaults that depend on the data (batch) are applied. */
export interface TrainDraft {
  epochs: number;
  batch: number | null;
  batchRange: SourceRange | null;
  accumulate: number;
  optimizer: OptimizerConfig;
  optimizerLine: number;
  schedule: ScheduleConfig;
  warmupSteps: number;
  clip: ClipSpec | null;
  clipLine: number;
  seed: number;
  validation: number;
  validationRange: SourceRange | null;
  shuffle: boolean;
  /** The `weights "FILE.npz"` line, loaded once the layers are known (weights.ts). */
  weights: WeightsDraft | null;
}

/** Settings the `train` block accepts. */
export const TRAIN_SETTINGS = [
  'epochs',
  'batch',
  'accumulate',
  'optimizer',
  'schedule',
  'warmup',
  'clip',
  'seed',
  'validation',
  'shuffle',
  'weights',
] as const;

/** Defaults for every setting. */
export function defaultTrain(): TrainDraft {
  return {
    epochs: 100,
    batch: null,
    batchRange: null,
    accumulate: 1,
    optimizer: OPTIMIZER_DEFAULTS.sgd,
    optimizerLine: -1,
    schedule: { kind: 'constant' },
    warmupSteps: 0,
    clip: null,
    clipLine: -1,
    seed: 0,
    validation: 0,
    validationRange: null,
    shuffle: true,
    weights: null,
  };
}

/** The schedule part of a draft. */
export function scheduleOf(d: TrainDraft): LrSchedule {
  return d.schedule.kind === 'constant' && d.warmupSteps === 0
    ? CONSTANT_LR
    : { schedule: d.schedule, warmupSteps: d.warmupSteps };
}

const OPTIMIZER_PARAMS: Record<
  OptimizerKind,
  Record<string, { min?: number; max?: number; minExclusive?: boolean }>
> = {
  sgd: { lr: { min: 0, minExclusive: true }, weight_decay: { min: 0 } },
  momentum: { lr: { min: 0, minExclusive: true }, momentum: { min: 0, max: 1 }, weight_decay: { min: 0 } },
  rmsprop: {
    lr: { min: 0, minExclusive: true },
    alpha: { min: 0, max: 1 },
    eps: { min: 0, minExclusive: true },
    weight_decay: { min: 0 },
  },
  adam: {
    lr: { min: 0, minExclusive: true },
    beta1: { min: 0, max: 0.999999 },
    beta2: { min: 0, max: 0.999999999 },
    eps: { min: 0, minExclusive: true },
    weight_decay: { min: 0 },
  },
  adamw: {
    lr: { min: 0, minExclusive: true },
    beta1: { min: 0, max: 0.999999 },
    beta2: { min: 0, max: 0.999999999 },
    eps: { min: 0, minExclusive: true },
    weight_decay: { min: 0 },
  },
};

/** Parses one statement of the train block into `d`; `once` reports repeats of a setting. */
export function trainStatement(ctx: ParseContext, line: Line, d: TrainDraft, once: (key: string) => boolean): void {
  const [head, a1, a2] = line.toks;
  const positive = (t: typeof a1, what: string, max: number): number | null => {
    const v = t ? parseInteger(t.text) : null;
    if (!t || v === null || v < 1) {
      ctx.error(t ? at(line, t) : line.whole, `expected ${what}, a positive integer`);
      return null;
    }
    if (v > max) {
      ctx.error(at(line, t), `${what} ${v} is larger than the limit of ${max}`);
      return null;
    }
    return v;
  };
  if (!(TRAIN_SETTINGS as readonly string[]).includes(head.text)) {
    ctx.error(at(line, head), `unknown training setting '${head.text}'; expected ${TRAIN_SETTINGS.join(', ')}`);
    return;
  }
  if (!once(head.text)) return;
  switch (head.text) {
    case 'epochs': {
      const v = positive(a1, 'the number of epochs', LIMITS.maxEpochs);
      if (v !== null) d.epochs = v;
      ctx.extra(line, 2);
      return;
    }
    case 'batch': {
      const v = positive(a1, 'the batch size', LIMITS.maxSamples);
      if (v !== null) {
        d.batch = v;
        d.batchRange = line.whole;
      }
      ctx.extra(line, 2);
      return;
    }
    case 'accumulate': {
      const v = positive(a1, 'the number of micro-batches to accumulate', 1024);
      if (v !== null) d.accumulate = v;
      ctx.extra(line, 2);
      return;
    }
    case 'warmup': {
      const v = positive(a1, 'the number of warm-up steps', LIMITS.maxEpochs);
      if (v !== null) d.warmupSteps = v;
      ctx.extra(line, 2);
      return;
    }
    case 'seed': {
      const v = a1 ? parseInteger(a1.text) : null;
      if (v === null || v > 0xffffffff)
        ctx.error(a1 ? at(line, a1) : line.whole, 'expected a seed, an integer from 0 to 4294967295');
      else d.seed = v;
      ctx.extra(line, 2);
      return;
    }
    case 'validation': {
      const v = a1 ? parseNumber(a1.text) : null;
      if (v === null || v < 0 || v >= 1)
        ctx.error(
          a1 ? at(line, a1) : line.whole,
          "expected the fraction held out for validation, 0 ≤ f < 1, e.g. 'validation 0.2'",
        );
      else {
        d.validation = v;
        d.validationRange = line.whole;
      }
      ctx.extra(line, 2);
      return;
    }
    case 'weights':
      d.weights = weightsStatement(ctx, line);
      return;
    case 'shuffle':
      if (a1?.text !== 'on' && a1?.text !== 'off')
        ctx.error(a1 ? at(line, a1) : line.whole, "expected 'shuffle on' or 'shuffle off'");
      else d.shuffle = a1.text === 'on';
      ctx.extra(line, 2);
      return;
    case 'clip': {
      const v = a2 ? parseNumber(a2.text) : null;
      if (a1?.text !== 'norm' && a1?.text !== 'value')
        ctx.error(a1 ? at(line, a1) : line.whole, "expected 'clip norm MAX' or 'clip value MAX', e.g. 'clip norm 1.0'");
      else if (v === null || v <= 0) ctx.error(a2 ? at(line, a2) : line.whole, 'expected a positive maximum');
      else {
        d.clip = { kind: a1.text, max: v };
        d.clipLine = line.ln;
      }
      ctx.extra(line, 3);
      return;
    }
    case 'optimizer': {
      const kind = a1?.text as OptimizerKind | undefined;
      const names = Object.keys(OPTIMIZER_PARAMS);
      if (!kind || !Object.prototype.hasOwnProperty.call(OPTIMIZER_PARAMS, kind)) {
        ctx.error(a1 ? at(line, a1) : line.whole, `expected an optimizer after 'optimizer': ${names.join(', ')}`);
        return;
      }
      const rest = line.toks.slice(2);
      const nesterov = kind === 'momentum' && rest.some((t) => t.text === 'nesterov');
      const o = readOptions(
        ctx,
        line,
        rest.filter((t) => !(kind === 'momentum' && t.text === 'nesterov')),
        OPTIMIZER_PARAMS[kind],
        kind,
      );
      d.optimizerLine = line.ln;
      if (!o) return;
      const { weight_decay: weightDecay, ...others } = o;
      d.optimizer = {
        ...OPTIMIZER_DEFAULTS[kind],
        ...others,
        ...(weightDecay !== undefined ? { weightDecay } : {}),
        ...(kind === 'momentum' ? { nesterov } : {}),
      } as OptimizerConfig;
      return;
    }
    case 'schedule': {
      const kind = a1?.text;
      const rest = line.toks.slice(2);
      if (kind === 'constant') {
        d.schedule = { kind };
        ctx.extra(line, 2);
        return;
      }
      if (kind === 'step') {
        const o = readOptions(
          ctx,
          line,
          rest,
          { every: { min: 1, integer: true }, gamma: { min: 0, minExclusive: true, max: 1 } },
          'step schedule',
        );
        if (o && o.every !== undefined) d.schedule = { kind, every: o.every, gamma: o.gamma ?? 0.1 };
        else if (o)
          ctx.error(line.whole, "write 'schedule step every=N gamma=G', e.g. 'schedule step every=100 gamma=0.5'");
        return;
      }
      if (kind === 'exponential') {
        const o = readOptions(
          ctx,
          line,
          rest,
          { gamma: { min: 0, minExclusive: true, max: 1 } },
          'exponential schedule',
        );
        if (o && o.gamma !== undefined) d.schedule = { kind, gamma: o.gamma };
        else if (o)
          ctx.error(line.whole, "write 'schedule exponential gamma=G', e.g. 'schedule exponential gamma=0.999'");
        return;
      }
      if (kind === 'cosine') {
        const o = readOptions(ctx, line, rest, { min_lr: { min: 0 } }, 'cosine schedule');
        if (o) d.schedule = { kind, minLr: o.min_lr ?? 0 };
        return;
      }
      ctx.error(
        a1 ? at(line, a1) : line.whole,
        'expected a schedule: constant, step every=N gamma=G, exponential gamma=G, cosine [min_lr=X]',
      );
      return;
    }
  }
}
