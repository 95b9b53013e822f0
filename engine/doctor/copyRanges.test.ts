// copyRanges, what a measured update copies before it: exactly the entries of the weight matrices' ranges, short ones
// (element by element) and long ones (by set) alike, and nothing outside them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyRanges } from './measures';

test('copyRanges copies the entries within the ranges, short and long, and leaves the others', () => {
  const n = 400,
    src = Float32Array.from({ length: n }, (_, i) => i + 0.5),
    dst = new Float32Array(n).fill(-1);
  // An empty range, short ranges at the ends and in between, one long range (more than 64 entries).
  const ranges = Int32Array.of(0, 3, 10, 10, 20, 84, 100, 300, 399, 400);
  copyRanges(src, dst, ranges);
  const inside = (i: number) => {
    for (let k = 0; k < ranges.length; k += 2) if (i >= ranges[k] && i < ranges[k + 1]) return true;
    return false;
  };
  for (let i = 0; i < n; i++) assert.equal(dst[i], inside(i) ? src[i] : -1, `entry ${i}`);
});
