// The status bar and view feed (TrainingDisplay, against the bench's stand-in vscode): the per-step curves get every
// traced step once, and a sender without a trace (a PyTorch run) one sample a message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Progress } from '../../debugger/protocol';
import { loadHostClasses } from '../../bench/hostStandIn';
import { updatesOf, type HostToWebview, type HostUpdate } from '../../webview/gradientFlow/protocol';

function progress(step: number, extra: Partial<Progress> = {}): Progress {
  return {
    epoch: 0,
    epochs: 0,
    step,
    loss: 1,
    batchLoss: 1 / step,
    stepsPerSecond: 100,
    gradNormBeforeClip: 2 / step,
    gradNormAfterClip: 1 / step,
    clipNorm: 1,
    layers: [],
    newLossPoints: [],
    ...extra,
  };
}

async function display() {
  const { TrainingDisplay } = await loadHostClasses();
  const posted: HostToWebview[] = [];
  const d = new TrainingDisplay({ post: (m) => posted.push(m) });
  d.started('t.nnet', ['h']);
  const curves = () => {
    const all = posted.splice(0).flatMap(updatesOf);
    const pick = <K extends HostUpdate['kind']>(kind: K) =>
      all.flatMap((u) => (u.kind === kind ? [u as Extract<HostUpdate, { kind: K }>] : []));
    return {
      loss: pick('stepLoss').flatMap((u) => u.points.map((p) => p.step)),
      norm: pick('gradNorm').flatMap((u) => u.points.map((p) => p.step)),
      counted: pick('gradNorm').map((u) => u.counted?.steps),
    };
  };
  return { d, curves };
}

const traced = (steps: number[]): Partial<Progress> => ({
  stepLoss: steps.map((step) => ({ step, loss: 1 / step })),
  stepNorms: steps.map((step) => ({ step, before: 2, after: 1 })),
  stepCount: { steps: steps.length, clipped: steps.length },
});

test("a worker's traced steps reach the per-step curves, each once", async () => {
  const { d, curves } = await display();
  curves();
  d.progress(progress(3, traced([1, 2, 3])));
  assert.deepEqual(curves(), { loss: [1, 2, 3], norm: [1, 2, 3], counted: [3] });
  // A stop at the same step and a stop after Step Back bring nothing new; the steps past the newest shown do.
  d.progress(progress(3, traced([])));
  d.progress(progress(2, traced([2])));
  d.progress(progress(5, traced([3, 4, 5])));
  assert.deepEqual(curves(), { loss: [4, 5], norm: [4, 5], counted: [3] });
  d.dispose();
});

test('a sender without a trace gives one sample a message, none twice, and no norm before the first clip', async () => {
  const { d, curves } = await display();
  curves();
  d.progress(progress(0, { gradNormBeforeClip: NaN, gradNormAfterClip: NaN, batchLoss: NaN }));
  d.progress(progress(7, { gradNormBeforeClip: NaN, gradNormAfterClip: NaN }));
  assert.deepEqual(curves(), { loss: [7], norm: [], counted: [] });
  d.progress(progress(7));
  d.progress(progress(9));
  assert.deepEqual(curves(), { loss: [9], norm: [7, 9], counted: [undefined, undefined] }); // (7's norm: measured by then)
  d.dispose();
});
