// Go to Step over real DAP against dist/debugAdapter.js: `nnet.gotoStep` runs forward past breakpoints to the first
// event of a step, rewinds back to one exactly (the same stop, bit for bit, as reaching it forward), is refused with
// the history setting named when the history no longer reaches the step, and leaves the session where it was then.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const deepSigmoid = path.join(root, 'examples', 'deep-sigmoid.nnet');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-goto-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A session of `program` paused on entry, with a breakpoint on every line in `lines`. */
async function onEntry(program: string, lines: readonly number[], extra: Record<string, unknown> = {}) {
  const dc = new DebugClient('node', adapter, 'nnet');
  await dc.start();
  await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: lines.map((line) => ({ line })) });
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program, stopOnEntry: true, ...extra } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped'),
  ]);
  return dc;
}

/** Sends nnet.gotoStep and waits for the stop it ends in (listening first: it may come with the response). */
async function goto(dc: DebugClient, step: number): Promise<{ direction: string; stop: DebugProtocol.StoppedEvent }> {
  const [stop, res] = await Promise.all([
    dc.waitForEvent('stopped', 60_000) as Promise<DebugProtocol.StoppedEvent>,
    dc.customRequest('nnet.gotoStep', { step }),
  ]);
  assert.deepEqual(Object.keys(res.body as object), ['direction'], 'the reply body is the direction only');
  return { direction: (res.body as { direction: string }).direction, stop };
}

const topFrame = async (dc: DebugClient) => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
const evaluate = async (dc: DebugClient, expression: string) =>
  (await dc.evaluateRequest({ expression, context: 'repl', frameId: 1 })).body.result;
/** What a stop shows: its frame, and values that change every step (the first layer's output and weights). */
const snapshot = async (dc: DebugClient) =>
  JSON.stringify([(await topFrame(dc)).name, await evaluate(dc, 'h_1.a'), await evaluate(dc, 'h_10.W')]);

test('nnet.gotoStep goes forward past breakpoints and back through the history, landing exactly on the step start', async () => {
  // A breakpoint on the repeated layer would stop at every one of its events: Go to Step passes it.
  const dc = await onEntry(deepSigmoid, [6]);
  try {
    const continued: DebugProtocol.ContinuedEvent[] = [];
    dc.on('continued', (e: DebugProtocol.ContinuedEvent) => continued.push(e));

    const fwd = await goto(dc, 120);
    assert.equal(fwd.direction, 'forward');
    assert.equal(fwd.stop.body.reason, 'step');
    const frame = await topFrame(dc);
    assert.equal(frame.name, 'forward h_1 · step 120 · epoch 120');
    assert.equal(frame.line, 6);
    assert.equal(continued.length, 1, 'the client is told the session runs until it stops');
    const atForward = await snapshot(dc);
    const vars = await dc.scopesRequest({ frameId: 1 });
    assert.ok(vars.body.scopes.length > 0, 'Variables has scopes at the landing');

    assert.equal((await goto(dc, 200)).direction, 'forward');
    assert.match((await topFrame(dc)).name, /^forward h_1 · step 200 /);

    const back = await goto(dc, 120);
    assert.equal(back.direction, 'back');
    assert.equal(back.stop.body.reason, 'step');
    assert.equal(await snapshot(dc), atForward, 'the rewound stop shows what the stop reached forward showed');

    // From the middle of a step (a later event of it), back to its own start.
    await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
    assert.match((await topFrame(dc)).name, /^forward h_2 · step 120 /);
    assert.equal((await goto(dc, 120)).direction, 'back');
    assert.equal(await snapshot(dc), atForward);
    assert.equal((await goto(dc, 120)).direction, 'here');
    assert.equal(await snapshot(dc), atForward);

    // Back to the very first step, and the breakpoint still works after a Go to Step.
    assert.equal((await goto(dc, 1)).direction, 'back');
    assert.equal((await topFrame(dc)).name, 'forward h_1 · step 1 · epoch 1');
    const [bp] = await Promise.all([
      dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
      dc.continueRequest({ threadId: 1 }),
    ]);
    assert.equal(bp.body.reason, 'breakpoint');
    assert.match((await topFrame(dc)).name, /^forward h_2 · step 1 /);

    await assert.rejects(dc.customRequest('nnet.gotoStep', { step: 201 }), /the run has 200 steps/);
    await assert.rejects(dc.customRequest('nnet.gotoStep', { step: 0 }), /step must be an integer/);
    await assert.rejects(dc.customRequest('nnet.gotoStep', {}), /step must be an integer/);
    assert.match((await topFrame(dc)).name, /^forward h_2 · step 1 /, 'a refused request leaves the session paused');
  } finally {
    await dc.stop();
  }
});

test('nnet.gotoStep back past the oldest state kept is refused, naming the history setting, and nothing moves', async () => {
  // XOR with 2,048 hidden units (~8k weights with Adam's state: 135 KB a checkpoint) in a 1 MB history holds at most 7
  // checkpoints, at most 4,096 steps apart (history.ts MAX_INTERVAL): whatever the spacing the run's timing picks,
  // its oldest checkpoints are overwritten long before step 60,000. (With 4 hidden units the ring is not bound by
  // the budget, and how far back it reaches depends on how fast the machine trains.)
  const program = path.join(dir, 'long-xor.nnet');
  fs.writeFileSync(
    program,
    fs
      .readFileSync(path.join(root, 'examples', 'xor.nnet'), 'utf8')
      .replace('epochs 2000', 'epochs 200000')
      .replace('dense h1 4 tanh', 'dense h1 2048 tanh'),
  );
  const dc = await onEntry(program, [], { historyMB: 1 });
  try {
    assert.equal((await goto(dc, 60_000)).direction, 'forward');
    const before = JSON.stringify([(await topFrame(dc)).name, await evaluate(dc, 'h1.W')]);
    assert.match(before, /step 60000 /);
    await assert.rejects(dc.customRequest('nnet.gotoStep', { step: 3 }), (e: Error) => {
      assert.match(e.message, /Cannot go to step 3: cannot go back to step 3: the history reaches back to step \d+/);
      assert.match(e.message, /nnet\.debug\.historyMB/);
      return true;
    });
    assert.equal(JSON.stringify([(await topFrame(dc)).name, await evaluate(dc, 'h1.W')]), before);
    // Within the history it still goes back.
    assert.equal((await goto(dc, 59_990)).direction, 'back');
    assert.match((await topFrame(dc)).name, /^forward h1 · step 59990 /);
  } finally {
    await dc.stop();
  }
});
