// Attaching to a script started elsewhere: the PyTorch session listens, the Debug Console names the command (the
// probe's address and this session's token), a script run under the probe from a "terminal" (a child process here)
// connects, stops at a breakpoint on its `self.fc2 = …` line, and the session ends when the script does.

import type { DebugClient } from '@vscode/debugadapter-testsupport';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { pythonForTests } from '../python';
import { root, startSession, topFrame } from './dapHarness';

const { python, skip } = pythonForTests();
const train = path.join(root, 'examples', 'pytorch', 'train.py');
const FC2 =
  fs
    .readFileSync(train, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('self.fc2 = ')) + 1;

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

test(
  'attach: a script started under the probe elsewhere stops at fc2 and ends the session',
  { skip, timeout: 120_000 },
  async () => {
    const s = await startSession(python);
    close = s.close;
    const dc: DebugClient = s.dc;
    const command = new Promise<string>((resolve) =>
      dc.on('output', (e) => {
        const text = String(e.body.output);
        if (text.includes('NNET_PROBE_CONNECT=')) resolve(text);
      }),
    );
    await dc.initializeRequest();
    await dc.setBreakpointsRequest({ source: { path: train }, breakpoints: [{ line: FC2, mode: 'forward' } as never] });
    await dc.configurationDoneRequest();
    await dc.attachRequest({} as never);
    const text = await command;
    const env = Object.fromEntries(
      [...text.matchAll(/(PYTHONPATH|NNET_PROBE_CONNECT|NNET_PROBE_TOKEN)=(\S+)/g)].map((m) => [m[1], m[2]]),
    );
    assert.match(env.NNET_PROBE_CONNECT ?? '', /^127\.0\.0\.1:\d+$/, text);
    assert.ok((env.NNET_PROBE_TOKEN ?? '').length >= 32, 'a per-session token');
    const child = spawn(python, ['-m', 'nnet_probe', train, '--steps', '2'], {
      cwd: path.dirname(train),
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await dc.waitForEvent('stopped', 60_000);
      assert.equal((await topFrame(dc)).name, 'forward fc2 · step 1 · rank 0');
      await dc.setBreakpointsRequest({ source: { path: train }, breakpoints: [] });
      const [ended] = await Promise.all([
        dc.waitForEvent('nnet.ended', 60_000),
        dc.waitForEvent('terminated', 60_000),
        dc.continueRequest({ threadId: 1 }),
      ]);
      assert.equal((ended.body as { error: unknown }).error, null);
      assert.match(String((ended.body as { summary: string }).summary), /finished/);
      assert.equal(await exited, 0, 'the script ran to its end');
    } finally {
      child.kill('SIGKILL');
    }
  },
);

test('attach: malformed arguments get an error response naming the field', { skip, timeout: 60_000 }, async () => {
  const s = await startSession(python);
  close = s.close;
  await s.dc.initializeRequest();
  await assert.rejects(s.dc.attachRequest({ port: 70000 } as never), /'port' must be a whole number from 0 to 65535/);
  await assert.rejects(s.dc.attachRequest({ rank: -1 } as never), /'rank' must be a whole number/);
});
