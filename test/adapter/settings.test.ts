// Launch attributes that override the settings, and the adapter's log on stderr, against the standalone adapter
// (dist/debugAdapter.js) over real DAP: the vanishing filter's floor and ratio, the default threshold a filter
// without a condition takes, a memory budget that refuses the file, and the `trace` attribute's DAP trace.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const xor = path.join(root, 'examples', 'xor.nnet');

let dc: DebugClient;
let stderr = '';
beforeEach(async () => {
  assert.ok(fs.existsSync(adapter), 'run `npm run build` first');
  stderr = '';
  dc = new DebugClient('node', adapter, 'nnet', { env: { ...process.env, NNET_LOG_LEVEL: 'info' } });
  await dc.start();
  // The adapter's log goes to stderr (it has no output channel); the test client does not keep it, so listen here.
  (dc as unknown as { _adapterProcess: { stderr: NodeJS.ReadableStream } })._adapterProcess.stderr.on(
    'data',
    (d: Buffer) => {
      stderr += d.toString();
    },
  );
});
afterEach(() => dc.stop());

/**
 * Resolves with the adapter's stderr once `pattern` appears in it. The adapter writes its log to a pipe that is read
 * on its own schedule, so a DAP response can arrive before the log lines written just before it.
 */
async function stderrMatching(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return stderr;
}

/** Launches xor.nnet with `args`, the exception filters enabled, and resolves with the first stop or the end. */
async function run(
  args: Record<string, unknown>,
  filters: DebugProtocol.ExceptionFilterOptions[],
): Promise<DebugProtocol.StoppedEvent | 'terminated'> {
  await dc.initializeRequest();
  await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: filters });
  await dc.configurationDoneRequest();
  const outcome = Promise.race([
    dc.waitForEvent('stopped', 30_000) as Promise<DebugProtocol.StoppedEvent>,
    dc.waitForEvent('terminated', 30_000).then(() => 'terminated' as const),
  ]);
  await dc.launchRequest({ program: xor, ...args } as DebugProtocol.LaunchRequestArguments);
  return outcome;
}

test('a filter with no condition takes its threshold from the launch attributes: the vanishing floor fires only when raised', async () => {
  // A ratio of 0 never fires, so only the floor can: every mean |grad| of xor is below 1.
  const stop = await run({ vanishingRatio: 0, vanishingFloor: 1 }, [{ filterId: 'vanishing' }]);
  assert.ok(stop !== 'terminated', 'stopped');
  const info = (await dc.customRequest('exceptionInfo', { threadId: 1 })) as DebugProtocol.ExceptionInfoResponse;
  assert.match(info.body.description ?? '', /below the absolute floor 1$/);
  assert.match(
    await stderrMatching(/debug adapter: launch /),
    /\[nnet info\] debug adapter: launch .*xor\.nnet: history 256 MB, CSV up to 16 MB, memory budget 2048 MB/,
  );
  assert.match(
    await stderrMatching(/worker: debugging /),
    /\[nnet info\] worker: debugging .*xor\.nnet: 2 nodes, 17 parameters/,
    'the worker logs through the adapter',
  );
});

test('the same filter with the built-in floor does not fire', async () => {
  assert.equal(await run({ vanishingRatio: 0 }, [{ filterId: 'vanishing' }]), 'terminated');
});

test('a condition typed on the filter beats the launch attribute', async () => {
  assert.equal(await run({ explodingNorm: 1e-6 }, [{ filterId: 'exploding', condition: '1e9' }]), 'terminated');
});

test('an exploding threshold from the launch attribute, and a bad attribute logged with the default used', async () => {
  const stop = await run({ explodingNorm: 1e-6, deadReluShare: 7 }, [{ filterId: 'exploding' }]);
  assert.ok(stop !== 'terminated', 'stopped');
  assert.match(stop.body.description ?? '', /Exploding gradient: global norm .* > 0\.000001/);
  assert.match(
    await stderrMatching(/launch attribute 'deadReluShare'/),
    /\[nnet warn\] debug adapter: launch attribute 'deadReluShare': 7 is outside 0…1; using 0\.5/,
  );
});

test('memoryBudgetMB from the launch attribute refuses a file the default budget accepts', async () => {
  // 1000 samples × 4096 units of buffers: tens of MB, within the default 2 GiB, over 16 MB.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-settings-'));
  const file = path.join(dir, 'wide.nnet');
  fs.writeFileSync(
    file,
    'network wide\n  input 2\n  dense h 4096 relu\n  dense out 1\nloss mse\ndata generate xor n=1000\ntrain\n  batch 1000\n',
  );
  try {
    await dc.initializeRequest();
    await dc.configurationDoneRequest();
    await assert.rejects(
      dc.launchRequest({ program: file, memoryBudgetMB: 16 } as DebugProtocol.LaunchRequestArguments),
      /memory budget is 16 MiB/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('trace: every request, response and event is logged at trace level (the initialize before it is not: the attribute comes with launch)', async () => {
  const stop = await run({ trace: true, stopOnEntry: true }, []);
  assert.ok(stop !== 'terminated');
  await dc.threadsRequest();
  const lines = (await stderrMatching(/DAP ← response threads /))
    .split('\n')
    .filter((l) => l.startsWith('[nnet trace]'));
  assert.ok(
    lines.some((l) => /DAP → request launch \{.*"trace":true/.test(l)),
    lines.slice(0, 3).join('\n'),
  );
  assert.ok(lines.some((l) => /DAP ← event stopped \{.*"reason":"entry"/.test(l)));
  assert.ok(
    lines.some((l) => /DAP → request threads /.test(l)) && lines.some((l) => /DAP ← response threads /.test(l)),
  );
  assert.ok(!lines.some((l) => /request initialize/.test(l)));
});
