// Built-in datasets (xor, spiral, circles, moons, blobs, sine), drawn from the engine's seeded PRNG so a seed
// reproduces the data bit for bit. Classification targets are class indices; the checker one-hots them for softmax.

import { Prng } from '../nn/prng';

/** A parameter of a generator, with its default and allowed range. */
export interface GeneratorParam {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly doc: string;
}

/** What a generator makes, for the checker, hover and completion. */
export interface GeneratorInfo {
  readonly doc: string;
  /** Input width of every sample. */
  readonly inputs: number;
  /** 'classes' when the target is a class index, 'regression' when it is a real number. */
  readonly task: 'classes' | 'regression';
  readonly params: Readonly<Record<string, GeneratorParam>>;
}

const n = (def: number): GeneratorParam => ({
  default: def,
  min: 1,
  max: 100_000,
  integer: true,
  doc: 'number of samples',
});
const noise = (def: number): GeneratorParam => ({
  default: def,
  min: 0,
  max: 10,
  integer: false,
  doc: 'standard deviation of the Gaussian noise added to each input (to the target for sine)',
});
const seed: GeneratorParam = {
  default: 0,
  min: 0,
  max: 0xffffffff,
  integer: true,
  doc: 'seed of the data (independent of the training seed)',
};
const classes = (def: number): GeneratorParam => ({
  default: def,
  min: 2,
  max: 10,
  integer: true,
  doc: 'number of classes',
});

/** Every built-in dataset. */
export const GENERATORS: Readonly<Record<string, GeneratorInfo>> = {
  xor: {
    doc: 'Points uniform in the square [-1, 1]²; class 1 where x·y < 0 (opposite quadrants), else 0. Not linearly separable.',
    inputs: 2,
    task: 'classes',
    params: { n: n(200), noise: noise(0), seed },
  },
  spiral: {
    doc: 'k interleaved spiral arms (the CS231n spiral), one class per arm; needs a hidden layer and a softmax output.',
    inputs: 2,
    task: 'classes',
    params: { n: n(300), classes: classes(3), noise: noise(0.2), seed },
  },
  circles: {
    doc: 'A circle of radius 0.5 (class 1) inside a circle of radius 1 (class 0).',
    inputs: 2,
    task: 'classes',
    params: { n: n(200), noise: noise(0.05), seed },
  },
  moons: {
    doc: 'Two interleaving half circles (scikit-learn make_moons): class 0 on the upper moon, 1 on the lower.',
    inputs: 2,
    task: 'classes',
    params: { n: n(200), noise: noise(0.1), seed },
  },
  blobs: {
    doc: 'k Gaussian clusters with centres evenly spaced on a circle of radius 2; noise is the cluster spread.',
    inputs: 2,
    task: 'classes',
    params: { n: n(200), classes: classes(3), noise: noise(0.5), seed },
  },
  sine: {
    doc: 'Regression: x uniform in [-π, π], y = sin(x) + noise.',
    inputs: 1,
    task: 'regression',
    params: { n: n(200), noise: noise(0.05), seed },
  },
};

/** Names of the built-in datasets. */
export const GENERATOR_NAMES = Object.keys(GENERATORS);

/** Generated samples: x [n][inputs], y [n][1] (a class index or a real target). */
export interface Generated {
  readonly x: number[][];
  readonly y: number[][];
}

/** The datasets drawn last, by name and parameters (least recently used first). */
const recent = new Map<string, Generated>();
/** How many drawn datasets are kept: the editor parses a file on every edit, and 100,000 samples take ~0.15 s. */
const RECENT_DATASETS = 2;

/**
 * Makes a dataset; `params` must already be validated against {@link GENERATORS} (missing ones take defaults). The
 * same name and parameters give the same samples (they are seeded), so the last few datasets are kept and shared:
 * callers must not modify them.
 */
export function generate(name: string, params: Readonly<Record<string, number>>): Generated {
  const key = JSON.stringify([name, Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
  const kept = recent.get(key);
  recent.delete(key);
  const g = kept ?? draw(name, params);
  recent.set(key, g);
  if (recent.size > RECENT_DATASETS) recent.delete(recent.keys().next().value!);
  return g;
}

function draw(name: string, params: Readonly<Record<string, number>>): Generated {
  const info = GENERATORS[name];
  const p = (k: string) => params[k] ?? info.params[k].default;
  const count = p('n'),
    sd = p('noise'),
    k = info.params.classes ? p('classes') : 2;
  const rng = new Prng(p('seed'));
  const x: number[][] = [],
    y: number[][] = [];
  const jitter = () => sd * rng.normal();
  for (let i = 0; i < count; i++) {
    // Classes take turns, so every class has n/k samples (±1) whatever n is.
    const c = i % k;
    switch (name) {
      case 'xor': {
        const a = rng.uniform(-1, 1),
          b = rng.uniform(-1, 1);
        x.push([a + jitter(), b + jitter()]);
        y.push([a * b < 0 ? 1 : 0]);
        break;
      }
      case 'spiral': {
        const r = (Math.floor(i / k) + 0.5) / Math.ceil(count / k);
        const t = c * ((2 * Math.PI) / k) + 4 * r + jitter();
        x.push([r * Math.sin(t), r * Math.cos(t)]);
        y.push([c]);
        break;
      }
      case 'circles': {
        const t = rng.uniform(0, 2 * Math.PI),
          r = c === 1 ? 0.5 : 1;
        x.push([r * Math.cos(t) + jitter(), r * Math.sin(t) + jitter()]);
        y.push([c]);
        break;
      }
      case 'moons': {
        const t = rng.uniform(0, Math.PI);
        const p0 = c === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
        x.push([p0[0] + jitter(), p0[1] + jitter()]);
        y.push([c]);
        break;
      }
      case 'blobs': {
        const a = (2 * Math.PI * c) / k;
        x.push([2 * Math.cos(a) + jitter(), 2 * Math.sin(a) + jitter()]);
        y.push([c]);
        break;
      }
      default: {
        // sine
        const v = rng.uniform(-Math.PI, Math.PI);
        x.push([v]);
        y.push([Math.sin(v) + jitter()]);
      }
    }
  }
  return { x, y };
}
