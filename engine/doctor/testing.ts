// Helpers of the doctor's tests: a .nnet text trained with the doctor watching, and the findings of one rule.

import assert from 'node:assert/strict';
import { parseNnet } from '../language/parser';
import { diagnoseRun } from './run';
import type { Finding, RuleId } from './types';

/** The findings of a run of `text` (which must parse without errors). */
export function diagnoseText(text: string, steps?: number): Finding[] {
  const { spec, diagnostics } = parseNnet(text);
  assert.ok(spec, diagnostics.map((d) => d.message).join('; '));
  return diagnoseRun(spec, { steps, source: text }).findings;
}

/** The findings of `rule` only. */
export function findingsOf(text: string, rule: RuleId, steps?: number): Finding[] {
  return diagnoseText(text, steps).filter((f) => f.rule === rule);
}

/** A network file: `layers` (indented lines), a loss, data and a train block. */
export function net(
  layers: string,
  train: string,
  opts: { input?: number; loss?: string; data?: string } = {},
): string {
  return `network t
  input ${opts.input ?? 2}
${layers}
loss ${opts.loss ?? 'bce'}

data ${opts.data ?? 'generate xor n=64 seed=1'}

train
${train}
`;
}

/** The 1-based line of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `no line contains '${needle}'`);
  return i + 1;
}

/** A vanishing-gradient finding on layer `h_4` (line 5) over 300 steps, as the views and diagnostics show one. */
export function vanishingFinding(fixes: Finding['fixes'] = []): Finding {
  return {
    rule: 'vanishing',
    severity: 'warning',
    layer: 'h_4',
    node: 3,
    line: 5,
    column: 4,
    firstStep: 0,
    lastStep: 299,
    count: 300,
    evidence: { measured: 3.88e-11, threshold: 1e-7, steps: [0, 1, 2, 3, 4] },
    message: "vanishing gradient: mean |∇W| of 'h_4' is 3.88e-11, below 1e-7",
    fixes,
  };
}
