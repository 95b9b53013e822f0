// The series rules looked at in batches of recorded steps (deferred) against each step at its own event: the same
// hits (rule, step, numbers) and the same findings on every example and overflowing network, with batches that do
// not divide the run, findings read mid-run and mid-step, thresholds changed mid-run and deferral switched off.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { examplesAndOverflows, REPO_ROOT } from '../../test/fixtures';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import type { NetworkSpec } from '../language/spec';
import { NonFiniteError, Trainer } from '../runtime/trainer';
import { Doctor } from './doctor';
import { doctoredStep } from './run';
import type { Finding } from './types';

const ROOT = REPO_ROOT;
const FILES = examplesAndOverflows();

/** Every tally a finding, every window's shares reported: each hit shows. */
const EVERY_CHECK = { persistence: 0, deadReluShare: -1, saturatedShare: -1 };

const row = (f: Finding) =>
  `${f.rule} ${f.line}:${f.column} ${f.layer} ${f.firstStep}-${f.lastStep} x${f.count} at ${f.evidence.steps.join(',')} ${f.evidence.measured} ${f.evidence.threshold} ${f.message}`;

interface Script {
  /** Steps to train (fewer when the run ends or fails first). */
  readonly steps: number;
  /** Steps after which findings are read; after which the thresholds change; after which deferral is switched off. */
  readonly readAt?: number;
  readonly thresholdsAt?: number;
  readonly undeferAt?: number;
  /** Whole steps (the doctor observing each at once) or event by event. */
  readonly whole: boolean;
  /** Events into a step after which findings are read (mid-step: between its clip and update when it is a step's last but one). */
  readonly midStep?: number;
}

/** Every hit told (sorted: deferred ones come later), and the findings read along the way and at the end. */
function run(spec: NetworkSpec, source: string, script: Script, deferred: boolean, batchSteps: number): string[] {
  const t = new Trainer(spec);
  const hits: string[] = [];
  const d = new Doctor(t, {
    source,
    thresholds: EVERY_CHECK,
    deferred,
    batchSteps,
    onHit: (rule, h) => hits.push(`${rule} ${h.step} ${h.measured} ${h.excess} ${h.anchor.kind} ${h.variant ?? ''}`),
  });
  const out: string[] = [];
  try {
    while (t.step < script.steps) {
      if (t.step === script.readAt) out.push('read', ...d.findings().map(row));
      if (t.step === script.thresholdsAt) d.setThresholds({ window: 7, explodingNorm: 1, vanishingRatio: 0.5 });
      if (t.step === script.undeferAt) d.setDeferred(false);
      if (t.step === script.midStep) {
        // Up to the clip event of this step, event by event, then findings: the open step's clip numbers are looked at.
        for (let ev = t.advance(); ev; ev = t.advance()) {
          d.observe(ev);
          if (ev.phase === 'clip') break;
        }
        out.push('mid', ...d.findings().map(row));
      }
      if (!doctoredStep(d, script.whole)) break;
    }
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw e;
    d.observeError(e);
  } finally {
    t.dispose();
  }
  out.push('end', ...d.findings().map(row));
  return [...out, 'hits', ...hits.sort()];
}

const SCRIPTS: readonly Script[] = [
  { steps: 300, whole: true },
  { steps: 300, whole: false },
  { steps: 250, whole: true, readAt: 61, thresholdsAt: 130, undeferAt: 200 },
  // Mid-step at a window's last step, where the loss rules report on the update to come.
  { steps: 120, whole: true, midStep: 19 },
];

test('every example and overflowing network: the same hits and findings deferred in batches as at each event', () => {
  let compared = 0;
  for (const file of FILES) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const { spec } = parseNnet(text, { readFile: nodeReadFile(path.join(ROOT, file)) });
    assert.ok(spec, file);
    for (const script of SCRIPTS) {
      const want = run(spec, text, script, false, 1);
      // Batches of 7 and 64 steps: neither divides the run; 1: every step its own batch.
      for (const batch of [7, 64, 1]) {
        const got = run(spec, text, script, true, batch);
        assert.deepEqual(got, want, `${file}, ${JSON.stringify(script)}, batches of ${batch}`);
      }
      compared += want.length;
    }
  }
  assert.ok(compared > 2000, `${compared} rows compared`);
});
