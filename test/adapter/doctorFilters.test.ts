// The doctor's exception filters over real DAP (dist/debugAdapter.js): the adapter declares one per rule with its
// threshold as the condition, a session with the `saturated` filter stops on the layer with the rule's words and
// numbers (stopped event and exceptionInfo), a condition above the measured share lets the run end, and the
// session ends with the doctor's findings in `nnet.ended`.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const program = path.join(root, 'test', 'fixtures', 'saturated.nnet');

let dc: DebugClient;
beforeEach(async () => {
  dc = new DebugClient('node', path.join(root, 'dist', 'debugAdapter.js'), 'nnet');
  await dc.start();
});
afterEach(() => dc.stop());

const SATURATED =
  /^Saturated tanh: (\d+)% of the outputs of 'h1' sit where φ′ is below a tenth of its maximum \(threshold 50%\) \[saturated, layer 'h1'\]$/;

test('the saturated filter stops on h1 with the rule, the layer and the share', async () => {
  const init = await dc.initializeRequest({
    adapterID: 'nnet',
    linesStartAt1: true,
    columnsStartAt1: true,
    pathFormat: 'path',
  });
  const saturated = init.body?.exceptionBreakpointFilters?.find((f) => f.filter === 'saturated');
  assert.equal(saturated?.supportsCondition, true);
  assert.match(saturated?.conditionDescription ?? '', /default 0\.5: the setting nnet\.doctor\.saturatedShare/);
  const set = await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'saturated' }] });
  assert.deepEqual(
    set.body?.breakpoints?.map((b) => b.verified),
    [true],
  );
  await dc.configurationDoneRequest();
  const [, ev] = await Promise.all([
    dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>,
  ]);
  assert.equal(ev.body.reason, 'exception');
  const share = Number(SATURATED.exec(ev.body.description ?? '')?.[1]);
  assert.ok(share > 50, ev.body.description);
  const info = await dc.exceptionInfoRequest({ threadId: 1 });
  assert.equal(info.body.details?.typeName, 'saturated');
  assert.equal(info.body.exceptionId, 'Saturated tanh/sigmoid');
  assert.match(info.body.description ?? '', SATURATED);
  const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
  assert.equal(frame.line, 5, 'the h1 line');
});

test('a threshold above the measured share never stops; the session ends with the finding the default gives', async () => {
  await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const set = await dc.setExceptionBreakpointsRequest({
    filters: [],
    filterOptions: [
      { filterId: 'saturated', condition: '0.99' },
      { filterId: 'lossSpike', condition: '0.5' },
    ],
  });
  assert.deepEqual(
    set.body?.breakpoints?.map((b) => b.verified),
    [true, false],
    'a spike factor below 1 is refused',
  );
  await dc.configurationDoneRequest();
  const [, ended] = await Promise.all([
    dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('nnet.ended') as Promise<DebugProtocol.Event>,
  ]);
  const findings = (ended.body as { findings?: { rule: string; line: number; layer: string }[] }).findings;
  // The condition is the session's threshold for the doctor too: at 0.99 the rule does not hold.
  assert.ok(Array.isArray(findings), JSON.stringify(ended.body));
  assert.equal(
    findings.find((f) => f.rule === 'saturated'),
    undefined,
  );
});

test('without filters the session ends with the saturated finding on the h1 line', async () => {
  await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.configurationDoneRequest();
  const [, ended] = await Promise.all([
    dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('nnet.ended') as Promise<DebugProtocol.Event>,
  ]);
  const findings = (ended.body as { findings?: { rule: string; line: number; layer: string }[] }).findings ?? [];
  const f = findings.find((x) => x.rule === 'saturated');
  assert.ok(f, JSON.stringify(ended.body));
  assert.deepEqual([f.line, f.layer], [4, 'h1']);
});
