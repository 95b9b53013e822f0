// extremesInto over tensors in the dense kernels' shared memory (read in place by summarySimd.ts's kernel, as a
// trainer's z and a are) and over tensors of their own (copied into the kernel): the expression language's max and
// min, NaN, ±∞ and the first zero's sign included.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernels } from '../expr/kernels';
import { allocateKernelFloats } from '../nn/kernelMemory';
import { Prng } from '../nn/prng';
import { readsInPlace } from '../nn/summarySimd';
import { extremesInto } from './historyExtremes';

/** Float32 values with NaN, ±∞ and ±0 likely (NaN only in some buffers), or of one sign with zeros of both. */
function values(rng: Prng, n: number, mode: number): Float32Array {
  const pool = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 3e38, -3e38, 1e-45];
  const nan = rng.next() < 0.3,
    out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.next() < 0.02 ? pool[Math.floor(rng.next() * pool.length)] : (rng.next() - 0.5) * 4;
    if (Number.isNaN(v) && !nan) v = 0.5;
    if (mode > 0)
      v = rng.next() < 0.7 ? (mode === 1 ? 1 : -1) * Math.abs(Number.isNaN(v) ? 1 : v) : rng.next() < 0.5 ? 0 : -0;
    out[i] = v;
  }
  return out;
}

test('extremesInto reads tensors in the shared memory in place: max and min as the expression language gives them', () => {
  const rng = new Prng(5),
    out = new Float32Array(2),
    copied = new Float32Array(2);
  let inPlace = 0;
  for (let trial = 0; trial < 400; trial++) {
    const n = 256 + Math.floor(rng.next() * 5000),
      mode = trial % 3,
      d = values(rng, n, mode);
    const shared = allocateKernelFloats(n + (trial % 5)); // longer than asked at times: only n entries count
    if (!shared) return; // no shared memory here: nothing is read in place (summarySearch.test covers the copies)
    shared.fill(mode === 1 ? -7 : 7).set(d);
    if (readsInPlace(shared)) inPlace++;
    extremesInto(shared, n, out, 0);
    extremesInto(d, n, copied, 0);
    const max = Math.fround(kernels.max(d, 0, n, 1)),
      min = Math.fround(kernels.min(d, 0, n, 1));
    const what = `trial ${trial}: ${n} values, mode ${mode}`;
    assert.ok(
      Object.is(out[0], max) && Object.is(out[1], min),
      `${what}: [${out}] in place, [${max}, ${min}] expected`,
    );
    assert.ok(Object.is(copied[0], max) && Object.is(copied[1], min), `${what}: [${copied}] copied`);
  }
  assert.ok(inPlace > 0, 'the kernel read tensors in place');
});
