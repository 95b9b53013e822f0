// copyRanges, what a measured update copies before it: exactly the entries of the weight matrices' ranges, short ones
// (element by element) and long ones (by set) alike, and nothing outside them; measureUpdate's unchanged flag, from
// ranges of every length up to 9, with one entry moved at each position in turn (the loops take four at a time).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyRanges, measureUpdate } from './measures';
import { DEFAULT_THRESHOLDS } from './thresholds';
import { UpdateLog } from './updateLog';

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

test('measureUpdate: a matrix is unchanged unless some entry moved past the tolerance, whichever entry it is', () => {
  const th = DEFAULT_THRESHOLDS;
  for (let len = 1; len <= 9; len++)
    for (let moved = -1; moved < len; moved++) {
      // Two ranges with a gap: the second one holds the moved entry (none when moved is -1).
      const before = Float32Array.from({ length: 3 + 2 * len }, (_, i) => 1 + i / 8),
        params = before.slice(),
        ranges = Int32Array.of(0, len, len + 3, 2 * len + 3);
      if (moved >= 0) params[len + 3 + moved] += 1e-3;
      params[len + 1] += 1; // in the gap: not measured
      const stats = new UpdateLog(1, [0, 1]);
      measureUpdate(params, before, ranges, stats, th);
      assert.deepEqual([...stats.unchanged], [1, moved < 0 ? 1 : 0], `length ${len}, entry ${moved} moved`);
      assert.equal(stats.ratio[0], 0);
      assert.equal(stats.ratio[1] > 0, moved >= 0);
    }
});
