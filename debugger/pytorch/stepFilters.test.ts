// The PyTorch exception filters on a step's statistics and on nanCheck's events: which fires, on which module, and
// that a filter not enabled never does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeModuleStats, ProbeToHost } from './probeProtocol';
import { nanHit, needsStepEnd, stepHit } from './stepFilters';

const stats = (path: string, gradNorm: number, meanAbsGrad = 1e-3, extra: Partial<ProbeModuleStats> = {}) => ({
  path,
  gradNorm,
  meanAbsGrad,
  maxAbsGrad: 10 * meanAbsGrad,
  ...extra,
});
const step = (modules: ProbeModuleStats[], gradNormBefore = 1): Extract<ProbeToHost, { kind: 'stepEnd' }> => ({
  kind: 'stepEnd',
  step: 4,
  wait: true,
  loss: 0.5,
  modules,
  gradNormBefore,
  gradNormAfter: gradNormBefore,
  clipNorm: null,
});

test('exploding: the global norm above the threshold, naming the module with the largest norm', () => {
  const s = step([stats('fc1', 3), stats('fc2', 250), stats('fc3', 1)], 250.1);
  const hit = stepHit(s, [{ id: 'exploding', threshold: 100 }]);
  assert.equal(hit?.filter, 'exploding');
  assert.equal(hit?.module, 'fc2');
  assert.match(hit!.description, /global norm 250\.1 > 100 \(largest in 'fc2'/);
  assert.equal(stepHit(s, [{ id: 'exploding', threshold: 1000 }]), null);
  assert.equal(stepHit(s, []), null);
});

test('vanishing: relative to the last module, then the absolute floor', () => {
  const relative = step([stats('fc1', 1e-6), stats('fc2', 0.5), stats('fc3', 1)]);
  const hit = stepHit(relative, [{ id: 'vanishing', threshold: 1e-3, floor: 1e-7 }]);
  assert.deepEqual([hit?.filter, hit?.module], ['vanishing', 'fc1']);
  const floored = step([stats('fc1', 1, 1e-9), stats('fc2', 1)]);
  assert.match(
    stepHit(floored, [{ id: 'vanishing', threshold: 1e-3, floor: 1e-7 }])!.description,
    /below the absolute floor/,
  );
  assert.equal(stepHit(step([stats('fc1', 0.5), stats('fc2', 1)]), [{ id: 'vanishing', threshold: 1e-3 }]), null);
});

test('dead ReLU: a module whose dead fraction passes the share', () => {
  const s = step([stats('fc1', 1, 1e-3, { deadFraction: 0.2 }), stats('fc2', 1, 1e-3, { deadFraction: 0.75 })]);
  const hit = stepHit(s, [{ id: 'deadRelu', threshold: 0.5 }]);
  assert.deepEqual(
    [hit?.module, hit?.description],
    ['fc2', "Dead ReLU: 75% of the units of 'fc2' are ≤ 0 for the whole batch (threshold 50%)"],
  );
  assert.equal(stepHit(s, [{ id: 'deadRelu', threshold: 0.8 }]), null);
});

test('NaN: only a flagged event with the filter on; stepEnd is armed only for the statistics filters', () => {
  const ev: Extract<ProbeToHost, { kind: 'event' }> = {
    kind: 'event',
    phase: 'forward',
    module: 'blowup',
    step: 0,
    call: 0,
    wait: true,
    nan: { tensor: 'output' },
    tensors: {},
    loss: null,
  };
  assert.match(nanHit(ev, [{ id: 'nan', threshold: 0 }])!.description, /'blowup' produced non-finite values in output/);
  assert.equal(nanHit(ev, []), null);
  assert.equal(nanHit({ ...ev, nan: undefined }, [{ id: 'nan', threshold: 0 }]), null);
  assert.equal(needsStepEnd([{ id: 'nan', threshold: 0 }]), false);
  assert.equal(needsStepEnd([{ id: 'deadRelu', threshold: 0.5 }]), true);
});
