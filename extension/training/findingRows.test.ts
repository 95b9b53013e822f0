// A Findings view row: label with the layer, `steps a–b · ×count`, the evidence, fixes and docs in the tooltip.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vanishingFinding } from '../../engine/doctor/testing';
import { doctorDocsUrl, escapeMarkdown, findingRow, ruleIcon } from './findingRows';

const vanishing = vanishingFinding([
  { title: 'Switch the sigmoid/tanh hidden layers to relu with He init', edits: [] },
]);
const DOCS = 'https://example.invalid/nnet/blob/HEAD/docs/doctor.md#rules';

test('a row: the short message with its layer, the steps 1-based with the count, and a fixable context', () => {
  const r = findingRow(vanishing, 'deep-sigmoid.nnet', DOCS);
  assert.equal(r.label, 'vanishing gradient (h_4)');
  assert.equal(r.description, 'steps 1–300 · ×300');
  assert.equal(r.icon, 'pulse');
  assert.equal(r.contextValue, 'finding.fixable');
  const single = findingRow(
    { ...vanishing, rule: 'exploding', layer: null, firstStep: 6, lastStep: 6, count: 1, fixes: [] },
    'x.nnet',
    DOCS,
  );
  assert.equal(single.description, 'step 7 · ×1');
  assert.equal(single.contextValue, 'finding');
});

test('the tooltip holds the evidence, the fixes and the docs link, the message escaped for Markdown', () => {
  const t = findingRow(vanishing, 'deep-sigmoid.nnet', DOCS).tooltip;
  assert.ok(t.startsWith('**vanishing gradient (h\\_4)** · `vanishing` · deep-sigmoid.nnet line 6\n'), t);
  assert.ok(t.includes("mean \\|∇W\\| of 'h\\_4' is 3.88e-11"), t);
  assert.ok(
    t.includes('Measured 3.88e-11, threshold 1.00e-7; held 300× over steps 1–300, first at steps 1, 2, 3, 4, 5'),
    t,
  );
  assert.ok(t.includes('Quick Fix:\n- Switch the sigmoid/tanh hidden layers to relu with He init'), t);
  assert.ok(t.endsWith(`[The vanishing rule in the docs](${DOCS})`));
  const noNumber = findingRow(
    { ...vanishing, evidence: { ...vanishing.evidence, measured: NaN } },
    'a.nnet',
    null,
  ).tooltip;
  assert.doesNotMatch(noNumber, /Measured|docs/);
  assert.match(noNumber, /Held 300× over steps 1–300/);
});

test('one icon per family of rules; Markdown escaping; the docs URL from the repository URL', () => {
  assert.equal(ruleIcon('dead-relu'), ruleIcon('saturated'));
  assert.notEqual(ruleIcon('dead-relu'), ruleIcon('vanishing'));
  assert.equal(ruleIcon('loss-spike'), 'graph-line');
  assert.equal(escapeMarkdown('a_b *c* [d](e) |f|'), 'a\\_b \\*c\\* \\[d\\](e) \\|f\\|');
  assert.equal(doctorDocsUrl('https://example.invalid/nnet.git'), DOCS);
  assert.equal(doctorDocsUrl('git+https://github.com/o/r'), 'https://github.com/o/r/blob/HEAD/docs/doctor.md#rules');
  assert.equal(doctorDocsUrl(undefined), null);
  assert.equal(doctorDocsUrl('git@github.com:o/r.git'), null);
});
