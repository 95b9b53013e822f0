// Children of the bench run at once, pinned to one CPU (what the doctor's cost is measured with): each pinned, each
// result in the order asked, a failing child told apart; the real bundled child, run as `npm run bench` runs it.

import assert from 'node:assert/strict';
import os from 'node:os';
import { before, test } from 'node:test';
import { runSteps } from './freshSides';
import { buildChild, canPinToCpu, child, childrenOnOneCpu } from './runPrint';

before(() => buildChild());

const pick = ['--pick-steps', '--net', 'N1', '--seconds', '0.01', '--warmup', '0'];

test(
  'children run at once on one CPU: both pinned to it, results in the order asked, a failure told apart',
  {
    skip: !canPinToCpu() && 'taskset (util-linux) is not installed here',
  },
  async () => {
    const cpu = os.availableParallelism() - 1;
    const [a, b, c] = (await childrenOnOneCpu([pick, ['--no-such-measurement'], pick], cpu)) as {
      status: string;
      steps?: number;
      cpus?: string;
      reason?: string;
    }[];
    for (const r of [a, c]) {
      assert.equal(r.status, 'ok', JSON.stringify(r));
      assert.equal(r.cpus, String(cpu), 'the child may run on the one CPU only');
      assert.ok(r.steps! > 0 && runSteps(r.steps!) === r.steps, `a whole number of periods: ${r.steps}`);
    }
    assert.equal(b.status, 'n/a');
    assert.match(b.reason!, /missing --net/);
  },
);

test('a child run alone is not pinned', { skip: os.availableParallelism() < 2 && 'one CPU here' }, () => {
  const r = child(pick) as { status: string; cpus: string };
  assert.equal(r.status, 'ok', JSON.stringify(r));
  // More than one CPU: a range (`0-1`) or a list (`0,2`).
  assert.match(r.cpus, /^\d+[-,]\d/, r.cpus);
});
