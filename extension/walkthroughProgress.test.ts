// The walkthrough's debugger steps read from the real adapter's DAP traffic (dist/debugAdapter.js over stdio): each
// request sent and each stopped event received is fed to WalkthroughProgress, as the extension's tracker does.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { WALKTHROUGH_KEYS, WalkthroughProgress, type WalkthroughKey } from './walkthroughProgress';

const root = path.resolve(__dirname, '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const xor = path.join(root, 'examples', 'xor.nnet');
const OUT_LINE = 5; // `  dense out 1 sigmoid`
const { paused, sawDelta, steppedBack } = WALKTHROUGH_KEYS;

let dc: DebugClient;
let progress: WalkthroughProgress;
/** What each stopped event completed, in order, with the adapter's description of the stop. */
let stops: { description: string; keys: WalkthroughKey[] }[];

beforeEach(async () => {
  assert.ok(fs.existsSync(adapter), 'run `npm run build` first');
  dc = new DebugClient('node', adapter, 'nnet');
  progress = new WalkthroughProgress();
  stops = [];
  dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
    stops.push({ description: e.body.description ?? '', keys: progress.fromAdapter(e) });
  });
  await dc.start();
});
afterEach(() => dc.stop());

/** Sends a request that moves the run, as VS Code would (the tracker sees it first), and waits for the stop. */
async function move(
  command: 'continue' | 'stepIn' | 'stepBack' | 'next',
  send: () => Promise<unknown>,
): Promise<WalkthroughKey[]> {
  assert.deepEqual(progress.fromClient({ type: 'request', command, seq: 0 } as DebugProtocol.Request), []);
  const before = stops.length;
  await Promise.all([send(), dc.waitForEvent('stopped')]);
  assert.equal(stops.length, before + 1);
  return stops[before].keys;
}

test('a breakpoint stop, Step Into to δ, then Step Back complete the three debugger steps in turn', async () => {
  await dc.initializeRequest();
  await dc.setBreakpointsRequest({ source: { path: xor }, breakpoints: [{ line: OUT_LINE }] });
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program: xor } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped'),
  ]);
  assert.deepEqual(
    stops.map((s) => s.keys),
    [[paused]],
    'the breakpoint stop on forward out',
  );
  assert.equal(stops[0].description, 'Paused on forward out');

  const thread = { threadId: 1 };
  // On to the backward pass of out (the breakpoint fires there too), then into the next event, backward h1:
  // ∂L/∂a first, then δ.
  assert.deepEqual(await move('continue', () => dc.continueRequest(thread)), [paused]);
  assert.equal(stops.at(-1)!.description, 'Paused on backward out');
  assert.deepEqual(await move('stepIn', () => dc.stepInRequest(thread)), [paused]);
  assert.match(stops.at(-1)!.description, /∂L\/∂a = /);
  assert.deepEqual(await move('stepIn', () => dc.stepInRequest(thread)), [paused, sawDelta]);
  assert.match(stops.at(-1)!.description, /^Paused on backward h1: δ = ∂L\/∂a ⊙ tanh′\(z\)$/);
  // Step Back rewinds to ∂L/∂a; a Step Over after it is not a step back.
  assert.deepEqual(await move('stepBack', () => dc.stepBackRequest(thread)), [paused, steppedBack]);
  assert.match(stops.at(-1)!.description, /∂L\/∂a = /);
  assert.deepEqual(await move('next', () => dc.nextRequest(thread)), [paused]);
});

test('requests that do not move the run leave the meaning of the next stop alone', () => {
  const p = new WalkthroughProgress();
  p.fromClient({ type: 'request', command: 'stepBack' });
  p.fromClient({ type: 'request', command: 'stackTrace' });
  p.fromClient({ type: 'request', command: 'variables' });
  assert.deepEqual(p.fromAdapter({ type: 'event', event: 'output', body: {} }), []);
  assert.deepEqual(p.fromAdapter({ type: 'event', event: 'stopped', body: { reason: 'step' } }), [paused, steppedBack]);
  // Each move is read once: the stop after it used it up.
  assert.deepEqual(p.fromAdapter({ type: 'event', event: 'stopped', body: { reason: 'breakpoint' } }), [paused]);
});
