// A run's breakpoints: pending until the modules are known, then armed per pass by their modes; conditions and hit
// counts decided by StopRules; the tensors their expressions name listed for prefetching.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namesIn } from '../../engine/expr/ast';
import type { ExprScope } from '../../engine/expr/values';
import type { ProbeModule } from './probeProtocol';
import { RunBreakpoints } from './runBreakpoints';

const file = '/tmp/train.py';
const mod = (path: string, line: number): ProbeModule => ({
  path,
  type: 'Linear',
  repr: 'Linear()',
  params: [{ name: 'weight', shape: [2, 2] }],
  site: { file, line },
});
const scope = (step: number): ExprScope => ({
  lookup: (n) => (n === 'step' ? step : undefined),
  names: () => ['step'],
});

test('pending until the modules are known; then placed, and armed on the passes their modes ask', () => {
  const b = new RunBreakpoints();
  assert.equal(b.any, false);
  const placed = b.setLines(file, [
    { id: 1, line: 10, phases: ['backward'] },
    { id: 2, line: 12 },
  ]);
  assert.deepEqual(
    placed.map((p) => p.verified),
    [false, false],
  );
  assert.equal(b.any, true);
  assert.deepEqual(b.armed(), []);
  const now = b.setModules([mod('fc1', 10), mod('fc2', 12), mod('fc3', 30)]);
  assert.deepEqual(
    now.map((p) => [p.id, p.placement.verified, p.placement.modules]),
    [
      [1, true, [0]],
      [2, true, [1]],
    ],
  );
  assert.deepEqual(b.armed(), [
    { path: 'fc1', forward: false, backward: true },
    { path: 'fc2', forward: true, backward: true },
  ]);
  b.setFunctions([{ id: 3, name: 'fc3', phases: ['forward'] }]);
  assert.deepEqual(b.armed().at(-1), { path: 'fc3', forward: true, backward: false });
  assert.equal(b.allFunctions([3]), true);
  assert.equal(b.allFunctions([2, 3]), false);
});

test('conditions and hit counts through StopRules; expressions listed for prefetching', () => {
  const b = new RunBreakpoints();
  b.setModules([mod('fc1', 10)]);
  b.setLines(file, [
    { id: 1, line: 10, condition: 'step >= 2 && norm(fc1.weight.grad) > 0' },
    { id: 2, line: 10, hitCondition: '% 2', logMessage: 'at {step}' },
  ]);
  assert.deepEqual(
    b.expressionsAt(0).flatMap((e) => namesIn(e.ast).map((n) => n.path)),
    ['step', 'fc1.weight.grad', 'step'],
  );
  assert.deepEqual(b.expressionsAt(1), []);
  const first = b.check(0, 'forward', 0, 0, scope(0));
  assert.deepEqual([first.stop, first.logs], [false, []]);
  const second = b.check(0, 'forward', 1, 0, scope(1));
  assert.deepEqual([second.stop, second.logs], [false, ['at 1']]);
  // step >= 2 holds, but fc1.weight.grad is not in this scope: an error the session shows, not a stop.
  const third = b.check(0, 'forward', 2, 0, scope(2));
  assert.equal(third.stop, false);
  assert.match(third.errors[0], /fc1.weight.grad/);
});
