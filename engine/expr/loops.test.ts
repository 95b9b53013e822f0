// The written-out entrywise loops give the bits of the general paths: each built-in on a tensor as on each of its
// entries alone (stored in the tensor's dtype), and tensor ⊕ number as each entry ⊕ that number.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BinaryOp } from './ast';
import { evaluate } from './evaluate';
import { LOOPS, WITH_NUMBER } from './loops';
import { isTensor, type ExprScope, type Tensor, type Value } from './values';

const SPECIALS = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5, -0.5, 2, 1e-30, 3e38, -7.25];

function data(ctor: Float32ArrayConstructor | Float64ArrayConstructor, seed: number): Tensor {
  let a = seed;
  const rnd = () => (a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const values = Array.from({ length: 60 }, (_, i) => (i < SPECIALS.length ? SPECIALS[i] : (rnd() - 0.5) * 8));
  return { shape: [6, 10], data: ctor.from(values) };
}

function scope(vars: Record<string, Value>): ExprScope {
  return { lookup: (n) => vars[n], names: () => Object.keys(vars) };
}

const bits = (v: Value): unknown =>
  isTensor(v)
    ? {
        ctor: v.data.constructor.name,
        shape: v.shape,
        data: Array.from(v.data, (x) => (Object.is(x, -0) ? '-0' : String(x))),
      }
    : v;

test('each entrywise built-in on a tensor gives, entry by entry, what it gives on that entry alone', () => {
  for (const ctor of [Float32Array, Float64Array]) {
    const t = data(ctor, 5);
    for (const name of Object.keys(LOOPS)) {
      const got = evaluate(`${name}(t)`, scope({ t }));
      assert.ok(isTensor(got));
      const want = Array.from(t.data, (x) => {
        const v = evaluate(`${name}(v)`, scope({ v: x }));
        return typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
      });
      assert.deepEqual(bits(got), bits({ shape: t.shape, data: ctor.from(want) }), `${name} on ${ctor.name}`);
    }
  }
});

test('tensor ⊕ number gives, entry by entry, what entry ⊕ number gives, for every operator', () => {
  for (const ctor of [Float32Array, Float64Array]) {
    const t = data(ctor, 9);
    for (const op of Object.keys(WITH_NUMBER) as BinaryOp[]) {
      for (const b of SPECIALS) {
        const got = evaluate(`t ${op} b`, scope({ t, b }));
        const want = Array.from(t.data, (x) => {
          const v = evaluate(`v ${op} b`, scope({ v: x, b }));
          return typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
        });
        assert.deepEqual(bits(got), bits({ shape: t.shape, data: ctor.from(want) }), `${ctor.name} ${op} ${b}`);
      }
    }
  }
});
