// Long rewinds over real DAP against dist/debugAdapter.js: Reverse Continue searching ~500,000 steps of history for a
// breakpoint that never fires reports cancellable progress (only to a client that asked for it), and stops at a
// consistent place on Pause and on a `cancel` of its progress, promptly, with the session fully usable afterwards.
// With no breakpoint at all there is nothing to search for: it lands on the oldest state kept at once.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const adapter = path.join(__dirname, '..', '..', 'dist', 'debugAdapter.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-rewind-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const program = path.join(dir, 'long.nnet');
// XOR for a million epochs of one step each: a long history of tiny steps.
fs.writeFileSync(
  program,
  fs
    .readFileSync(path.join(__dirname, '..', '..', 'examples', 'xor.nnet'), 'utf8')
    .replace('epochs 2000', 'epochs 1000000'),
);
const OUT = 5,
  FAR = 500_000;
/**
 * A breakpoint that never fires on the way back, so Reverse Continue searches the whole history. It reads `loss`,
 * which changes within a step, so the search evaluates it at every event of the output layer (a condition on `step`
 * alone is decided once per step) and replays event by event: seconds for 500,000 steps.
 */
const NEVER = [{ line: OUT, condition: 'loss < -1' }];

type Events = {
  start: DebugProtocol.ProgressStartEvent[];
  update: DebugProtocol.ProgressUpdateEvent[];
  end: DebugProtocol.ProgressEndEvent[];
};

/**
 * A session paused at step FAR by a breakpoint then replaced by `then` (default NEVER), recording every progress
 * event.
 */
async function pausedFar(
  progress: boolean,
  then: DebugProtocol.SourceBreakpoint[] = NEVER,
): Promise<{ dc: DebugClient; events: Events; caps: DebugProtocol.Capabilities }> {
  const dc = new DebugClient('node', adapter, 'nnet');
  await dc.start();
  const events: Events = { start: [], update: [], end: [] };
  dc.on('progressStart', (e: DebugProtocol.ProgressStartEvent) => events.start.push(e));
  dc.on('progressUpdate', (e: DebugProtocol.ProgressUpdateEvent) => events.update.push(e));
  dc.on('progressEnd', (e: DebugProtocol.ProgressEndEvent) => events.end.push(e));
  const caps =
    (
      await dc.initializeRequest({
        adapterID: 'nnet',
        supportsProgressReporting: progress,
        linesStartAt1: true,
        columnsStartAt1: true,
        pathFormat: 'path',
      })
    ).body ?? {};
  await dc.setBreakpointsRequest({
    source: { path: program },
    breakpoints: [{ line: OUT, condition: `step >= ${FAR}` }],
  });
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped', 120_000),
  ]);
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: then });
  events.start.length = events.update.length = events.end.length = 0;
  return { dc, events, caps };
}

const topFrame = async (dc: DebugClient) => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].name;
const stepOf = (frame: string) => Number(/· step (\d+)/.exec(frame)?.[1]);
const until = async (what: string, ok: () => boolean, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('Reverse Continue over a long history shows cancellable progress and stops on Pause, then on cancel, consistently', async () => {
  const { dc, events, caps } = await pausedFar(true);
  try {
    assert.equal(caps.supportsCancelRequest, true);
    const from = stepOf(await topFrame(dc));
    assert.ok(from >= FAR, `paused at step ${from}`);

    // Pause while it replays: a stop soon after, between the start of training and where it began.
    let stopped = dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>;
    await dc.reverseContinueRequest({ threadId: 1 });
    await until('progressStart', () => events.start.length > 0);
    const start = events.start[0].body;
    assert.equal(start.cancellable, true);
    assert.match(start.title, /^Reverse Continue/);
    await until('a progress update', () => events.update.length > 0);
    assert.ok(
      events.update.every(
        (u) =>
          u.body.progressId === start.progressId && (u.body.percentage ?? 0) >= 0 && (u.body.percentage ?? 101) <= 100,
      ),
    );
    const t0 = Date.now();
    await dc.pauseRequest({ threadId: 1 });
    const paused = await stopped;
    const pauseMs = Date.now() - t0;
    assert.equal(paused.body.reason, 'pause');
    assert.ok(pauseMs < 2000, `Pause took ${pauseMs} ms`);
    assert.deepEqual(
      events.end.map((e) => e.body.progressId),
      [start.progressId],
      'the progress ends with the stop',
    );
    const at = stepOf(await topFrame(dc));
    assert.ok(at >= 1 && at <= from, `stopped at step ${at}`);
    // A consistent stop: expressions agree with the frame, and the debugger steps on from there.
    assert.equal(
      Number((await dc.evaluateRequest({ expression: 'step', frameId: 1, context: 'repl' })).body.result),
      at,
    );
    stopped = dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>;
    await dc.nextRequest({ threadId: 1 });
    assert.equal((await stopped).body.reason, 'step');

    // Again, stopped this time by cancelling its progress, as the progress notification's Cancel does. From step FAR
    // once more, so that the search runs for seconds: the cancel must reach it before it ends, on a busy machine too.
    await dc.setBreakpointsRequest({
      source: { path: program },
      breakpoints: [{ line: OUT, condition: `step >= ${FAR}` }],
    });
    stopped = dc.waitForEvent('stopped', 60_000) as Promise<DebugProtocol.StoppedEvent>;
    await dc.continueRequest({ threadId: 1 });
    assert.equal((await stopped).body.reason, 'breakpoint');
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: NEVER });
    const far = stepOf(await topFrame(dc));
    assert.ok(far >= FAR, `back at step ${far}`);
    events.start.length = events.end.length = 0;
    stopped = dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>;
    await dc.reverseContinueRequest({ threadId: 1 });
    await until('progressStart', () => events.start.length > 0);
    await dc.customRequest('cancel', { progressId: events.start[0].body.progressId });
    const cancelled = await stopped;
    assert.equal(cancelled.body.reason, 'pause');
    assert.deepEqual(
      events.end.map((e) => e.body.progressId),
      [events.start[0].body.progressId],
    );
    const again = stepOf(await topFrame(dc));
    assert.ok(again >= 1 && again < far, `stopped at step ${again}`);
  } finally {
    await dc.stop();
  }
});

test('without supportsProgressReporting the same rewind sends no progress events and still stops on Pause', async () => {
  const { dc, events } = await pausedFar(false);
  try {
    const stopped = dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>;
    await dc.reverseContinueRequest({ threadId: 1 });
    await new Promise((r) => setTimeout(r, 800));
    await dc.pauseRequest({ threadId: 1 });
    assert.equal((await stopped).body.reason, 'pause');
    assert.deepEqual([events.start.length, events.update.length, events.end.length], [0, 0, 0]);
  } finally {
    await dc.stop();
  }
});

test('Reverse Continue with no breakpoint at all does not search: it lands on the oldest state kept at once', async () => {
  const { dc, events } = await pausedFar(true, []);
  try {
    const output: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
    const stopped = dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>;
    const t0 = Date.now();
    await dc.reverseContinueRequest({ threadId: 1 });
    const landed = await stopped;
    const ms = Date.now() - t0;
    // Where the history begins depends on how it spaced its checkpoints (by measured time): the start of training,
    // or a later step that the stop and the notice agree on.
    const notice =
      /^No earlier breakpoint hit: rewound to (the start of training|the oldest state kept \(step (\d+)\))\n$/;
    const said = output.map((o) => notice.exec(o)).find((m) => m);
    assert.ok(said, `the notice, among ${JSON.stringify(output)}`);
    if (said[2]) {
      assert.equal(landed.body.reason, 'step');
      assert.equal(stepOf(await topFrame(dc)), Number(said[2]));
    } else assert.equal(landed.body.reason, 'entry');
    // No replay, so no progress: a search of this history reports progress after 0.3 s and runs for seconds.
    assert.deepEqual([events.start.length, events.update.length, events.end.length], [0, 0, 0]);
    assert.ok(ms < 2000, `Reverse Continue from step ${FAR} took ${ms} ms`);
  } finally {
    await dc.stop();
  }
});
