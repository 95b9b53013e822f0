// A dying engine worker ends the debug session with a clear error, and the next session trains normally.
// The adapter runs in-process as a DAP server so the test can give it a worker that crashes (a stand-in that
// isolates the adapter); the second session uses the real dist/worker.js.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { NnetDebugSession } from '../../extension/debug/session';

const root = path.resolve(__dirname, '..', '..');
const xor = path.join(root, 'examples', 'xor.nnet');

/** Serves NnetDebugSession over TCP on a free port, each connection using `workerScript`. */
async function serve(workerScript: string): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((socket) => {
    const session = new NnetDebugSession({ workerScript });
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

async function runSession(workerScript: string): Promise<{ stderr: string; console: string }> {
  const srv = await serve(workerScript);
  const dc = new DebugClient('node', '', 'nnet');
  await dc.start(srv.port);
  const stderr: string[] = [],
    consoleOut: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) =>
    (e.body.category === 'stderr' ? stderr : consoleOut).push(e.body.output),
  );
  try {
    await dc.initializeRequest();
    await dc.configurationDoneRequest();
    await Promise.all([
      dc.launchRequest({ program: xor } as DebugProtocol.LaunchRequestArguments),
      dc.waitForEvent('terminated', 20_000),
    ]);
  } finally {
    await dc.stop();
    srv.close();
  }
  return { stderr: stderr.join(''), console: consoleOut.join('') };
}

test('a crashing worker ends the session with a clear error; a new session then trains', async () => {
  const crash = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-crash-')), 'crash-worker.js');
  fs.writeFileSync(
    crash,
    `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (m) => {
      if (m.kind !== 'start') return;
      parentPort.postMessage({ kind: 'started', layerNames: ['h1', 'out'], parameterCount: 17, epochs: 2000 });
      setTimeout(() => { throw new Error('simulated crash in the engine'); }, 20);
    });`,
  );
  const crashed = await runSession(crash);
  assert.match(crashed.stderr, /The training worker stopped unexpectedly: simulated crash in the engine/);

  const real = path.join(root, 'dist', 'worker.js');
  assert.ok(fs.existsSync(real), 'run `npm run build` first');
  const again = await runSession(real);
  assert.equal(again.stderr, '');
  assert.match(again.console, /finished after 2000 steps/);
});
