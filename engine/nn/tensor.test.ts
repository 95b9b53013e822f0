// Tensor summaries: the float32 fast path gives the same bits as the general loop, and non-finite entries are counted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeTensor, summarize } from './tensor';

/** A float32 tensor of `n` entries spread over several magnitudes and both signs, with exact zeros and −0. */
function sample(n: number, seed: number): Float32Array {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? (i % 2 ? -0 : 0) : next() * 10 ** ((i % 7) - 3)));
}

test('a float32 tensor summarizes to the same bits as the same values in a plain array', () => {
  for (const n of [1, 2, 7, 1000, 70_001]) {
    const data = sample(n, n);
    assert.deepEqual(summarize(data), summarize(Array.from(data)), `n = ${n}`);
  }
  assert.deepEqual(summarize(new Float32Array([-3, 2])), {
    mean: -0.5,
    min: -3,
    max: 2,
    norm: Math.sqrt(13),
    meanAbs: 2.5,
    maxAbs: 3,
    nonFinite: 0,
  });
});

test('NaN and ±Inf entries are counted and left out of the statistics, in float32 as in any array', () => {
  const data = sample(5000, 3);
  const finite = summarize(data);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const withBad = Float32Array.from([bad, ...data.subarray(0, 1001), bad, ...data.subarray(1001), bad]);
    const s = summarize(withBad);
    assert.equal(s.nonFinite, 3);
    assert.deepEqual(s, summarize(Array.from(withBad)));
    assert.deepEqual({ ...s, nonFinite: 0 }, finite, `${bad} leaves the finite entries' statistics as they were`);
  }
  assert.match(describeTensor([2], new Float32Array([NaN, 1])), / non-finite 1$/);
  assert.equal(summarize(new Float32Array(0)).nonFinite, 0);
  assert.ok(Number.isNaN(summarize(new Float32Array(0)).mean));
});
