// sigmoid32 against the expression a float32 layer stores, Math.fround(sigmoid(x)): equal bit for bit (−0 included) on
// millions of float32 inputs spread over every binade, both signs, on the edges of the fitted range, and on the
// special values. (tanh32 has its own file: tanh32.test.ts.)

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sigmoid } from './activations';
import { sigmoid32 } from './fastMath';

const f32 = new Float32Array(1),
  bits = new Uint32Array(f32.buffer);

/** Float32 values: every `stride`-th bit pattern from +0 to +∞ (both signs), plus the given extras. */
function* inputs(stride: number, extras: readonly number[]): Generator<number> {
  for (let b = 0; b <= 0x7f800000; b += stride) {
    bits[0] = b;
    yield f32[0];
    yield -f32[0];
  }
  yield* extras;
}

const EDGES = [0.05, 19, 30, 9.0109, 0.0499999, 19.000001, 29.99999, 30.00001, 1e-45, 1e-38, 88, 1e30].flatMap((v) => [
  Math.fround(v),
  -Math.fround(v),
]);
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0];

function mismatches(fast: (x: number) => number, ref: (x: number) => number): string[] {
  const bad: string[] = [];
  let n = 0;
  for (const x of inputs(211, [...EDGES, ...SPECIAL])) {
    n++;
    const a = fast(x),
      b = ref(x);
    if (!Object.is(a, b) && bad.length < 5) bad.push(`x = ${x}: ${a} instead of ${b}`);
  }
  assert.ok(n > 2e7, `${n} inputs`);
  return bad;
}

test('sigmoid32(x) is Math.fround(sigmoid(x)) for every float32 tried', () => {
  assert.deepEqual(
    mismatches(sigmoid32, (x) => Math.fround(sigmoid(x))),
    [],
  );
});

test('signed zeros and non-finite inputs come out as the reference gives them', () => {
  assert.equal(sigmoid32(-0), 0.5);
  assert.ok(Number.isNaN(sigmoid32(NaN)));
  assert.equal(sigmoid32(-Infinity), 0);
  assert.equal(sigmoid32(Infinity), 1);
});
