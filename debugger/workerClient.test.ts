// WorkerClient against stand-in worker scripts: the limits the engine's thread runs under, messages and exits relayed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { WorkerToHost } from './protocol';
import { WorkerClient, type WorkerExit } from './workerClient';

/** A worker script in a fresh temporary folder. */
function script(body: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-worker-client-')), 'worker.js');
  fs.writeFileSync(file, `const { parentPort, resourceLimits } = require('node:worker_threads');\n${body}\n`);
  return file;
}

function firstMessage(client: WorkerClient): Promise<WorkerToHost> {
  return new Promise((resolve) => {
    const sub = client.onDidReceiveMessage((m) => {
      sub.dispose();
      resolve(m);
    });
  });
}

function exit(client: WorkerClient): Promise<WorkerExit> {
  return new Promise((resolve) => client.onDidExit(resolve));
}

test('the thread runs with a small young generation (setup garbage would otherwise shrink the resident size mid-run)', async () => {
  const client = new WorkerClient(
    script(`parentPort.postMessage({ kind: 'log', level: 'info', message: JSON.stringify(resourceLimits) });`),
  );
  try {
    const m = await firstMessage(client);
    assert.equal(m.kind, 'log');
    const limits = JSON.parse((m as Extract<WorkerToHost, { kind: 'log' }>).message) as Record<string, number>;
    assert.equal(limits.maxYoungGenerationSizeMb, 4);
  } finally {
    client.dispose();
  }
});

test('a crash is reported with its message, and nothing is posted to a dead worker', async () => {
  const client = new WorkerClient(script(`throw new Error('boom in the worker');`));
  const gone = await exit(client);
  assert.equal(gone.code, 1);
  assert.match(gone.error ?? '', /boom in the worker/);
  assert.equal(client.isAlive, false);
  client.post({ kind: 'pause' }); // must not throw
  client.dispose();
});
