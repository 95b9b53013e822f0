// Breakpoint placement on Python lines: on a module line, moved to a near one, unverified with a reason, pending
// before the model is built; function breakpoints by module path or submodule prefix.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { placeFunction, placeLine, WAITS_FOR_MODEL } from './placement';
import type { ProbeModule } from './probeProtocol';

const file = '/tmp/work/train.py';
const mod = (p: string, line: number | null, f = file): ProbeModule => ({
  path: p,
  type: 'Linear',
  repr: 'Linear()',
  params: [{ name: 'weight', shape: [2, 2] }],
  site: line === null ? null : { file: f, line },
});
const modules = [
  mod('fc1', 10),
  mod('fc2', 12),
  mod('layers.0', 20),
  mod('layers.1', 20),
  mod('other', 5, '/tmp/x.py'),
  mod('nowhere', null),
];

test('a line that builds modules breaks on each of them', () => {
  assert.deepEqual(placeLine(file, 12, modules), { verified: true, line: 12, modules: [1] });
  assert.deepEqual(placeLine(file, 20, modules), { verified: true, line: 20, modules: [2, 3] });
  assert.deepEqual(placeLine('/tmp/work/../work/train.py', 10, modules).modules, [0]);
});

test('a line near a module line moves there; a far one stays unverified with the nearest named', () => {
  const moved = placeLine(file, 14, modules);
  assert.equal(moved.verified, true);
  assert.equal(moved.line, 12);
  assert.deepEqual(moved.modules, [1]);
  assert.match(moved.message!, /moved to line 12, where 'fc2' is built/);
  const far = placeLine(file, 40, modules);
  assert.equal(far.verified, false);
  assert.deepEqual(far.modules, []);
  assert.match(far.message!, /no module with parameters is built on this line \(the nearest is line 20, 'layers.0'\)/);
  const otherFile = placeLine('/tmp/y.py', 5, modules);
  assert.equal(otherFile.verified, false);
  assert.match(otherFile.message!, /no module with parameters is built in y.py/);
});

test('before the model is built, breakpoints wait for it', () => {
  assert.deepEqual(placeLine(file, 12, null), { verified: false, line: 12, modules: [], message: WAITS_FOR_MODEL });
  assert.equal(placeFunction('fc1', null).verified, false);
});

test('function breakpoints: an exact module path, or a prefix for its submodules', () => {
  const f = placeFunction('fc2', modules);
  assert.deepEqual([f.verified, f.modules, f.line, f.file], [true, [1], 12, file]);
  assert.deepEqual(placeFunction('layers', modules).modules, [2, 3]);
  assert.deepEqual(placeFunction('nowhere', modules), { verified: true, line: 0, modules: [5] });
  const none = placeFunction('fc', modules);
  assert.equal(none.verified, false);
  assert.match(none.message!, /no module 'fc' \(modules with parameters: fc1, fc2, layers.0/);
});
