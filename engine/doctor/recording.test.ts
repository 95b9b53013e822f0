// What the doctor records per step, against the plain way of recording it: a step recorded in one call
// (StepSeries.recordStep; two micro-batches a step, so that its mean loss is not its last micro-batch's) holds what its
// clip and update events record (recordClip, closeStep), and the update measured over the weight matrices' ranges
// (measureUpdate) is the walk over the model's nodes, bit for bit; the bounds the gradient rules test first
// (StepSeries.normBeforeMax…lastNormMax) are the extremes of the rows recorded since the series was emptied; the rows a
// doctor only counts, where the generated whole steps wrote them (Trainer.recordInto), hold what recording each step
// from the trainer holds, with the same bounds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import { hasWeightMatrix, matrixRanges, measureUpdate } from './measures';
import { GRADS, LOSS, NORM_AFTER, NORM_BEFORE, PREVIOUS_LOSS, STEP, StepSeries } from './series';
import { doctoredStep } from './run';
import { DEFAULT_THRESHOLDS } from './thresholds';
import { UpdateLog } from './updateLog';
import { net } from './testing';

const TEXT = net(
  '  dense h1 5 tanh\n  dense h2 4 relu\n  dense out 1 sigmoid',
  '  epochs 40\n  batch 5\n  accumulate 2\n  optimizer sgd lr=0.5\n  seed 2',
);

function trainer(): Trainer {
  const { spec, diagnostics } = parseNnet(TEXT);
  assert.ok(spec, JSON.stringify(diagnostics));
  return new Trainer(spec);
}

test('a step recorded in one call holds what its clip and update events record', () => {
  const t = trainer(),
    one = new StepSeries(t, 64),
    two = new StepSeries(t, 64);
  for (let s = 0; s < 50; s++) {
    t.advanceStep();
    one.recordStep(t, t.step - 1);
    two.recordClip(t, t.step - 1);
    two.closeStep(t);
    // Each number where the rules read it: the trainer's, as the step left them.
    assert.deepEqual(
      [STEP, LOSS, PREVIOUS_LOSS, NORM_BEFORE, NORM_AFTER].map((f) => one.at(s, f)),
      [t.step - 1, t.loss, t.previousLoss, t.clip.normBefore, t.clip.normAfter],
    );
    assert.deepEqual(
      one.nodes.map((_, j) => [one.gradNorm(s, j), one.meanAbsGrad(s, j)]),
      one.nodes.map((i) => [t.gradNorm[i], t.meanAbsGrad[i]]),
    );
  }
  t.dispose();
  assert.equal(one.length, 50);
  assert.equal(one.open, false);
  assert.equal(one.width, 3);
  // Every number of every row alike.
  assert.deepEqual(one.rows, two.rows);
  // Not all alike: the rows differ from step to step, so a slot written twice or skipped would show.
  assert.notEqual(one.at(0, LOSS), one.at(1, LOSS));
  assert.notEqual(one.gradNorm(0, 0), one.gradNorm(1, 0));
  // Two micro-batches a step: the step's mean loss (previousLoss) is not its last micro-batch's (loss).
  assert.notEqual(one.at(3, PREVIOUS_LOSS), one.at(3, LOSS));
});

test("the update measured over the matrices' ranges is the walk over the model's nodes, bit for bit", () => {
  const t = trainer(),
    nodes = t.model.nodes.flatMap((n, i) => (hasWeightMatrix(n) ? [i] : [])),
    ranges = matrixRanges(t, nodes),
    th = { ...DEFAULT_THRESHOLDS, unchangedRtol: 1e-3, unchangedAtol: 1e-4 },
    w = nodes.length;
  assert.equal(nodes.length, 3);
  let unchangedSeen = 0;
  for (let s = 0; s < 30; s++) {
    const before = t.model.params.slice();
    if (s % 3 === 2) for (let i = 0; i < t.model.params.length; i++) t.model.params[i] = 0; // a layer that cannot move
    t.advanceStep();
    // Measured into the log's second entry, after one already there (which it leaves).
    const log = new UpdateLog(3, nodes);
    log.ratio.fill(-1);
    log.unchanged.fill(7);
    log.length = 1;
    measureUpdate(t.model.params, before, ranges, log, th);
    const got = { ratio: log.ratio.slice(w, 2 * w), unchanged: log.unchanged.slice(w, 2 * w) },
      want = { ratio: new Float64Array(w), unchanged: new Uint8Array(w) };
    assert.deepEqual([...log.ratio.subarray(0, w), ...log.ratio.subarray(2 * w)], Array(2 * w).fill(-1));
    assert.deepEqual([...log.unchanged.subarray(0, w), ...log.unchanged.subarray(2 * w)], Array(2 * w).fill(7));
    // The plain walk: each weight matrix's entries in order, as the doctor measured them before.
    nodes.forEach((i, k) => {
      const n = t.model.nodes[i];
      let d2 = 0,
        w2 = 0,
        same = 1;
      for (let j = n.wOff; j < n.wOff + n.wSize; j++) {
        const b = before[j],
          d = t.model.params[j] - b;
        d2 += d * d;
        w2 += b * b;
        if (Math.abs(d) > th.unchangedAtol + th.unchangedRtol * Math.abs(b)) same = 0;
      }
      want.ratio[k] = Math.sqrt(d2) / Math.sqrt(w2);
      want.unchanged[k] = same;
    });
    assert.deepEqual(got.ratio, want.ratio, `step ${s}`);
    assert.deepEqual(got.unchanged, want.unchanged, `step ${s}`);
    unchangedSeen += got.unchanged.reduce((a, b) => a + b, 0);
  }
  t.dispose();
  // Both answers occur (zeroed weights under relu stay put in places; the others move).
  assert.ok(unchangedSeen < 90, `${unchangedSeen}`);
});

test('the bounds the gradient rules test first are the extremes of the rows recorded since the series was emptied', () => {
  const t = trainer(),
    s = new StepSeries(t, 64),
    last = 2; // the last weighted node (width 3)
  // Every row's numbers the bounds cover, from the rows as recorded (k ≥ from: since the series was emptied).
  const extremes = (from: number) => {
    const rows = Array.from({ length: s.length + (s.open ? 1 : 0) - from }, (_, i) => from + i);
    return {
      normBeforeMax: Math.max(...rows.map((k) => s.at(k, NORM_BEFORE))),
      meanAbsMin: Math.min(...rows.flatMap((k) => s.nodes.map((_, j) => s.meanAbsGrad(k, j)))),
      innerNormMin: Math.min(...rows.flatMap((k) => [0, 1].map((j) => s.gradNorm(k, j)))),
      lastNormMax: Math.max(...rows.map((k) => s.gradNorm(k, last))),
    };
  };
  const bounds = () => ({
    normBeforeMax: s.normBeforeMax,
    meanAbsMin: s.meanAbsMin,
    innerNormMin: s.innerNormMin,
    lastNormMax: s.lastNormMax,
  });
  for (let k = 0; k < 40; k++) {
    t.advanceStep();
    // Both ways of recording a step move them: in one call, and at its clip event (then closed).
    if (k % 2) s.recordStep(t, t.step - 1);
    else {
      s.recordClip(t, t.step - 1);
      assert.deepEqual(bounds(), extremes(0), `open step ${k}`);
      s.closeStep(t);
    }
    assert.deepEqual(bounds(), extremes(0), `step ${k}`);
  }
  // Not one step's numbers: the extremes come from different steps.
  assert.notEqual(s.normBeforeMax, s.at(39, NORM_BEFORE));
  // Emptied once the rules have looked at every row: only the rows recorded after that count.
  s.clipSeen = s.updateSeen = s.length;
  s.compact();
  assert.equal(s.length, 0);
  assert.deepEqual(bounds(), {
    normBeforeMax: -Infinity,
    meanAbsMin: Infinity,
    innerNormMin: Infinity,
    lastNormMax: -Infinity,
  });
  for (let k = 0; k < 5; k++) {
    t.advanceStep();
    s.recordStep(t, t.step - 1);
  }
  assert.deepEqual(bounds(), extremes(0));
  t.dispose();
});

/** A stack of dense layers that the generated steps train (one micro-batch a step), clipped or not. */
function generatedTrainer(clip: boolean): Trainer {
  const { spec, diagnostics } = parseNnet(
    net(
      '  dense h1 4 sigmoid\n  dense h2 3 tanh\n  dense out 1 sigmoid',
      `  epochs 40\n  batch 5\n  optimizer sgd lr=0.5\n  seed 3${clip ? '\n  clip norm 0.05' : ''}`,
    ),
  );
  assert.ok(spec, JSON.stringify(diagnostics));
  return new Trainer(spec);
}

for (const clip of [false, true])
  test(`the rows a doctor counts where generated steps wrote them are the trainer's numbers${clip ? ' (clipped: recorded)' : ''}`, () => {
    const t = generatedTrainer(clip),
      ref = generatedTrainer(clip),
      want = new StepSeries(ref, 128);
    // A series rule alone: nothing is observed before a step's update, and no update is measured.
    const doctor = new Doctor(t, { rules: [{ id: 'exploding', clipSeries() {} }], batchSteps: 128 });
    const series = (doctor as unknown as { series: StepSeries }).series;
    let recorded = 0;
    const recordStep = series.recordStep.bind(series);
    series.recordStep = (tr, step) => {
      recorded++;
      recordStep(tr, step);
    };
    for (let s = 0; s < 100; s++) {
      doctoredStep(doctor);
      ref.advanceStep();
      want.recordStep(ref, ref.step - 1);
    }
    t.dispose();
    ref.dispose();
    assert.equal(series.length, 100);
    // Counted only, not copied, where the generated step wrote the norms too (no clipping); else recorded each time.
    assert.equal(recorded, clip ? 100 : 0);
    for (let k = 0; k < 100; k++) {
      const fields = [
        STEP,
        LOSS,
        NORM_BEFORE,
        NORM_AFTER,
        ...want.nodes.flatMap((_, j) => [GRADS + 2 * j, GRADS + 2 * j + 1]),
      ];
      assert.deepEqual(
        fields.map((f) => series.at(k, f)),
        fields.map((f) => want.at(k, f)),
        `row ${k}`,
      );
      // The step's mean loss where the rules read it: its loss, with one micro-batch.
      assert.equal(series.at(k, series.meanLoss), want.at(k, PREVIOUS_LOSS), `row ${k}`);
    }
    assert.deepEqual(series.bounds, want.bounds);
    assert.notEqual(series.at(0, LOSS), series.at(1, LOSS));
  });
