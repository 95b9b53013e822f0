// A breakpoint set while paused and a Continue sent at once (F9 then F5): the adapter reads the file before the
// breakpoint reaches the worker, so the Continue must wait for it, or training runs past the new breakpoint.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const xor = path.join(root, 'examples', 'xor.nnet');
const OUT_LINE = 5;

let dc: DebugClient;
beforeEach(async () => {
  assert.ok(fs.existsSync(adapter), 'run `npm run build` first');
  dc = new DebugClient('node', adapter, 'nnet');
  await dc.start();
});
afterEach(() => dc.stop());

for (const resume of ['continue', 'next'] as const) {
  test(`a breakpoint set while paused takes effect for a ${resume} sent before its answer`, async () => {
    await dc.initializeRequest();
    await dc.configurationDoneRequest();
    const entry = dc.waitForEvent('stopped', 20_000);
    await dc.launchRequest({ program: xor, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
    await entry;
    const stop = dc.waitForEvent('stopped', 20_000) as Promise<DebugProtocol.StoppedEvent>;
    // Both requests leave before either is answered, as VS Code sends them on F9 then F5.
    const set = dc.setBreakpointsRequest({ source: { path: xor }, breakpoints: [{ line: OUT_LINE }] });
    const go = resume === 'continue' ? dc.continueRequest({ threadId: 1 }) : dc.nextRequest({ threadId: 1 });
    await Promise.all([set, go]);
    const stopped = await stop;
    if (resume === 'continue') assert.equal(stopped.body.reason, 'breakpoint');
    const st = await dc.stackTraceRequest({ threadId: 1 });
    const frame = st.body.stackFrames[0];
    // Continue stops at the new breakpoint in the first step; Next stops at the next event (forward h1) either way.
    if (resume === 'continue') {
      assert.equal(frame.line, OUT_LINE);
      assert.match(frame.name, /forward out · step 1\b/);
    } else assert.match(frame.name, /forward h1 · step 1\b/);
  });
}
