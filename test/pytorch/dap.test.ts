// The PyTorch debug session over real DAP (@vscode/debugadapter-testsupport) with the real probe and Debian's
// python3-torch: a breakpoint on the `self.fc2 = …` line stops at fc2's forward and backward, and the weight.grad
// read through Variables equals what the script dumps itself.

import type { DebugClient } from '@vscode/debugadapter-testsupport';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { pythonForTests } from '../python';
import { moduleVariables, readMatrix, root, startSession, topFrame } from './dapHarness';

const { python, skip } = pythonForTests();
const train = path.join(root, 'examples', 'pytorch', 'train.py');
const lineOf = (file: string, text: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;
const FC2 = lineOf(train, 'self.fc2 = ');

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function session(): Promise<DebugClient> {
  const s = await startSession(python);
  close = s.close;
  return s.dc;
}

async function launch(
  dc: DebugClient,
  program: string,
  extra: Record<string, unknown>,
  lines: { line: number; mode?: string; condition?: string; hitCondition?: string; logMessage?: string }[] = [],
) {
  await dc.initializeRequest();
  const bps = await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: lines });
  await dc.configurationDoneRequest();
  await dc.launchRequest({ program, ...extra } as never);
  return bps;
}

test(
  "breakpoint on self.fc2 = …: forward, then backward; weight.grad equals the script's own dump",
  { skip, timeout: 120_000 },
  async () => {
    const dc = await session();
    const dump = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-pt-')), 'grad.json');
    const verified = new Promise<boolean>((resolve) =>
      dc.on('breakpoint', (e) => e.body.breakpoint.verified && resolve(true)),
    );
    const [bps, stopped] = await Promise.all([
      launch(dc, train, { args: ['--steps', '3', '--dump', dump] }, [{ line: FC2 }]),
      dc.waitForEvent('stopped'),
    ]);
    assert.equal(bps.body.breakpoints[0].verified, false, 'pending until the model is built');
    assert.match(bps.body.breakpoints[0].message ?? '', /waits for the model to be built/);
    assert.equal(await verified, true);
    assert.equal(stopped.body.reason, 'breakpoint');
    let frame = await topFrame(dc);
    assert.equal(frame.name, 'forward fc2 · step 1 · rank 0');
    assert.equal(frame.line, FC2);
    assert.equal(frame.source?.path, train);
    const fwd = await moduleVariables(dc);
    assert.deepEqual([...fwd.keys()], ['input', 'output', 'weight', 'bias']);
    assert.match(
      fwd.get('weight')!.value,
      /^Float32\[32×32\] mean -?[\d.e-]+ min -?[\d.e-]+ max -?[\d.e-]+ ‖·‖ [\d.e-]+$/,
    );

    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    frame = await topFrame(dc);
    assert.equal(frame.name, 'backward fc2 · step 1 · rank 0');
    const bwd = await moduleVariables(dc);
    for (const name of ['weight.grad', 'bias.grad', 'grad_output (∂L/∂output)'])
      assert.ok(bwd.has(name), `missing ${name}`);
    const grad = await readMatrix(dc, bwd.get('weight.grad')!);
    assert.equal(grad.length, 32);
    assert.ok(grad.every((r) => r.length === 32));
    const evaluated = await dc.evaluateRequest({ expression: 'norm(fc2.weight.grad)', context: 'repl' });

    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    assert.equal((await topFrame(dc)).name, 'forward fc2 · step 2 · rank 0');
    // The script wrote its dump after the first backward, before this stop.
    const own = JSON.parse(fs.readFileSync(dump, 'utf8')) as { shape: number[]; values: number[] };
    assert.deepEqual(own.shape, [32, 32]);
    assert.deepEqual(
      grad.flat(),
      own.values.map((v) => Math.fround(v)),
    );
    const norm = Math.hypot(...own.values);
    assert.ok(Math.abs(Number(evaluated.body.result) - norm) <= 1e-5 * norm, `${evaluated.body.result} vs ${norm}`);
    await Promise.all([dc.disconnectRequest({ terminateDebuggee: true }), dc.waitForEvent('terminated')]);
  },
);
