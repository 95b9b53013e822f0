// The standalone debug adapter (dist/debugAdapter.js) driven over real DAP by @vscode/debugadapter-testsupport:
// breakpoints, stops on the forward and backward pass, Variables, stepping, pause, errors, and W.grad values
// checked against a finite-difference estimate computed here, independently of the engine.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { wideNetworkSource } from '../fixtures';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const xor = path.join(root, 'examples', 'xor.nnet');
const H1_LINE = 4,
  OUT_LINE = 5;

let dc: DebugClient;
beforeEach(async () => {
  assert.ok(fs.existsSync(adapter), 'run `npm run build` first');
  dc = new DebugClient('node', adapter, 'nnet');
  await dc.start();
});
afterEach(() => dc.stop());

async function topFrame(): Promise<DebugProtocol.StackFrame> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  assert.equal(st.body.stackFrames.length, 1);
  return st.body.stackFrames[0];
}

async function layerVariables(): Promise<Map<string, DebugProtocol.Variable>> {
  const frame = await topFrame();
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  return new Map(vars.body.variables.map((v) => [v.name, v]));
}

/** Reads a 2-D tensor variable by expanding its rows, as the Variables view does. */
async function readMatrix(v: DebugProtocol.Variable): Promise<number[][]> {
  const rows = await dc.variablesRequest({ variablesReference: v.variablesReference });
  return Promise.all(
    rows.body.variables.map(async (row) => {
      const cells = await dc.variablesRequest({ variablesReference: row.variablesReference });
      return cells.body.variables.map((c) => Number(c.value));
    }),
  );
}

async function launchAndStop(
  args: Record<string, unknown>,
  lines: number[],
): Promise<DebugProtocol.SetBreakpointsResponse> {
  await dc.initializeRequest();
  const bps = await dc.setBreakpointsRequest({ source: { path: xor }, breakpoints: lines.map((line) => ({ line })) });
  await dc.configurationDoneRequest();
  await dc.launchRequest({ program: xor, ...args } as DebugProtocol.LaunchRequestArguments);
  return bps;
}

test('stops on the hidden layer forward, then backward; W.grad equals a finite-difference estimate', async () => {
  const [, stoppedForward] = await Promise.all([launchAndStop({}, [H1_LINE]), dc.waitForEvent('stopped')]);
  assert.equal(stoppedForward.body.reason, 'breakpoint');
  let frame = await topFrame();
  assert.equal(frame.line, H1_LINE);
  assert.equal(frame.source?.path, xor);
  assert.match(frame.name, /^forward h1 · step 1 · epoch 1$/);
  const fwd = await layerVariables();
  assert.deepEqual([...fwd.keys()], ['x', 'z', 'a', 'W', 'b']);
  assert.match(fwd.get('W')!.value, /^Float32\[4×2\] mean -?[\d.e-]+ min -?[\d.e-]+ max -?[\d.e-]+ ‖·‖ [\d.e-]+$/);
  assert.match(fwd.get('z')!.value, /^Float32\[4×4\]/);

  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
  frame = await topFrame();
  assert.equal(frame.line, H1_LINE);
  assert.match(frame.name, /^backward h1 · step 1 · epoch 1$/);
  const bwd = await layerVariables();
  for (const name of ['δ = ∂L/∂z', 'W.grad', 'b.grad', 'W', 'b', 'x']) assert.ok(bwd.has(name), `missing ${name}`);
  const gradW = await readMatrix(bwd.get('W.grad')!);
  const shownX = await readMatrix(bwd.get('x')!);

  // Independent check: the initial weights and first batch from the CLI, a float64 forward pass written here,
  // and central differences of the loss with respect to each entry of h1's W.
  const state = JSON.parse(
    execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'inspect', xor, '--steps', '0', '--json'], {
      encoding: 'utf8',
    }),
  );
  assert.deepEqual(shownX, state.batch.x, 'the adapter shows the same batch the CLI reports');
  const [h1, out] = state.layers as { W: number[][]; b: number[] }[];
  const loss = (W1: number[][]): number => {
    let total = 0;
    state.batch.x.forEach((x: number[], n: number) => {
      const a1 = W1.map((row, o) => Math.tanh(row[0] * x[0] + row[1] * x[1] + h1.b[o]));
      const z2 = out.W[0].reduce((s, w, i) => s + w * a1[i], out.b[0]);
      const p = 1 / (1 + Math.exp(-z2)),
        y = state.batch.y[n][0];
      total += -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
    });
    return total / state.batch.x.length;
  };
  const h = 1e-6;
  let checked = 0;
  h1.W.forEach((row, o) =>
    row.forEach((w, i) => {
      const up = h1.W.map((r) => [...r]),
        down = h1.W.map((r) => [...r]);
      up[o][i] = w + h;
      down[o][i] = w - h;
      const numeric = (loss(up) - loss(down)) / (2 * h);
      assert.ok(
        Math.abs(gradW[o][i] - numeric) <= 1e-5 + 1e-3 * Math.abs(numeric),
        `W.grad[${o}][${i}] = ${gradW[o][i]}, finite difference ${numeric}`,
      );
      checked++;
    }),
  );
  assert.equal(checked, 8);
  assert.ok(
    gradW.flat().some((g) => Math.abs(g) > 1e-4),
    'gradients are not all zero',
  );
});

test('Step Over walks the events of a step: backward h1 → clip → update → forward h1 of the next step', async () => {
  await Promise.all([launchAndStop({}, [H1_LINE]), dc.waitForEvent('stopped')]);
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
  const names: string[] = [],
    reasons: string[] = [];
  for (let i = 0; i < 3; i++) {
    const [, stopped] = await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    reasons.push(stopped.body.reason);
    names.push((await topFrame()).name);
  }
  // Stepping onto a line that holds a breakpoint reports the breakpoint, as other debuggers do.
  assert.deepEqual(reasons, ['step', 'step', 'breakpoint']);
  assert.deepEqual(names, ['clip · step 1 · epoch 1', 'update · step 1 · epoch 1', 'forward h1 · step 2 · epoch 2']);
});

test('breakpoints: layer lines verified, a line inside the network moved, other lines unverified with a reason', async () => {
  const bps = await launchAndStop({ stopOnEntry: true }, [3, OUT_LINE, 9]);
  const [moved, exact, outside] = bps.body.breakpoints;
  assert.deepEqual([moved.verified, moved.line], [true, H1_LINE]);
  assert.match(moved.message ?? '', /nearest layer, 'h1'/);
  assert.deepEqual([exact.verified, exact.line], [true, OUT_LINE]);
  assert.equal(outside.verified, false);
  assert.match(outside.message ?? '', /layer lines only/);
});

test('stopOnEntry, then Pause while running at full speed, then Stop ends the session', async () => {
  const [, entry] = await Promise.all([launchAndStop({ stopOnEntry: true }, []), dc.waitForEvent('stopped')]);
  assert.equal(entry.body.reason, 'entry');
  assert.match((await topFrame()).name, /^entry \(before forward h1\) · step 1/);
  await dc.continueRequest({ threadId: 1 });
  const [, paused] = await Promise.all([dc.pauseRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
  assert.equal(paused.body.reason, 'pause');
  await Promise.all([dc.terminateRequest({}), dc.waitForEvent('terminated')]);
});

test('without breakpoints training runs to the end and reports the final loss', async () => {
  const output: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
  await Promise.all([launchAndStop({}, []), dc.waitForEvent('terminated', 20_000)]);
  assert.ok(
    output.some((o) => /finished after 2000 steps \(2000 epochs\), loss /.test(o)),
    output.join(''),
  );
});

test('a file with a syntax error is refused at launch with the line and message', async () => {
  const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-')), 'bad.nnet');
  fs.writeFileSync(bad, fs.readFileSync(xor, 'utf8').replace('dense h1 4 tanh', 'dense h1 4 tanhh'));
  await dc.initializeRequest();
  await dc.configurationDoneRequest();
  await assert.rejects(
    dc.launchRequest({ program: bad } as DebugProtocol.LaunchRequestArguments),
    /bad\.nnet:4: unknown activation 'tanhh'/,
  );
});

test('training that diverges ends the session with a message naming the step and layer', async () => {
  const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-')), 'diverge.nnet');
  fs.writeFileSync(
    bad,
    fs.readFileSync(path.join(root, 'examples', 'regression.nnet'), 'utf8').replace('lr=0.1', 'lr=1e30'),
  );
  const errors: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    if (e.body.category === 'stderr') errors.push(e.body.output);
  });
  await dc.initializeRequest();
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program: bad } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('terminated'),
  ]);
  assert.match(errors.join(''), /at step \d+, epoch \d+.*layer '(h1|out)'/);
});

test('a weight matrix too large to copy at every stop shows its summary and expands, fetched from the worker', async () => {
  const width = 260; // 260 × 260 weights: above the values a stop carries whole (STOP_VALUES_MAX)
  const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-')), 'big.nnet');
  fs.writeFileSync(big, wideNetworkSource(width, ['epochs 2', 'batch 4', 'optimizer sgd lr=0.01']));
  await dc.initializeRequest();
  await dc.setBreakpointsRequest({ source: { path: big }, breakpoints: [{ line: 3 }] });
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program: big } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped'),
  ]);
  const layer = await layerVariables();
  const W = layer.get('W')!;
  assert.match(W.value, /^Float32\[260×260\] mean -?[\d.e-]+ min -?[\d.e-]+ max -?[\d.e-]+ ‖·‖ [\d.e-]+$/);
  assert.equal(W.type, 'Float32[260×260]');
  assert.equal(W.evaluateName, 'h.W');
  assert.equal(W.indexedVariables, width);
  const rows = (await dc.variablesRequest({ variablesReference: W.variablesReference, start: 250, count: 10 })).body
    .variables;
  assert.deepEqual(
    rows.map((r) => r.name),
    Array.from({ length: 10 }, (_, i) => `[${250 + i}]`),
  );
  const cells = (await dc.variablesRequest({ variablesReference: rows[9].variablesReference })).body.variables;
  assert.equal(cells.length, width);
  const evaluated = await dc.evaluateRequest({ expression: 'h.W[259][259]', context: 'watch' });
  assert.equal(Number(cells[259].value), Number(evaluated.body.result), 'the fetched value is the live one');
  // An entry of the fetched matrix can be set, as one of a small matrix can.
  const set = await dc.setVariableRequest({
    variablesReference: rows[9].variablesReference,
    name: '[3]',
    value: '0.5',
  });
  assert.equal(Number(set.body.value), 0.5);
  assert.equal(Number((await dc.evaluateRequest({ expression: 'h.W[259][3]', context: 'watch' })).body.result), 0.5);
});
