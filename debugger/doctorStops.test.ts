// The doctor's exception filters in a debug run: each stops on a network built to trigger its rule, naming the rule,
// the layer and the number, and stays silent on one built not to; replays are not observed twice; thresholds sent
// mid-run apply; the findings come with `finished`, and with `error` when a NaN ends the run.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../engine/data/files';
import { net } from '../engine/doctor/testing';
import { parseNnet } from '../engine/language/parser';
import { Trainer } from '../engine/runtime/trainer';
import { DoctorStops } from './doctorStops';
import { DEFAULT_THRESHOLDS, type DoctorThresholds } from '../engine/doctor/thresholds';
import type { ExceptionFilter, ExceptionFilterId, HostToWorker, WorkerToHost } from './protocol';
import { TrainingRun } from './trainingRun';

type Stopped = Extract<WorkerToHost, { kind: 'stopped' }>;
type End = Extract<WorkerToHost, { kind: 'finished' | 'error' }>;

/** A debug run of `source` with the doctor and `filters`; resolves at the first stop or at the end. */
function debugRun(
  source: string,
  filters: readonly ExceptionFilterId[],
  opts: { thresholds?: DoctorThresholds; onStop?: (m: Stopped, r: TrainingRun) => boolean } = {},
) {
  return new Promise<{ stops: Stopped[]; end: End | null; run: TrainingRun }>((resolve) => {
    const stops: Stopped[] = [];
    const r = new TrainingRun((m) => {
      if (m.kind === 'stopped') {
        stops.push(m);
        // Resolve at the stop unless the test continues from it.
        if (!opts.onStop?.(m, r)) resolve({ stops, end: null, run: r });
      }
      if (m.kind === 'finished' || m.kind === 'error') resolve({ stops, end: m, run: r });
    });
    const start: HostToWorker = {
      kind: 'start',
      source,
      fileName: 'net.nnet',
      debug: true,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: filters.map((id): ExceptionFilter => ({ id, threshold: 0 })),
      historyBytes: 64 << 20,
      doctor: true,
      thresholds: opts.thresholds,
    };
    r.handle(start);
  });
}

const tanh = (init: string) =>
  net(
    `  dense h1 16 tanh init=${init}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );
const hidden = (init: string) =>
  net(
    `  dense h1 4 tanh init=${init}\n  dense out 1 sigmoid init=constant(0.5)`,
    '  epochs 5\n  batch 16\n  optimizer adam lr=0.05\n  seed 7',
  );
const withLr = (opt: string, epochs = 10) =>
  net(
    '  dense h1 8 tanh init=xavier\n  dense out 1 sigmoid',
    `  epochs ${epochs}\n  batch 16\n  optimizer ${opt}\n  seed 1`,
  );
const dying = (bias: string) =>
  net(
    `  dense h1 16 relu init=he bias_init=${bias}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );
const stack = (init: string) =>
  net(
    `  dense first 16 identity init=xavier\n  repeat 6\n    dense h 16 identity init=${init}\n  end\n  dense out 1`,
    '  epochs 1\n  batch 16\n  optimizer sgd lr=0.00001\n  clip norm 1.0',
    { input: 1, loss: 'mse', data: 'generate sine n=32 seed=2' },
  );
const xor = (opt: string) =>
  net('  dense h1 8 tanh init=xavier\n  dense out 1 sigmoid', `  epochs 40\n  batch 16\n  optimizer ${opt}\n  seed 1`);
const line = (lr: number) =>
  net('  dense out 1 identity init=zeros', `  epochs 60\n  batch 5\n  optimizer sgd lr=${lr}\n  shuffle off`, {
    input: 1,
    loss: 'mse',
    data: '\n  -2 -> -2\n  -1 -> -1\n  0 -> 0\n  1 -> 1\n  2 -> 2',
  });
const moons = (layers: string, epochs: number) =>
  net(layers, `  epochs ${epochs}\n  batch 20\n  optimizer adam lr=0.01\n  validation 0.25\n  seed 3`, {
    data: 'generate moons n=80 noise=0.3 seed=6',
  });
/** A linear fit whose second input column spans ±`scale` (off the unit scale from about 10 on) while the first spans ±1. */
const columns = (scale: number) =>
  net('  dense out 1 identity', '  epochs 3\n  batch 4\n  optimizer sgd lr=0.0001\n  seed 1', {
    loss: 'mse',
    data: ['-0.5 -0.8', '0.2 -0.7', '-0.9 -0.2', '0.8 0.6', '0.5 -0.6', '0.1 -0.4', '-0.7 0.9', '0.6 0.6']
      .map((r) => r.split(' ').map(Number))
      .map(([a, b]) => `\n  ${a} ${b * scale} -> ${2 * a + 0.1 * b}`)
      .join(''),
  });

/** Per filter: a network its rule holds on (and what the stop must say), and one it does not. */
const CASES: readonly {
  filter: ExceptionFilterId;
  fires: string;
  says: RegExp;
  layer: string;
  healthy: string;
}[] = [
  {
    filter: 'saturated',
    fires: tanh('normal(20)'),
    says: /^Saturated tanh: \d+% of the outputs of 'h1' .* \[saturated, layer 'h1'\]$/,
    layer: 'h1',
    healthy: tanh('xavier'),
  },
  {
    filter: 'symmetricUnits',
    fires: hidden('zeros'),
    says: /^Symmetric units: 4 of the 4 units of 'h1' .* \[symmetric-units, layer 'h1'\]$/,
    layer: 'h1',
    healthy: hidden('xavier'),
  },
  {
    filter: 'allZero',
    fires: hidden('zeros'),
    says: /^All-zero weights: every entry of h1\.W is 0 \[all-zero, layer 'h1'\]$/,
    layer: 'h1',
    healthy: hidden('xavier'),
  },
  {
    filter: 'updateRatio',
    fires: withLr('adam lr=1', 2),
    says: /^Update too large: ‖ΔW‖\/‖W‖ reaches [\d.]+ per step .* \[update-ratio, optimizer line 12\]$/,
    layer: 'optimizer',
    healthy: withLr('adam lr=0.01'),
  },
  {
    filter: 'unchangedWeights',
    fires: dying('constant(-10)'),
    says: /^Unchanged weights: h1\.W has not changed .* \[unchanged-weights, layer 'h1'\]$/,
    layer: 'h1',
    healthy: dying('zeros'),
  },
  {
    filter: 'poorInit',
    fires: stack('normal(0.4)'),
    says: /^Poor initialization: at step 0, var\(z\) of 'h_\d' is [\d.]+ × .* \[poor-init, layer 'h_\d'\]$/,
    layer: 'h_3',
    healthy: stack('xavier'),
  },
  {
    filter: 'lossNotDecreasing',
    fires: xor('sgd lr=0.0000001'),
    says: /^Loss not decreasing: the mean loss of steps .* \[loss-not-decreasing, loss line 5\]$/,
    layer: 'loss',
    healthy: xor('adam lr=0.05'),
  },
  {
    filter: 'lossSpike',
    fires: line(0.6),
    says: /^Loss spike: .* × the 10 steps before .* \[loss-spike, optimizer line 16\]$/,
    layer: 'optimizer',
    healthy: line(0.1),
  },
  {
    filter: 'overfitting',
    fires: moons('  dense h1 64 relu init=he\n  dense h2 64 relu init=he\n  dense out 1 sigmoid', 200),
    says: /^Overfitting: the validation loss .* \[overfitting, data line 8\]$/,
    layer: 'data',
    healthy: moons('  dense out 1 sigmoid', 100),
  },
  {
    filter: 'unscaledInputs',
    fires: columns(20),
    says: /^Unscaled inputs: input column 'x2' \(mean [-\d.e]+, std 1[\d.]+\) is off the unit scale .* \[unscaled-inputs, data line 6\]$/,
    layer: 'data',
    healthy: columns(1),
  },
];

for (const c of CASES) {
  test(`the ${c.filter} filter stops where its rule holds, naming it, the layer and the number`, async () => {
    const { stops } = await debugRun(c.fires, [c.filter]);
    assert.equal(stops.length, 1, 'stopped');
    const s = stops[0];
    assert.equal(s.reason, 'exception');
    assert.equal(s.exception?.filter, c.filter);
    assert.match(s.exception!.description, c.says);
    assert.equal(s.location.layerName, c.layer);
  });

  test(`the ${c.filter} filter stays silent on a network built not to trigger it`, async () => {
    const { stops, end } = await debugRun(c.healthy, [c.filter]);
    assert.deepEqual(
      stops.map((s) => s.exception?.description),
      [],
    );
    assert.equal(end?.kind, 'finished');
  });
}

test('a disabled doctor filter does not stop, and its rule still ends up among the findings', async () => {
  const { stops, end } = await debugRun(hidden('zeros'), []);
  assert.equal(stops.length, 0);
  assert.ok(end?.kind === 'finished' && end.findings?.some((f) => f.rule === 'symmetric-units'));
});

test('a threshold in the filter condition (sent as the doctor thresholds) decides: saturatedShare 1 never holds', async () => {
  const { stops } = await debugRun(tanh('normal(20)'), ['saturated'], {
    thresholds: { ...DEFAULT_THRESHOLDS, saturatedShare: 1 },
  });
  assert.equal(stops.length, 0);
});

test('thresholds sent mid-run apply to the next check: after the first spike stop, a factor of 1e9 lets the run end', async () => {
  const { stops, end } = await debugRun(line(0.6), ['lossSpike'], {
    onStop: (_m, r) => {
      r.handle({
        kind: 'setExceptionFilters',
        filters: [{ id: 'lossSpike', threshold: 1e9 }],
        thresholds: { ...DEFAULT_THRESHOLDS, lossSpikeFactor: 1e9 },
      });
      r.handle({ kind: 'continue' });
      return true;
    },
  });
  assert.equal(stops.length, 1);
  assert.equal(end?.kind, 'finished');
});

test('Step Back then Continue replays the stop event without observing it again: the next stop is a later step', async () => {
  let backs = 0;
  // Every step measured (a period of 1: bursts touch), so that the next measured step is the next step.
  const { stops } = await debugRun(withLr('adam lr=1', 2), ['updateRatio'], {
    thresholds: { ...DEFAULT_THRESHOLDS, updateSamplePeriod: 1 },
    onStop: (m, r) => {
      if (m.reason === 'exception' && backs === 0) {
        backs++;
        r.handle({ kind: 'step', step: 'back' });
        return true;
      }
      if (m.reason === 'step') {
        r.handle({ kind: 'continue' });
        return true;
      }
      return false;
    },
  });
  assert.deepEqual(
    stops.map((s) => [s.reason, s.location.phase]),
    [
      ['exception', 'update'],
      ['step', 'clip'],
      ['exception', 'update'],
    ],
  );
  // Without the watermark the replayed update would be measured again and stop at the same step.
  assert.ok(
    stops[2].location.step > stops[0].location.step,
    `${stops[0].location.step} then ${stops[2].location.step}`,
  );
});

const overflow = fs.readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'overflow.nnet'), 'utf8');

test('a Train run that a NaN ends sends its nan finding with the error', async () => {
  const end = await new Promise<End>((resolve) => {
    const r = new TrainingRun((m) => {
      if (m.kind === 'finished' || m.kind === 'error') resolve(m);
    });
    r.handle({
      kind: 'start',
      source: overflow,
      fileName: 'net.nnet',
      debug: false,
      stopOnEntry: false,
      breakpoints: [],
      exceptionFilters: [],
      historyBytes: 0,
      doctor: true,
    });
  });
  assert.equal(end.kind, 'error');
  const nan = end.findings?.find((f) => f.rule === 'nan');
  assert.ok(nan, JSON.stringify(end));
  assert.match(nan.message, /non-finite value/);
});

test('a debug run stopped on NaN, then continued, ends with the nan finding naming the origin sub-step', async () => {
  const { end } = await debugRun(overflow, ['nan'], {
    onStop: (m, r) => {
      if (m.reason !== 'exception') return false;
      r.handle({ kind: 'continue' });
      return true;
    },
  });
  assert.equal(end?.kind, 'error');
  const nan = end.findings?.find((f) => f.rule === 'nan');
  assert.ok(nan, JSON.stringify(end));
  assert.match(nan.message, /Inf first in z of h1 \(forward, sub-step 1\/2: z = x·Wᵀ \+ b\) at step 2/);
  assert.equal(nan.layer, 'h1');
});

test('a doctor filter enabled mid-run stops at its first hit after that, not at the hits before it (deferred then)', () => {
  // batch-1.nnet: loss-not-decreasing holds on windows ending at steps 19, 29, 49, … (examplesPinned.test.ts).
  const file = path.join(__dirname, '..', 'examples', 'batch-1.nnet'),
    text = fs.readFileSync(file, 'utf8');
  const { spec } = parseNnet(text, { readFile: nodeReadFile(file) });
  assert.ok(spec);
  const filter: ExceptionFilter = { id: 'lossNotDecreasing', threshold: 0 };
  /** The first stop at or after step `from`, with the filter enabled from the start or only from `from` on. */
  const firstStop = (from: number, early: boolean) => {
    const t = new Trainer(spec),
      d = new DoctorStops(t, text);
    d.setFilters(early ? [filter] : []);
    try {
      for (let ev = t.advance(); ev; ev = t.advance()) {
        if (!early && t.step === from && t.atStepStart) d.setFilters([filter]);
        const hit = d.observe(ev);
        if (hit && t.step >= from) return `${t.eventIndex} ${ev.phase} ${hit.description}`;
      }
      return 'none';
    } finally {
      t.dispose();
    }
  };
  for (const from of [30, 50]) {
    const want = firstStop(from, true);
    assert.notEqual(want, 'none');
    assert.equal(firstStop(from, false), want, `enabled at step ${from}`);
  }
});

test('canTakeWhole follows the hooks: steps of several micro-batches are taken whole once no forward hook is left', () => {
  // accumulate.nnet: 4 micro-batches a step, so whole steps wait for the saturation rule's forward hooks to leave
  // (after its window); events observed one by one tell the run loop from then on.
  const source = fs.readFileSync(path.join(__dirname, '..', 'examples', 'accumulate.nnet'), 'utf8');
  const t = new Trainer(parseNnet(source).spec!),
    d = new DoctorStops(t, source);
  const whole: boolean[] = [];
  for (let ev = t.advance(); ev && t.step < 20; ev = t.advance()) {
    d.observe(ev);
    if (t.atStepStart) whole.push(d.canTakeWhole);
  }
  assert.equal(whole[0], false);
  assert.equal(whole.at(-1), true);
  assert.ok(whole.indexOf(true) > 0 && whole.indexOf(true) <= DEFAULT_THRESHOLDS.window + 1);
});
