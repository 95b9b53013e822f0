// Check Gradients Here over real DAP: the `nnet.checkGradients` request of the standalone adapter reports every
// gradient of healthy layers within 1e-6 of float64 finite differences (in its response and the Debug Console),
// leaves the paused run bit-identical, and flags a layer whose backward is broken in a test build of the worker.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as esbuild from 'esbuild';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { GradCheckReport } from '../../debugger/protocol';
import { NnetDebugSession } from '../../extension/debug/session';

const root = path.resolve(__dirname, '..', '..');
const example = (name: string) => path.join(root, 'examples', name);

/** 1-based line of the first line of `file` matching `re`. */
function lineOf(file: string, re: RegExp): number {
  const i = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} in ${file}`);
  return i + 1;
}

/** A session of the standalone adapter (or of an in-process one on `port`), paused at the first stop on `line`. */
async function pausedAt(program: string, line: number, port?: number): Promise<{ dc: DebugClient; console: string[] }> {
  const dc =
    port === undefined
      ? new DebugClient('node', path.join(root, 'dist', 'debugAdapter.js'), 'nnet')
      : new DebugClient('node', '', 'nnet');
  await dc.start(port);
  const console: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    if (e.body.category === 'console') console.push(e.body.output);
  });
  await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line }] });
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped'),
  ]);
  return { dc, console };
}

const check = async (dc: DebugClient, layer?: string) =>
  (await dc.customRequest('nnet.checkGradients', layer === undefined ? {} : { layer })).body as GradCheckReport;

const HEALTHY: readonly [string, RegExp, readonly string[]][] = [
  ['xor.nnet', /^\s*dense h1\b/, ['h1', 'out']],
  ['residual.nnet', /^\s*dense h\b/, ['stem', 'h_1', 'block_1', 'h_10', 'out']],
  ['batchnorm.nnet', /^\s*batchnorm bn1\b/, ['h1', 'bn1', 'h2', 'bn2', 'out']],
  ['layernorm.nnet', /^\s*layernorm ln1\b/, ['h1', 'ln1', 'h2', 'ln2', 'out']],
];

for (const [file, re, layers] of HEALTHY) {
  test(`${file}: every gradient of its layers is within 1e-6 of finite differences, in the response and the console`, async () => {
    const program = example(file);
    const { dc, console } = await pausedAt(program, lineOf(program, re));
    try {
      // On to the same layer's backward pass (listening first: the stop may arrive with the response).
      await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
      const here = await check(dc);
      assert.equal(here.line, lineOf(program, re));
      const reports = [here, ...(await Promise.all(layers.map((l) => check(dc, l))))];
      for (const r of reports) {
        assert.ok(r.tensors.length >= 1, r.layer);
        for (const t of r.tensors) assert.ok(t.maxRelError < 1e-6 && t.ok, `${t.path}: ${t.maxRelError}`);
        assert.ok(r.ok);
      }
      // Dense layers: W, b and δ each.
      assert.deepEqual(
        reports.find((r) => r.layer === 'out')!.tensors.map((t) => t.path),
        ['out.W.grad', 'out.b.grad', 'out.delta'],
      );
      const text = console.join('');
      assert.match(text, new RegExp(`Gradient check of ${here.layer} at step 1 .*: all \\d gradients agree`));
      assert.match(text, /out\.W\.grad +max rel error \d\.\de-\d+ +\(\d+ of \d+ entries\) +ok/);
    } finally {
      await dc.stop();
    }
  });
}

test('a check leaves the paused run as it was: the stops after it read bit-identical tensors', async () => {
  const program = example('xor.nnet'),
    line = lineOf(program, /^\s*dense h1\b/);
  const walk = async (checking: boolean): Promise<unknown[]> => {
    const { dc } = await pausedAt(program, line);
    const seen: unknown[] = [];
    const read = async () => [
      (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].name,
      (await dc.customRequest('nnet.layerDetail', { layer: 'h1' })).body,
      (await dc.customRequest('nnet.layerDetail', { layer: 'out' })).body,
    ];
    try {
      for (let k = 0; k < 12; k++) {
        const before = await read();
        if (checking) {
          const r = await check(dc, k % 2 ? 'out' : 'h1');
          assert.ok(r.ok);
          assert.deepEqual(await read(), before, 'the check changed what the stop shows');
        }
        seen.push(before);
        await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      }
    } finally {
      await dc.stop();
    }
    return seen;
  };
  const checked = await walk(true),
    plain = await walk(false);
  assert.deepEqual(checked, plain);
});

test('a layer whose backward is broken in a test build of the worker is flagged; the layer above passes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-broken-'));
  const workerScript = path.join(dir, 'worker.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'brokenBackward.worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: workerScript,
    logLevel: 'silent',
  });
  const program = path.join(dir, 'broken.nnet');
  fs.writeFileSync(program, fs.readFileSync(example('xor.nnet'), 'utf8').replace(/\bh1\b/g, 'broken'));
  const server = net.createServer((socket) => {
    const session = new NnetDebugSession({ workerScript });
    session.setRunAsServer(true);
    session.start(socket, socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { dc, console } = await pausedAt(
    program,
    lineOf(program, /^\s*dense broken\b/),
    (server.address() as net.AddressInfo).port,
  );
  try {
    const bad = await check(dc);
    assert.equal(bad.layer, 'broken');
    assert.equal(bad.ok, false);
    const by = Object.fromEntries(bad.tensors.map((t) => [t.path, t]));
    // W.grad and b.grad are 1% off: relative error ≈ 0.01 / 2.01 where the gradient is not tiny.
    for (const p of ['broken.W.grad', 'broken.b.grad']) {
      assert.equal(by[p].ok, false, p);
      assert.ok(by[p].maxRelError > 1e-3, `${p}: ${by[p].maxRelError}`);
      assert.ok(Math.abs(by[p].analytic / by[p].numeric - 1.01) < 1e-6, `${p}: ${by[p].analytic} vs ${by[p].numeric}`);
    }
    assert.ok(by['broken.delta'].ok, 'δ is computed before the break');
    assert.ok((await check(dc, 'out')).ok);
    assert.match(console.join(''), /Gradient check of broken at step 1 .*: 2 of 3 gradients disagree/);
    assert.match(console.join(''), /broken\.W\.grad +max rel error [\d.]+e-3 .* WRONG \(entry \d+: analytic/);
  } finally {
    await dc.stop();
    server.close();
  }
});

test('outside a pause, or on a name the network lacks, the request fails with a message', async () => {
  const program = example('xor.nnet');
  const { dc } = await pausedAt(program, lineOf(program, /^\s*dense h1\b/));
  try {
    await assert.rejects(check(dc, 'nope'), /there is no layer named 'nope'/);
    await assert.rejects(dc.customRequest('nnet.checkGradients', { layer: 3 }), /layer must be a string or null/);
    assert.equal((await dc.customRequest('nnet.checkGradients', { layer: null })).body.layer, 'h1');
    await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [] });
    await dc.continueRequest({ threadId: 1 });
    await assert.rejects(check(dc), /only while paused/);
  } finally {
    await dc.stop();
  }
});

test('gradcheck(layer) in the Debug Console runs the same check; gradcheck() checks the paused layer', async () => {
  const program = example('xor.nnet');
  const { dc } = await pausedAt(program, lineOf(program, /^\s*dense h1\b/));
  try {
    const repl = (expression: string) => dc.evaluateRequest({ expression, context: 'repl', frameId: 1 });
    const out = (await repl('gradcheck(out)')).body.result;
    assert.match(out, /^Gradient check of out at step 1 .*: all 3 gradients agree/);
    assert.match(out, /out\.delta +max rel error \d\.\de-\d+ +\(4 of 4 entries\) +ok/);
    assert.match((await repl(' gradcheck( ) ')).body.result, /^Gradient check of h1 at step 1 /);
    await assert.rejects(repl('gradcheck(nope)'), /nope/);
    // An ordinary expression still evaluates.
    assert.match((await repl('step')).body.result, /^1$/);
  } finally {
    await dc.stop();
  }
});
