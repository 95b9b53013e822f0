// A PyTorch run's notices as the client sees them: a rank's arrival (the stop rank's `process` event first) and
// departure, an attached session learning its script, the stop's events in order, and the Gradient Flow view kept on
// the stop rank's picture while other ranks only refresh the per-rank norms.

import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Progress } from '../../../debugger/protocol';
import type { RunStop } from '../../../debugger/pytorch/probeRun';
import type { ProbeHello } from '../../../debugger/pytorch/probeServer';
import { NoticeTranslator, type NoticeSink } from './notices';

const hello = (rank: number): ProbeHello => ({
  kind: 'hello',
  token: 't',
  role: 'rank',
  rank,
  worldSize: 2,
  pid: 4000 + rank,
  python: '/usr/bin/python3',
  torch: '2.0',
  script: '/tmp/train.py',
  args: [],
});
const progress = (step: number, gradNorm: number): Progress => ({
  epoch: 0,
  epochs: 0,
  step,
  loss: 1 / step,
  stepsPerSecond: 10,
  gradNormBeforeClip: gradNorm,
  gradNormAfterClip: gradNorm,
  layers: [],
  newLossPoints: [{ epoch: step, loss: 1 / step }],
});

/** A translator over a sink that writes each call down; custom events keep their body and extra. */
function recorder(attached: boolean) {
  const calls: string[] = [];
  const customs: { name: string; body: unknown; extra?: object }[] = [];
  let program = attached ? '' : '/tmp/train.py';
  const sink: NoticeSink = {
    stopRank: 1,
    attached,
    program: () => program,
    setProgram: (p) => {
      program = p;
    },
    modules: () => [],
    sendEvent: (e: DebugProtocol.Event) => {
      const b = e.body as { reason?: string; startMethod?: string; category?: string };
      calls.push([e.event, b?.reason ?? b?.startMethod ?? b?.category].filter(Boolean).join(' '));
    },
    sendCustom: (name, body, extra) => {
      calls.push(name);
      customs.push({ name, body, extra });
    },
    resetRefs: () => calls.push('resetRefs'),
    end: (summary) => calls.push(`end ${summary}`),
  };
  return { t: new NoticeTranslator(sink), calls, customs, program: () => program };
}

test("ranks come and go as threads; the stop rank's process is named first; attached, the script is learned", () => {
  const r = recorder(true);
  r.t.translate({ kind: 'rankStarted', rank: 0, hello: hello(0) });
  r.t.translate({ kind: 'rankStarted', rank: 1, hello: hello(1) });
  r.t.translate({ kind: 'rankEnded', rank: 1, message: 'rank 1 ended while stopped' });
  r.t.translate({ kind: 'rankEnded', rank: 0, message: 'rank 0 ended' });
  r.t.translate({ kind: 'ended', end: { code: 0, summary: 'the script finished', error: null } });
  assert.equal(r.program(), '/tmp/train.py');
  assert.deepEqual(r.calls, [
    'thread started',
    'process attach',
    'thread started',
    'output console',
    'thread exited',
    'thread exited',
    'end the script finished',
  ]);
});

test("a stop: references void, then `stopped`, then the views' paused progress (with its rank) and stop", () => {
  const r = recorder(false);
  const stop = {
    rank: 1,
    reason: 'breakpoint',
    module: 'fc1',
    phase: 'forward',
    step: 2,
    call: 0,
    tensors: {},
    loss: 0.25,
    modules: null,
    hitBreakpointIds: [3],
    exception: null,
    gradNormBefore: 1,
    gradNormAfter: 1,
  } satisfies RunStop;
  r.t.translate({ kind: 'stopped', stop });
  assert.deepEqual(r.calls, ['resetRefs', 'stopped breakpoint', 'nnet.progress', 'nnet.stopped']);
  assert.deepEqual(r.customs[0].extra, { rank: 1 });
  assert.equal((r.customs[0].body as { paused: { layerName: string } }).paused.layerName, 'fc1');
});

test("the view stays on the stop rank's picture; another rank refreshes only the per-rank norms", () => {
  const r = recorder(false);
  const shown = () => r.customs.at(-1)!.body as { progress: Progress };
  r.t.translate({ kind: 'progress', rank: 0, progress: progress(5, 3) });
  assert.equal(shown().progress.step, 5, 'until the stop rank reports, any rank is shown');
  r.t.translate({ kind: 'progress', rank: 1, progress: progress(4, 2) });
  r.t.translate({ kind: 'progress', rank: 0, progress: progress(6, 7) });
  const p = shown().progress;
  assert.equal(p.step, 4, "the stop rank's step");
  assert.deepEqual(p.newLossPoints, [], 'its loss points are not sent twice');
  assert.deepEqual(p.ranks, [
    { rank: 0, gradNorm: 7 },
    { rank: 1, gradNorm: 2 },
  ]);
  assert.deepEqual(r.customs.at(-1)!.extra, { rank: 0 });
});
