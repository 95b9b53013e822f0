// The order a worker's news reaches the client in: at a stop the views' `nnet.progress` and `nnet.stopped` come
// before DAP's `stopped` (the client asks for Variables on `stopped`), the end's last progress before `nnet.ended`,
// and the session's last words in their order.

import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../debugger/log';
import type { Progress } from '../../debugger/protocol';
import { DapProgress } from './progress';
import type { Stopped } from './variables';
import { sayEnded, translateWorkerMessage, workerExitReason, type WorkerMessageSink } from './workerMessages';

const progress: Progress = {
  epoch: 1,
  epochs: 10,
  step: 3,
  loss: 0.5,
  stepsPerSecond: 100,
  gradNormBeforeClip: 1,
  gradNormAfterClip: 1,
  layers: [],
  newLossPoints: [],
};
const location = { phase: 'forward', layer: 0, layerName: 'h', line: 4, step: 3, epoch: 1 } as const;

/** A sink that writes down each call, a DAP event by its event name (an output event by its category too). */
function recorder(): { sink: WorkerMessageSink; calls: string[] } {
  const calls: string[] = [];
  const dap = new DapProgress((e) => calls.push(`progress ${e.event}`));
  dap.clientSupports = true;
  dap.startTraining('xor');
  calls.length = 0;
  const sink: WorkerMessageSink = {
    program: '/tmp/xor.nnet',
    progress: dap,
    logger: silentLogger,
    sendEvent: (e: DebugProtocol.Event) =>
      calls.push(e.event === 'output' ? `output ${(e as DebugProtocol.OutputEvent).body.category}` : e.event),
    sendCustom: (name) => calls.push(name),
    sendEnded: () => calls.push('ended'),
    log: (level) => calls.push(`log ${level}`),
    pausedAt: () => calls.push('pausedAt'),
    end: (summary, error, line) => calls.push(`end ${summary}|${error}|${line}`),
  };
  return { sink, calls };
}

test('a stop: progress ends, the session pauses, the views hear before the client, the notice before `stopped`', () => {
  const { sink, calls } = recorder();
  const m = {
    kind: 'stopped',
    reason: 'breakpoint',
    location,
    progress,
    subStep: null,
    exception: null,
    hitBreakpointIds: [1],
    notice: 'moved to the nearest layer',
    network: [],
  } as unknown as Stopped;
  translateWorkerMessage(m, sink);
  assert.deepEqual(calls, [
    'progress progressEnd',
    'pausedAt',
    'nnet.progress',
    'nnet.stopped',
    'output console',
    'stopped',
  ]);
});

test('the end: a finished run shows where it ended before it ends; an error ends with its line', () => {
  const { sink, calls } = recorder();
  translateWorkerMessage({ kind: 'finished', summary: 'done', progress, stopped: false, findings: [] }, sink);
  translateWorkerMessage({ kind: 'error', message: 'NaN', line: 7, step: 2, layerName: 'h', findings: [] }, sink);
  assert.deepEqual(calls, ['nnet.progress', 'end done|null|0', 'end |NaN|7']);
});

test("the session's last words: summary, the error logged and in stderr, then nnet.ended", () => {
  const { sink, calls } = recorder();
  sayEnded(sink, 'trained 10 epochs', 'the worker stopped', 0);
  assert.deepEqual(calls, ['progress progressEnd', 'output console', 'log warn', 'output stderr', 'ended']);
  const quiet = recorder();
  sayEnded(quiet.sink, '', null, 0);
  assert.deepEqual(quiet.calls, ['progress progressEnd', 'ended']);
  assert.equal(
    workerExitReason({ code: 134, error: null }),
    'The training worker stopped unexpectedly (exit code 134)',
  );
});
