// UpdateLog: each measured update logged reads back as it was measured, in order, until the log is cleared.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpdateStats } from './types';
import { UpdateLog } from './updateLog';

const statsOf = (step: number, consecutive: boolean, ratio: number[], unchanged: number[]): UpdateStats => ({
  step,
  consecutive,
  nodes: [0, 2, 5],
  ratio: Float64Array.from(ratio),
  unchanged: Uint8Array.from(unchanged),
});

test('a logged update reads back as measured, entry by entry, and clear forgets them', () => {
  const log = new UpdateLog(4, 3);
  const logged = [
    statsOf(40, false, [0.5, Infinity, 1e-9], [0, 0, 1]),
    statsOf(41, true, [NaN, 0, 2], [1, 1, 0]),
    statsOf(80, false, [3, 4, 5], [0, 1, 0]),
  ];
  for (const s of logged) log.push(s);
  assert.equal(log.length, 3);
  const into = statsOf(-1, true, [0, 0, 0], [0, 0, 0]);
  logged.forEach((want, k) => {
    log.load(k, into);
    assert.deepEqual(into, want, `entry ${k}`);
  });
  log.clear();
  assert.equal(log.length, 0);
  log.push(logged[2]);
  log.load(0, into);
  assert.deepEqual(into, logged[2]);
});
