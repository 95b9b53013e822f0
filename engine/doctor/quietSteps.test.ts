// Doctor.takeQuietSteps: quiet steps taken a run at a time leave what taking each by takeStep leaves — the same
// steps counted, the same rows recorded, the same findings, and on a network that overflows the same error at the
// same step with the steps before it counted — on every example and overflowing network, in runs of every length.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import { NonFiniteError, Trainer } from '../runtime/trainer';
import { examplesAndOverflows, REPO_ROOT } from '../../test/fixtures';
import { Doctor } from './doctor';
import { DEFAULT_THRESHOLDS } from './thresholds';

/** Every tally a finding: a difference in any count shows. */
const EVERY_TALLY = { ...DEFAULT_THRESHOLDS, persistence: 0 };

interface Ended {
  readonly steps: number;
  /** Every row the series held at each flush, in order. */
  readonly rows: number[];
  readonly failedAt: number;
  readonly findings: unknown;
}

/** Trains `text` to its end (or its NaN) with a doctor, taking quiet steps up to `max` at a time (0: by takeStep). */
function train(file: string, max: (k: number) => number, limit = 3000): Ended & { quietTaken: number } {
  const full = path.join(REPO_ROOT, file),
    text = readFileSync(full, 'utf8');
  const { spec } = parseNnet(text, { readFile: nodeReadFile(full, path.dirname(full)) });
  assert.ok(spec, file);
  const t = new Trainer(spec);
  const d = new Doctor(t, { source: text, thresholds: EVERY_TALLY, batchSteps: 64 });
  const series = (d as unknown as { series: { rows: Float64Array; length: number; stride: number } }).series;
  const rows: number[] = [];
  // The rows each batch handed to the rules, read as the doctor flushes them.
  const flush = d.flush.bind(d);
  d.flush = () => {
    rows.push(...series.rows.subarray(0, series.length * series.stride));
    flush();
  };
  let failedAt = -1,
    quietTaken = 0,
    k = 0;
  try {
    while (d.steps < limit) {
      const m = max(k++);
      const n = m > 0 ? d.takeQuietSteps(Math.min(m, limit - d.steps)) : 0;
      quietTaken += n;
      if (n === 0 && !d.takeStep()) break;
    }
  } catch (e) {
    if (!(e instanceof NonFiniteError)) throw e;
    failedAt = t.step;
    d.observeError(e);
  }
  const findings = d.findings();
  t.dispose();
  return { steps: d.steps, rows, failedAt, findings, quietTaken };
}

test('quiet steps taken a run at a time leave the steps, rows and findings of takeStep at each', () => {
  let quiet = 0,
    failed = 0,
    compared = 0;
  for (const file of examplesAndOverflows()) {
    const each = train(file, () => 0);
    assert.equal(each.quietTaken, 0);
    // Runs of 1, of up to 7 and of as many as there are, mixed with takeStep between them.
    for (const max of [() => 1, (k: number) => 1 + (k % 7), (k: number) => (k % 3 === 2 ? 0 : 1e9)]) {
      const runs = train(file, max);
      assert.deepEqual(
        { steps: runs.steps, failedAt: runs.failedAt, findings: runs.findings },
        { steps: each.steps, failedAt: each.failedAt, findings: each.findings },
        file,
      );
      assert.ok(runs.rows.length > 0 || each.rows.length === 0, file);
      assert.deepEqual(runs.rows, each.rows, `${file}: the rows the rules read`);
      quiet += runs.quietTaken;
      compared++;
    }
    if (each.failedAt >= 0) failed++;
  }
  assert.ok(compared > 30, `${compared} runs compared`);
  // Most steps of most examples are quiet: the runs compared are mostly quiet steps taken a run at a time.
  assert.ok(quiet > 20000, `${quiet} quiet steps taken a run at a time`);
  assert.ok(failed >= 3, `${failed} runs ended by a NaN`);
});
