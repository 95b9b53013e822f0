// `nnet doctor`'s run in whole steps (the doctor observing each one at once) and event by event: the same tallies on
// every example and on networks that overflow at each place a step can (forward, backward, update).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { examplesAndOverflows, REPO_ROOT } from '../../test/fixtures';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { diagnoseRun } from './run';

const ROOT = REPO_ROOT;
const FILES = examplesAndOverflows();

/** Steps taken whole (Trainer.advanceStep), which the doctor observes whole: before and after the update, or after it. */
let observedWhole = 0;
const advanceStep = Trainer.prototype.advanceStep;
Trainer.prototype.advanceStep = function (this: Trainer, beforeUpdate?: () => void) {
  observedWhole++;
  return advanceStep.call(this, beforeUpdate);
};

/**
 * Every tally a finding (persistence 0), and every window of the dead-ReLU and saturation counts reported (shares
 * above −1): a step's forward pass observed or not shows in their numbers.
 */
const EVERY_CHECK = { persistence: 0, deadReluShare: -1, saturatedShare: -1 };

/** The file's text; the overflowing networks also with ReLU and tanh units, whose forward hooks count the failed step. */
const texts = (file: string): string[] => {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  if (!file.includes('overflow')) return [text];
  return [text, ...['relu', 'tanh'].map((a) => text.replace('dense h1 4 identity', `dense h1 4 ${a}`))];
};

test('every example and overflowing network: the same tallies in whole steps as event by event', () => {
  let tallies = 0,
    nan = 0;
  for (const file of FILES)
    for (const text of texts(file)) {
      const { spec } = parseNnet(text, { readFile: nodeReadFile(path.join(ROOT, file)) });
      assert.ok(spec, file);
      // At most 400 steps of each.
      const options = { source: text, steps: 400, thresholds: EVERY_CHECK };
      const before = observedWhole;
      const events = diagnoseRun(spec, { ...options, wholeSteps: false });
      assert.equal(observedWhole, before, `${file}: no whole step`);
      const whole = diagnoseRun(spec, options);
      assert.deepEqual(whole, events, file);
      assert.ok(observedWhole > before || spec.layers.some((l) => l.kind !== 'dense'), `${file}: whole steps taken`);
      tallies += events.findings.length;
      nan += events.findings.filter((f) => f.rule === 'nan').length;
    }
  assert.ok(tallies > 40, `${tallies} tallies compared`);
  assert.ok(nan >= 5, `${nan} runs ended by a non-finite value`);
});
