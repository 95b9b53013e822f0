// Built-in datasets: sizes, shapes, labels, the noise-free geometry, and bit-identical output for a seed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENERATORS, GENERATOR_NAMES, generate } from './generators';

test('every generator makes n samples of its input width, with class indices or real targets', () => {
  for (const name of GENERATOR_NAMES) {
    const info = GENERATORS[name];
    const g = generate(name, { n: 37 });
    assert.equal(g.x.length, 37, name);
    assert.ok(
      g.x.every((r) => r.length === info.inputs && r.every(Number.isFinite)),
      name,
    );
    assert.ok(
      g.y.every((r) => r.length === 1 && Number.isFinite(r[0])),
      name,
    );
    if (info.task === 'classes') {
      const k = info.params.classes ? info.params.classes.default : 2;
      assert.deepEqual(
        [...new Set(g.y.map((r) => r[0]))].sort(),
        Array.from({ length: k }, (_, i) => i),
        `${name} uses every class`,
      );
    }
  }
});

test('same seed, same data; another seed, other data', () => {
  for (const name of GENERATOR_NAMES) {
    assert.deepEqual(generate(name, { seed: 5 }), generate(name, { seed: 5 }), name);
    if (name !== 'spiral' || GENERATORS.spiral.params.noise.default > 0)
      assert.notDeepEqual(generate(name, { seed: 5 }), generate(name, { seed: 6 }), name);
  }
});

test('without noise the geometry is exact: circles on their radii, xor labels by quadrant, sine on the curve', () => {
  const c = generate('circles', { noise: 0, n: 50 });
  c.x.forEach((p, i) => assert.ok(Math.abs(Math.hypot(p[0], p[1]) - (c.y[i][0] === 1 ? 0.5 : 1)) < 1e-12));
  const x = generate('xor', { n: 50 });
  x.x.forEach((p, i) => assert.equal(x.y[i][0], p[0] * p[1] < 0 ? 1 : 0));
  const s = generate('sine', { noise: 0, n: 50 });
  s.x.forEach((p, i) => assert.equal(s.y[i][0], Math.sin(p[0])));
  const b = generate('blobs', { classes: 4, noise: 0, n: 8 });
  assert.deepEqual(
    b.y.map((r) => r[0]),
    [0, 1, 2, 3, 0, 1, 2, 3],
  );
});

test('a dataset drawn again with the same parameters is the same samples, shared; other parameters draw anew', () => {
  const a = generate('spiral', { n: 300, classes: 3 });
  const b = generate('spiral', { classes: 3, n: 300 });
  assert.equal(b, a, 'same name and parameters, in any order: the kept dataset');
  const c = generate('spiral', { n: 300, classes: 4 });
  assert.notEqual(c, a);
  assert.notDeepEqual(c.y, a.y);
  generate('xor', { n: 10 });
  generate('moons', { n: 10 });
  const d = generate('spiral', { n: 300, classes: 3 });
  assert.notEqual(d, a, 'only the last two datasets are kept');
  assert.deepEqual(d, a, 'drawn again from its seed: the same numbers');
});
