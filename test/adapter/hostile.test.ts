// Hostile requests to the debug adapter: malformed arguments, files that explode or block, a second launch. Each is
// answered with a clear error response (no stack trace) and the adapter lives on; no worker outlives its session.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { NnetDebugSession } from '../../extension/debug/session';
import { hasStack, RawDap, type Answer } from './rawDap';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const xor = path.join(root, 'examples', 'xor.nnet');
const INIT = { adapterID: 'nnet', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-hostile-'));
const write = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const nested = (open: string, n: number) =>
  `network r\ninput 2\n${`${open}\n`.repeat(n)}dense h 2\n${'end\n'.repeat(n)}dense out 1 sigmoid\nloss bce\ndata generate xor\n`;

function failed(a: Answer, message: RegExp): void {
  assert.notEqual(a, 'exited', 'the adapter exited');
  assert.notEqual(a, 'timeout', 'no answer within the bound');
  const r = a as DebugProtocol.Response;
  assert.equal(r.success, false, `expected an error response, got ${JSON.stringify(r)}`);
  assert.match(r.message ?? '', message);
  assert.ok(!hasStack(r), `stack trace in ${JSON.stringify(r)}`);
}

test('malformed requests get clear error responses without stack traces; the adapter lives on', async () => {
  assert.ok(fs.existsSync(adapter), 'run `npm run build` first');
  const dap = new RawDap(adapter);
  try {
    const init = await dap.request('initialize', INIT);
    assert.equal((init as DebugProtocol.Response).success, true);
    failed(await dap.request('variables'), /^'variables' needs arguments$/);
    failed(await dap.request('setVariable'), /^'setVariable' needs arguments$/);
    failed(await dap.request('variables', { variablesReference: 'x' }), /variablesReference must be an integer/);
    failed(await dap.request('setBreakpoints'), /needs arguments/);
    failed(
      await dap.request('setBreakpoints', { source: {}, breakpoints: [{ line: 'one' }] }),
      /breakpoints\[0\]\.line must be an integer/,
    );
    failed(await dap.request('setFunctionBreakpoints', {}), /breakpoints is missing/);
    failed(await dap.request('setExceptionBreakpoints', { filters: [1] }), /filters must be an array of strings/);
    failed(await dap.request('completions', { text: 3, column: 1 }), /text must be a string/);
    failed(await dap.request('threads', 5), /arguments of 'threads' must be an object/);
    failed(await dap.request('launch'), /^'launch' needs arguments$/);
    failed(await dap.request('launch', { program: 42 }), /program must be a non-empty string/);
    failed(await dap.request('launch', { program: xor, dataRoot: 42 }), /dataRoot must be a non-empty string/);
    failed(await dap.request('launch', { program: xor, historyMB: 'lots' }), /historyMB must be a number/);
    const threads = await dap.request('threads', {});
    assert.equal((threads as DebugProtocol.Response).success, true);
    assert.equal(dap.exit, null, dap.stderr);
  } finally {
    await dap.close();
  }
});

test(
  'launching files that explode, overflow or block is refused at once with the reason',
  { skip: process.platform === 'win32' && 'no FIFOs' },
  async () => {
    const fifo = path.join(tmp, 'pipe.nnet');
    execFileSync('mkfifo', [fifo]);
    const cases: [string, RegExp][] = [
      [
        write('repeats.nnet', nested('repeat 256', 3)),
        /repeats\.nnet:4: repeating 256 layer\(s\) 256 times makes the network 65,536 layers/,
      ],
      [write('doubling.nnet', nested('repeat 2', 18)), /doubling\.nnet:10: repeating 1024 layer\(s\) 2 times/],
      [write('deep.nnet', nested('residual', 3000)), /deep\.nnet:35: blocks nest 33 deep here/],
      [
        write(
          'memory.nnet',
          'network m\ninput 2\ndense h 8192 relu\ndense out 1 sigmoid\nloss bce\ndata generate xor n=100000\n',
        ),
        /memory\.nnet:3: batch 100,000 × width 8,192 needs 12\.2 GiB/,
      ],
      [fifo, /is not a file: it is a pipe/],
      ['/dev/zero', /is not a file: it is a device/],
    ];
    for (const [program, message] of cases) {
      // One adapter per launch: a session launches once.
      const dap = new RawDap(adapter);
      try {
        await dap.request('initialize', INIT);
        await dap.request('configurationDone', {});
        failed(await dap.request('launch', { program }, 30_000), message);
        assert.equal(((await dap.request('threads', {})) as DebugProtocol.Response).success, true);
      } finally {
        await dap.close();
      }
    }
  },
);

/** Serves NnetDebugSession over TCP, each connection using `workerScript` (as workerCrash.test.ts does). */
async function serve(workerScript: string): Promise<{ port: number; close: () => void }> {
  const sessions: NnetDebugSession[] = [];
  const server = net.createServer((socket) => {
    const session = new NnetDebugSession({ workerScript });
    sessions.push(session);
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // Disposing the sessions ends any worker still running, so a failed assertion cannot leave this process hanging.
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      sessions.forEach((x) => x.dispose());
      server.close();
    },
  };
}

/**
 * A stand-in worker that answers `start` and then appends to a heartbeat file every 10 ms for as long as it lives,
 * ignoring every other message (`stop` included): the file stops growing only when the worker is ended.
 */
function heartbeatWorker(name: string): { beat: string; worker: string } {
  const beat = path.join(tmp, `heartbeat-${name}`);
  const worker = write(
    `${name}-worker.js`,
    `
    const fs = require('node:fs');
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (m) => {
      if (m.kind !== 'start') return;
      parentPort.postMessage({ kind: 'started', layerNames: ['h1', 'out'], parameterCount: 17, epochs: 2000 });
      setInterval(() => fs.appendFileSync(${JSON.stringify(beat)}, '.'), 10);
    });`,
  );
  return { beat, worker };
}

test('a second launch is refused, and no worker keeps running after disconnect', async () => {
  const { beat, worker } = heartbeatWorker('beating');
  const srv = await serve(worker);
  const dc = new DebugClient('node', '', 'nnet');
  await dc.start(srv.port);
  try {
    await dc.initializeRequest();
    await dc.configurationDoneRequest();
    await dc.launchRequest({ program: xor } as DebugProtocol.LaunchRequestArguments);
    await assert.rejects(
      dc.launchRequest({ program: xor } as DebugProtocol.LaunchRequestArguments),
      /already launched xor\.nnet; start a new session/,
    );
    for (let i = 0; i < 200 && !fs.existsSync(beat); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(fs.existsSync(beat), 'the worker started');
    await dc.disconnectRequest({});
    await new Promise((r) => setTimeout(r, 300));
    const before = fs.statSync(beat).size;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(fs.statSync(beat).size, before, 'a worker kept running after disconnect');
  } finally {
    srv.close();
    await dc.stop();
  }
});

test('terminate ends a session whose worker ignores the stop, and the worker with it', async () => {
  // It ignores 'stop', as a worker stuck in a long step would.
  const { beat, worker } = heartbeatWorker('deaf');
  const srv = await serve(worker);
  const dc = new DebugClient('node', '', 'nnet');
  await dc.start(srv.port);
  try {
    await dc.initializeRequest();
    await dc.configurationDoneRequest();
    await dc.launchRequest({ program: xor } as DebugProtocol.LaunchRequestArguments);
    for (let i = 0; i < 200 && !fs.existsSync(beat); i++) await new Promise((r) => setTimeout(r, 25));
    // DebugClient has no event timeout on a socket connection, hence the race.
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest({});
    await Promise.race([
      terminated,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('no terminated event within 15 s of terminate')), 15_000).unref(),
      ),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const before = fs.statSync(beat).size;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(fs.statSync(beat).size, before, 'the worker kept running after the session ended');
  } finally {
    srv.close();
    await dc.stop();
  }
});
