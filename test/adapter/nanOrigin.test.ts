// The NaN/Inf origin over real DAP (dist/debugAdapter.js): with the NaN or Inf filter on, networks built to
// overflow stop with the first chain-rule sub-step and tensor that held a non-finite value named in the stopped
// event and in exceptionInfo, at that layer's line.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const fixture = (name: string) => path.join(root, 'test', 'fixtures', name);

let dc: DebugClient;
beforeEach(async () => {
  dc = new DebugClient('node', path.join(root, 'dist', 'debugAdapter.js'), 'nnet');
  await dc.start();
});
afterEach(() => dc.stop());

const CASES: readonly [string, RegExp, number][] = [
  ['overflow.nnet', /^\+Inf first in z of h1 \(forward, sub-step 1\/2: z = x·Wᵀ \+ b\) at step 2 — loss is NaN/, 5],
  [
    'overflow-backward.nnet',
    /^−Inf first in W\.grad of out \(backward, sub-step 3\/5: ∂W = δᵀ·x\) at step 1 — gradient norm is/,
    6,
  ],
  ['overflow-update.nnet', /^[+−]Inf first in W of h1 \(update: sgd step\) at step 1 — loss is NaN/, 5],
];

for (const [file, expected, line] of CASES) {
  test(`${file}: the NaN/Inf stop names where the first non-finite value appeared`, async () => {
    const program = fixture(file);
    await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'nan' }] });
    await dc.configurationDoneRequest();
    const [, ev] = await Promise.all([
      dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
      dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
    ]);
    assert.equal(ev.body.reason, 'exception');
    assert.match(ev.body.description ?? '', expected);
    assert.match(ev.body.text ?? '', expected);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.details?.typeName, 'nan');
    assert.match(info.body.description ?? '', expected);
    // The stop points at the layer of the origin.
    assert.equal((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].line, line);
    // The frame is named after the origin's layer, in the phase and step where the run stopped.
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].name;
    assert.match(frame, line === 6 ? /^backward out · step 1/ : /^forward h1 · step 2/);
  });
}
