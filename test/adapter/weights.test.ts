// `weights "FILE.npz"` in a debug session over real DAP: a session starts from the file's values (h1.W as the
// Debug Console reads it at entry), and a bad file refuses the launch with the line and the array named.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { pythonForTests, runPython } from '../python';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const py = pythonForTests();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-dapw-'));
const xor = fs.readFileSync(path.join(root, 'examples', 'xor.nnet'), 'utf8');

if (!py.skip)
  runPython(
    py.python,
    `import numpy as np
W = (np.arange(8, dtype=np.float32).reshape(4, 2) - 4) / 8
np.savez('good.npz', **{'h1.W': W, 'h1.b': np.zeros(4), 'out.W': np.ones((1, 4)), 'out.b': np.zeros(1)})
np.savez('bad.npz', **{'h1.W': W, 'h1.b': np.zeros(4), 'out.W': np.ones((1, 4))})`,
    dir,
  );

/** xor.nnet with a weights line at the end of its train block, saved in the test folder. */
function net(file: string): { program: string; line: number } {
  const text = `${xor.trimEnd()}\n  weights "${file}"\n`;
  const program = path.join(dir, `${file}.nnet`);
  fs.writeFileSync(program, text);
  return { program, line: text.trimEnd().split('\n').length };
}

let dc: DebugClient;
beforeEach(async () => {
  assert.ok(fs.existsSync(adapter), 'run `npm run build` first');
  dc = new DebugClient('node', adapter, 'nnet');
  await dc.start();
});
afterEach(() => dc.stop());

test('a debug session starts from the weights file', { skip: py.skip }, async () => {
  const { program } = net('good.npz');
  await dc.initializeRequest();
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped'),
  ]);
  const evaluate = async (expression: string) =>
    (await dc.evaluateRequest({ expression, frameId: 1, context: 'repl' })).body.result;
  assert.equal(await evaluate('h1.W[0, 1]'), '-0.375');
  assert.equal(await evaluate('h1.W[3, 1]'), '0.375');
  assert.equal(await evaluate('out.W[0, 2]'), '1');
});

test('a bad weights file refuses the launch with the line and the missing array', { skip: py.skip }, async () => {
  const { program, line } = net('bad.npz');
  await dc.initializeRequest();
  await dc.configurationDoneRequest();
  await assert.rejects(
    dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
    new RegExp(`bad\\.npz\\.nnet:${line}: 'bad\\.npz' has no 'out\\.b' \\[1\\]`),
  );
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
