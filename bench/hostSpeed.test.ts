// The host probe and the measuring again of what ran on a slow core (content, not speed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostProbeMs, SlowCoreRetry } from './hostSpeed';

test('the probe answers a positive time', () => {
  const ms = hostProbeMs(2);
  assert.ok(ms > 0 && Number.isFinite(ms), String(ms));
});

test('a measurement on a slow core is taken again, keeping the fastest core; an unmeasurable try stops the tries', () => {
  const r = new SlowCoreRetry(2);
  const m = (hostProbeMs: number | undefined, v: string) => ({ hostProbeMs, v });
  r.note(1);
  // Fast enough: kept as it is, nothing measured again.
  assert.equal(r.keep(m(1.2, 'a'), () => assert.fail('not measured again')).v, 'a');
  // Slow: again until fast (the second try), keeping that one.
  const tries = [m(1.6, 'b'), m(1.05, 'c'), m(1, 'never')];
  assert.equal(r.keep(m(2, 'slow'), () => tries.shift()!).v, 'c');
  assert.equal(r.remeasured, 2);
  // Slow for good: two more tries, the fastest of the three kept.
  const slowTries = [m(1.9, 'd'), m(2.1, 'e')];
  assert.equal(r.keep(m(2, 'f'), () => slowTries.shift()!).v, 'd');
  assert.equal(r.remeasured, 4);
  // A try that cannot measure ends the tries; no probe is never slow.
  assert.equal(r.keep(m(3, 'g'), () => null).v, 'g');
  assert.equal(r.remeasured, 5);
  assert.ok(!r.isSlow(undefined) && r.isSlow(1.26) && !r.isSlow(1.25));
});
