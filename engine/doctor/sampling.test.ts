// The steps whose update the doctor measures: bursts of `unchangedSteps` steps every `updateSamplePeriod` steps
// (step % period < burst), also after the thresholds change mid-run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import { updateRatioRule } from './rules/updates';
import { doctoredStep } from './run';
import { net } from './testing';

test('measured steps: step % period < burst, before and after the period and burst change mid-run', () => {
  const { spec } = parseNnet(net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 100\n  batch 8\n  seed 1'));
  assert.ok(spec);
  const t = new Trainer(spec),
    measured: number[] = [];
  // Every measured step hits (any ratio is above a bound of 0): the hits are the measured steps.
  const d = new Doctor(t, {
    rules: [updateRatioRule()],
    thresholds: { updateRatioHigh: 0, updateSamplePeriod: 10, unchangedSteps: 3 },
    onHit: (_, h) => measured.push(h.step),
  });
  for (const whole of [true, false])
    for (let i = 0; i < 60; i++) {
      if (t.step === 31) d.setThresholds({ updateSamplePeriod: 7, unchangedSteps: 2 });
      if (t.step === 92) d.setThresholds({ updateSamplePeriod: 4, unchangedSteps: 1 });
      doctoredStep(d, whole);
    }
  t.dispose();
  const want = Array.from({ length: 120 }, (_, s) => s).filter((s) =>
    s < 31 ? s % 10 < 3 : s < 92 ? s % 7 < 2 : s % 4 < 1,
  );
  assert.deepEqual(measured, want);
});
