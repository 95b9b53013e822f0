// Runs a PyTorchDebugSession in this process behind a loopback DAP server, for @vscode/debugadapter-testsupport's
// DebugClient: the session is the real one the extension registers, with the real probe and Debian's python.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { silentLogger, streamLogger } from '../../debugger/log';
import { PyTorchDebugSession } from '../../extension/debug/pytorch/session';
import type { PythonFound } from '../../extension/python';
import { DEFAULT_SETTINGS } from '../../extension/settings';

export const root = path.resolve(__dirname, '..', '..');
export const probeDir = path.join(root, 'probe');

/** A client connected to a fresh session; `close` ends both. */
export async function startSession(
  python: string,
  findPython?: (configured: string | undefined) => Promise<PythonFound>,
): Promise<{ dc: DebugClient; close: () => Promise<void> }> {
  const sessions: PyTorchDebugSession[] = [];
  const server = net.createServer((socket) => {
    const s = new PyTorchDebugSession({
      log: process.env.NNET_TEST_LOG ? streamLogger(() => 'debug') : silentLogger,
      settings: DEFAULT_SETTINGS,
      probeDir,
      findPython: findPython ?? (() => Promise.resolve({ path: python, torch: 'test', source: 'default' })),
    });
    sessions.push(s);
    s.setRunAsServer(true);
    s.start(socket, socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const dc = new DebugClient('node', 'unused', 'nnet-pytorch');
  dc.defaultTimeout = 60_000;
  await dc.start(port);
  return {
    dc,
    close: async () => {
      await dc.stop();
      for (const s of sessions) s.dispose();
      server.close();
    },
  };
}

/** The stopped thread's single frame. */
export async function topFrame(dc: DebugClient, threadId = 1): Promise<DebugProtocol.StackFrame> {
  const st = await dc.stackTraceRequest({ threadId });
  assert.equal(st.body.stackFrames.length, 1);
  return st.body.stackFrames[0];
}

/** The module scope's variables by name. */
export async function moduleVariables(dc: DebugClient, threadId = 1): Promise<Map<string, DebugProtocol.Variable>> {
  const frame = await topFrame(dc, threadId);
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  return new Map(vars.body.variables.map((v) => [v.name, v]));
}

/** Reads a 2-D tensor variable by its rows, each in pages of `page` values, as the Variables view pages them. */
export async function readMatrix(dc: DebugClient, v: DebugProtocol.Variable, page = 10): Promise<number[][]> {
  const rows: DebugProtocol.Variable[] = [];
  for (let start = 0; start < (v.indexedVariables ?? 0); start += page)
    rows.push(
      ...(
        await dc.variablesRequest({ variablesReference: v.variablesReference, filter: 'indexed', start, count: page })
      ).body.variables,
    );
  const out: number[][] = [];
  for (const row of rows) {
    const cells: number[] = [];
    for (let start = 0; start < (row.indexedVariables ?? 0); start += page) {
      const got = await dc.variablesRequest({
        variablesReference: row.variablesReference,
        filter: 'indexed',
        start,
        count: page,
      });
      cells.push(...got.body.variables.map((c) => Math.fround(Number(c.value))));
    }
    out.push(cells);
  }
  return out;
}
