// Exception filters as the client sets them: a threshold (or two) as the condition, checked against the threshold's
// range; the settings filling in the rest; and the doctor's thresholds a session sends the worker.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXCEPTION_FILTERS, type ExceptionFilterId } from '../../debugger/protocol';
import { DEFAULT_THRESHOLDS } from '../../engine/doctor/thresholds';
import { RULES } from '../../engine/doctor/rules';
import { DEFAULT_SETTINGS, sessionSettings } from '../settings';
import { capabilities } from './capabilities';
import {
  conditionDescription,
  doctorThresholds,
  exceptionFilters,
  parseCondition,
  requestedFilters,
} from './exceptionFilters';

const ids = Object.keys(EXCEPTION_FILTERS) as ExceptionFilterId[];

test('every rule of the catalogue has one exception filter; only NaN is on by default', () => {
  assert.deepEqual(ids.map((id) => EXCEPTION_FILTERS[id].rule).sort(), RULES.map((make) => make().id).sort());
  const declared = capabilities().exceptionBreakpointFilters!;
  assert.deepEqual(
    declared.map((f) => f.filter),
    ids,
  );
  // A threshold as the condition where the rule has one.
  for (const f of declared) {
    assert.equal(f.default, f.filter === 'nan', f.filter);
    assert.equal(f.supportsCondition, EXCEPTION_FILTERS[f.filter as ExceptionFilterId].thresholds.length > 0, f.filter);
    // Only a filter with a condition describes one (NaN/Inf used to say "threshold:  (default : the setting )").
    assert.equal(f.conditionDescription !== undefined, f.supportsCondition, f.filter);
    if (f.conditionDescription) assert.doesNotMatch(f.conditionDescription, /\(default :|:\s{2}/, f.filter);
  }
});

test('the condition description names the unit, the default and the setting, as constant text', () => {
  assert.equal(
    conditionDescription('saturated'),
    "threshold: share of a tanh/sigmoid layer's outputs where φ′ < max φ′/10 (default 0.5: the setting nnet.doctor.saturatedShare)",
  );
  assert.match(
    conditionDescription('updateRatio') ?? '',
    /^thresholds: .*lower bound; then .*upper bound \(default 0\.0001 0\.1: the setting nnet\.doctor\.updateRatioLow, nnet\.doctor\.updateRatioHigh\)$/,
  );
  assert.equal(conditionDescription('nan'), undefined);
  assert.match(conditionDescription('exploding') ?? '', /default 100: the setting nnet\.exceptions\.explodingNorm/);
});

test('a condition is one number per threshold, within its range; fewer leave the rest to the settings', () => {
  assert.deepEqual(parseCondition('saturated', ' 0.3 '), [0.3]);
  assert.deepEqual(parseCondition('saturated', ''), []);
  assert.deepEqual(parseCondition('updateRatio', '1e-5, 0.5'), [1e-5, 0.5]);
  assert.deepEqual(parseCondition('updateRatio', '1e-5'), [1e-5]);
  assert.deepEqual(parseCondition('vanishing', '1e-4 1e-9'), [1e-4, 1e-9]);
  assert.match(parseCondition('saturated', '1.5') as string, /a number in 0…1; '1\.5' is not/);
  assert.match(parseCondition('saturated', 'half') as string, /'half' is not/);
  assert.match(parseCondition('updateRatio', '1 2 3') as string, /at most 2 numbers/);
  assert.match(parseCondition('symmetricUnits', '2') as string, /takes no condition/);
  assert.match(parseCondition('lossSpike', '0.5') as string, /a number in 1…/, 'a spike factor below 1 is every step');
});

test('a setExceptionBreakpoints request: verdicts per filter, the bad ones unverified with the reason', () => {
  const { filters, results } = requestedFilters({
    filters: ['nan'],
    filterOptions: [
      { filterId: 'saturated', condition: '0.25' },
      { filterId: 'lossSpike', condition: 'x' },
      { filterId: 'nope' },
    ],
  });
  assert.deepEqual(filters, [
    { id: 'saturated', values: [0.25] },
    { id: 'nan', values: [] },
  ]);
  assert.deepEqual(
    results.map((r) => r.verified),
    [true, false, false, true],
  );
});

test("the doctor's thresholds of a session: settings, then launch attributes, then the enabled filters' conditions", () => {
  const settings = { ...DEFAULT_SETTINGS, lossSpikeFactor: 5, explodingNorm: 50 };
  const s = sessionSettings({ explodingNorm: 20 }, () => undefined, settings);
  const requested = [
    { id: 'saturated' as const, values: [0.25] },
    { id: 'updateRatio' as const, values: [1e-6] },
    { id: 'nan' as const, values: [] },
  ];
  const th = doctorThresholds(requested, s);
  assert.deepEqual(
    [th.saturatedShare, th.updateRatioLow, th.updateRatioHigh, th.lossSpikeFactor, th.explodingNorm, th.window],
    [0.25, 1e-6, DEFAULT_THRESHOLDS.updateRatioHigh, 5, 20, DEFAULT_THRESHOLDS.window],
  );
  assert.deepEqual(exceptionFilters([...requested, { id: 'vanishing', values: [] }], s), [
    { id: 'saturated', threshold: 0.25 },
    { id: 'updateRatio', threshold: 1e-6 },
    { id: 'nan', threshold: 0 },
    { id: 'vanishing', threshold: DEFAULT_THRESHOLDS.vanishingRatio, floor: DEFAULT_THRESHOLDS.vanishingFloor },
  ]);
});
