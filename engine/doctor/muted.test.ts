// A doctor whose hits nobody hears (Doctor.muteHits, a debug session without a doctor filter) folds a hit that only
// adds to its tally's counts without building it, and ends with the same findings.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import { Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import { doctoredStep } from './run';
import { Tallies } from './tallies';
import { net } from './testing';

/** The hits recorded (built and folded) by every Tallies of this process. */
let recorded = 0;
const record = Tallies.prototype.record;
Tallies.prototype.record = function (this: Tallies, ...args: Parameters<Tallies['record']>) {
  recorded++;
  return record.apply(this, args);
};

test('muted, update-ratio hitting at every measured step builds few hits, with the same findings', () => {
  const text = net('  dense h 4 tanh\n  dense out 1 sigmoid', '  epochs 100\n  batch 8\n  seed 1');
  const { spec } = parseNnet(text);
  assert.ok(spec);
  const run = (muted: boolean) => {
    const t = new Trainer(spec),
      heard: string[] = [];
    // Every measured update hits (any ratio is above a bound of 0), the excess up and down; 40 bursts in 400 steps.
    const d = new Doctor(t, {
      source: text,
      thresholds: { updateRatioHigh: 0, persistence: 0, updateSamplePeriod: 10 },
      onHit: (rule) => heard.push(rule),
      deferred: true,
    });
    d.muteHits(muted);
    const before = recorded;
    for (let i = 0; i < 400; i++) doctoredStep(d);
    t.dispose();
    return { findings: d.findings(), recorded: recorded - before, heard };
  };
  const muted = run(true),
    heard = run(false);
  assert.deepEqual(muted.findings, heard.findings);
  const ratio = heard.findings.find((f) => f.rule === 'update-ratio');
  assert.ok(ratio && ratio.count >= 30, `${ratio?.count} update-ratio hits`);
  assert.deepEqual(muted.heard, []);
  assert.ok(heard.heard.filter((r) => r === 'update-ratio').length >= 30);
  assert.ok(muted.recorded < heard.recorded - 20, `${muted.recorded} recorded muted, ${heard.recorded} heard`);
});
