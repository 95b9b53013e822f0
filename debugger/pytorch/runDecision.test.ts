// The run's two decisions: only the stop rank is armed (every event while stepping, on entry, or while breakpoints
// wait for the model), and a blocking event's reason in order exception, breakpoint, entry, Pause, Step Over.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { armOf, stopReason } from './runDecision';
import { RunBreakpoints } from './runBreakpoints';

const idle = { stepping: false, entryPending: false };
const nan = { id: 'nan', threshold: 0 } as const;
const exploding = { id: 'exploding', threshold: 1e3 } as const;

test('only the stop rank blocks; a breakpoint set before the model is known blocks its first event', () => {
  const b = new RunBreakpoints();
  const other = armOf(false, b, false, [nan, exploding], { stepping: true, entryPending: true });
  assert.deepEqual([other.every, other.nanCheck, other.stepEnd, other.modules.length], [false, false, false, 0]);
  assert.equal(armOf(true, b, false, [], idle).every, false);
  b.setLines('/tmp/train.py', [{ id: 1, line: 3 }]);
  assert.equal(armOf(true, b, false, [], idle).every, true, 'pending breakpoint, model unknown');
  assert.equal(armOf(true, b, true, [], idle).every, false, 'model known: only its armed modules block');
  assert.equal(armOf(true, b, true, [], { stepping: true, entryPending: false }).every, true);
  assert.equal(armOf(true, b, true, [], { stepping: false, entryPending: true }).every, true);
  const filtered = armOf(true, b, true, [nan, exploding], idle);
  assert.deepEqual([filtered.nanCheck, filtered.stepEnd], [true, true]);
  assert.deepEqual([filtered.progressMs, filtered.updateRatioMs], [250, 1000]);
});

test('the reason of a stop, first that applies; none runs on', () => {
  const hit = { filter: 'nan', description: 'NaN in fc1', module: 'fc1' } as const;
  const functionsOnly = (ids: readonly number[]) => ids.every((id) => id === 7);
  const all = { stepping: true, entryPending: true };
  assert.equal(stopReason(hit, [1], functionsOnly, true, all), 'exception');
  assert.equal(stopReason(null, [1], functionsOnly, true, all), 'breakpoint');
  assert.equal(stopReason(null, [7], functionsOnly, true, all), 'function breakpoint');
  assert.equal(stopReason(null, [], functionsOnly, true, all), 'entry');
  assert.equal(stopReason(null, [], functionsOnly, true, { stepping: true, entryPending: false }), 'pause');
  assert.equal(stopReason(null, [], functionsOnly, false, { stepping: true, entryPending: false }), 'step');
  assert.equal(stopReason(null, [], functionsOnly, false, idle), null);
});
