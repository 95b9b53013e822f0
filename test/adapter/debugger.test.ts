// The debugger's features over real DAP against dist/debugAdapter.js: Step Into the chain rule, Step Out,
// Step Back (exact), Reverse Continue, conditions, hit counts, logpoints, function breakpoints, exception filters,
// expressions, completions and Set Value.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { decodeFloat32 } from '../../wire/float32';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const example = (name: string) => path.join(root, 'examples', name);
const xor = example('xor.nnet');
const H1 = 4,
  OUT = 5;

let dc: DebugClient;
beforeEach(async () => {
  dc = new DebugClient('node', adapter, 'nnet');
  await dc.start();
});
afterEach(() => dc.stop());

type Bp = DebugProtocol.SourceBreakpoint;
async function launch(
  program: string,
  breakpoints: Bp[],
  extra: { functions?: string[]; filters?: DebugProtocol.ExceptionFilterOptions[]; stopOnEntry?: boolean } = {},
) {
  await dc.initializeRequest({
    adapterID: 'nnet',
    supportsProgressReporting: true,
    linesStartAt1: true,
    columnsStartAt1: true,
    pathFormat: 'path',
  });
  const set = await dc.setBreakpointsRequest({ source: { path: program }, breakpoints });
  if (extra.functions)
    await dc.setFunctionBreakpointsRequest({ breakpoints: extra.functions.map((name) => ({ name })) });
  await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: extra.filters ?? [] });
  await dc.configurationDoneRequest();
  await dc.launchRequest({ program, stopOnEntry: extra.stopOnEntry } as DebugProtocol.LaunchRequestArguments);
  return set;
}
const stopped = () => dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
async function frames(): Promise<string[]> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((f) => f.name);
}
async function scope(index = 0): Promise<Map<string, DebugProtocol.Variable>> {
  const f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
  const scopes = (await dc.scopesRequest({ frameId: f.id })).body.scopes;
  const vars = await dc.variablesRequest({ variablesReference: scopes[index].variablesReference });
  return new Map(vars.body.variables.map((v) => [v.name, v]));
}
async function values(v: DebugProtocol.Variable): Promise<number[]> {
  const rows = (await dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
  const out: number[] = [];
  for (const r of rows) {
    if (r.variablesReference)
      out.push(
        ...(await dc.variablesRequest({ variablesReference: r.variablesReference })).body.variables.map((c) =>
          Number(c.value),
        ),
      );
    else out.push(Number(r.value));
  }
  return out;
}
async function act(request: Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const [, ev] = await Promise.all([request, stopped()]);
  return ev;
}
const evaluate = async (expression: string) =>
  (await dc.evaluateRequest({ expression, frameId: 1, context: 'repl' })).body.result;

test('Step Into goes inside a backward pass one chain-rule factor at a time; δ = ∂L/∂a ⊙ φ′(z) checks out', async () => {
  await Promise.all([launch(xor, [{ line: OUT }]), stopped()]);
  await act(dc.continueRequest({ threadId: 1 })); // backward out
  assert.match((await frames())[0], /^backward out · step 1/);
  await act(dc.stepInRequest({ threadId: 1 }));
  let f = await frames();
  assert.equal(f.length, 2);
  assert.match(f[0], /^∂L\/∂a = Wᵀ′·δ′ \(from the layer above\) {2}\(1\/5\)$/);
  assert.match(f[1], /^backward h1 · step 1/);
  assert.deepEqual([...(await scope()).keys()], ['∂L/∂a']);
  await act(dc.stepInRequest({ threadId: 1 }));
  f = await frames();
  assert.match(f[0], /^δ = ∂L\/∂a ⊙ tanh′\(z\) {2}\(2\/5\)$/);
  const v = await scope();
  assert.deepEqual([...v.keys()], ['∂L/∂a', 'z', 'φ′(z)', 'δ = ∂L/∂z']);
  const [dA, z, dphi, delta] = await Promise.all([
    values(v.get('∂L/∂a')!),
    values(v.get('z')!),
    values(v.get('φ′(z)')!),
    values(v.get('δ = ∂L/∂z')!),
  ]);
  delta.forEach((d, i) => {
    assert.ok(Math.abs(dphi[i] - (1 - Math.tanh(z[i]) ** 2)) < 1e-6, `φ′(z)[${i}]`);
    assert.ok(Math.abs(d - dA[i] * dphi[i]) < 1e-6, `δ[${i}]`);
  });
  for (const expected of [/^∂W = δᵀ·x {2}\(3\/5\)$/, /^∂b = Σ_batch δ {2}\(4\/5\)$/]) {
    await act(dc.nextRequest({ threadId: 1 }));
    assert.match((await frames())[0], expected);
  }
  await act(dc.stepOutRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^update · step 1/);
});

test('Step Out of the forward pass stops at the loss', async () => {
  await Promise.all([launch(xor, [{ line: H1 }]), stopped()]);
  await act(dc.stepOutRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^loss · step 1/);
});

test('Step Back is exact: back 9 events and forward 9 again shows bit-identical parameters and tensors', async () => {
  await Promise.all([launch(xor, [{ line: H1 }]), stopped()]);
  await act(dc.continueRequest({ threadId: 1 }));
  await act(dc.continueRequest({ threadId: 1 })); // forward h1, step 2
  const snapshot = async () =>
    JSON.stringify([
      await frames(),
      await evaluate('h1.W'),
      await evaluate('out.W'),
      await values((await scope()).get('W')!),
      await values((await scope()).get('a')!),
    ]);
  const before = await snapshot();
  for (let i = 0; i < 9; i++) await act(dc.nextRequest({ threadId: 1 }));
  const ahead = await frames();
  for (let i = 0; i < 9; i++) await act(dc.stepBackRequest({ threadId: 1 }));
  assert.equal(await snapshot(), before);
  for (let i = 0; i < 9; i++) await act(dc.nextRequest({ threadId: 1 }));
  assert.deepEqual(await frames(), ahead);
});

test('Reverse Continue goes back to the previous breakpoint hit', async () => {
  await Promise.all([launch(xor, [{ line: H1 }]), stopped()]);
  for (let i = 0; i < 3; i++) await act(dc.continueRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^backward h1 · step 2/);
  const ev = await act(dc.reverseContinueRequest({ threadId: 1 }));
  assert.equal(ev.body.reason, 'breakpoint');
  assert.match((await frames())[0], /^forward h1 · step 2/);
  await act(dc.reverseContinueRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^backward h1 · step 1/);
});

test('conditions and hit counts decide the stop; a bad condition is unverified with a reason', async () => {
  const set = await launch(xor, [
    { line: H1, condition: 'step >= 3 && phase == "backward"' },
    { line: OUT, hitCondition: '>= 4' },
    { line: 9, condition: 'step >' },
  ]);
  assert.equal(set.body.breakpoints[2].verified, false);
  const [okCond, okHit] = set.body.breakpoints;
  assert.ok(okCond.verified && okHit.verified);
  await stopped();
  // out is hit on forward and backward: its 4th hit is the backward pass of step 2; h1's condition holds from step 3.
  assert.match((await frames())[0], /^backward out · step 2/);
  await act(
    dc
      .setBreakpointsRequest({
        source: { path: xor },
        breakpoints: [{ line: H1, condition: 'step >= 3 && phase == "backward"' }],
      })
      .then(() => dc.continueRequest({ threadId: 1 })),
  );
  assert.match((await frames())[0], /^backward h1 · step 3/);
  const bad = await dc.setBreakpointsRequest({
    source: { path: xor },
    breakpoints: [{ line: H1, condition: 'norm(h1.W.grad' }],
  });
  assert.equal(bad.body.breakpoints[0].verified, false);
  assert.match(bad.body.breakpoints[0].message ?? '', /^Condition: /);
});

test('logpoints print interpolated values without stopping', async () => {
  const output: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
  await Promise.all([
    launch(xor, [{ line: H1, logMessage: 'step {step} {phase}: ‖∇W‖ = {norm(h1.W.grad)}', condition: 'step <= 2' }]),
    dc.waitForEvent('terminated', 30_000),
  ]);
  const logs = output.filter((o) => o.startsWith('step ')).map((o) => o.trimEnd());
  assert.deepEqual(
    logs.map((l) => l.replace(/= .*/, '')),
    ['step 1 forward: ‖∇W‖ ', 'step 1 backward: ‖∇W‖ ', 'step 2 forward: ‖∇W‖ ', 'step 2 backward: ‖∇W‖ '],
  );
  assert.ok(Number(logs[1].split('= ')[1]) > 0, logs[1]);
});

test('breakpoint mode "backward" stops on the backward pass only', async () => {
  await Promise.all([launch(xor, [{ line: H1, mode: 'backward' }]), stopped()]);
  assert.match((await frames())[0], /^backward h1 · step 1/);
  await act(dc.continueRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^backward h1 · step 2/);
});

test('a function breakpoint by layer name stops on that layer', async () => {
  await Promise.all([launch(xor, [], { functions: ['out'] }), stopped()]);
  assert.match((await frames())[0], /^forward out · step 1/);
});

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'nnet-exc-'));
const file = (name: string, text: string) => {
  const f = path.join(temp, name);
  fs.writeFileSync(f, text);
  return f;
};
const exceptionCases: {
  name: string;
  program: () => string;
  filter: DebugProtocol.ExceptionFilterOptions;
  expect: RegExp;
  line?: number;
}[] = [
  {
    name: 'exploding',
    program: () => xor,
    filter: { filterId: 'exploding', condition: '0.01' },
    expect: /^Exploding gradient: global norm/,
  },
  {
    name: 'vanishing',
    program: () => example('deep-sigmoid.nnet'),
    filter: { filterId: 'vanishing' },
    expect: /^Vanishing gradient: ‖∇W‖ of 'h_1'/,
    line: 6,
  },
  {
    name: 'deadRelu',
    program: () =>
      file(
        'dead.nnet',
        fs.readFileSync(xor, 'utf8').replace('dense h1 4 tanh init=xavier', 'dense h1 4 relu bias_init=constant(-10)'),
      ),
    filter: { filterId: 'deadRelu' },
    expect: /^Dead ReLU: 100% of the units of 'h1'/,
    line: H1,
  },
  {
    name: 'nan',
    program: () => file('nan.nnet', fs.readFileSync(example('regression.nnet'), 'utf8').replace('lr=0.1', 'lr=1e30')),
    filter: { filterId: 'nan' },
    // The origin first (step 1's update makes W ~1e29; step 2's ∂x = δ·W overflows), then what the trainer saw.
    expect: /^\+Inf first in ∂L\/∂x of out \(backward, sub-step 5\/5: ∂x = δ·W\) at step 2 — gradient norm is NaN/,
  },
];
for (const c of exceptionCases) {
  test(`exception filter ${c.name}: stops with exceptionInfo at the layer`, async () => {
    const [, ev] = await Promise.all([launch(c.program(), [], { filters: [c.filter] }), stopped()]);
    assert.equal(ev.body.reason, 'exception');
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.details?.typeName, c.filter.filterId);
    assert.ok(info.body.exceptionId.length > 3, 'a readable exception title');
    assert.match(info.body.description ?? '', c.expect);
    if (c.line) assert.equal((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].line, c.line);
  });
}

test('expressions: evaluate, errors that say where, completions, and Set Value on lr and a weight', async () => {
  await Promise.all([launch(xor, [{ line: H1 }]), stopped()]);
  await act(dc.continueRequest({ threadId: 1 }));
  assert.ok(Number(await evaluate('norm(h1.W.grad)')) > 0);
  assert.ok(Number(await evaluate('mean(abs(h1.delta))')) > 0);
  assert.equal(await evaluate('shape(h1.W)'), await evaluate('shape(h1.W.grad)'));
  await assert.rejects(
    dc.evaluateRequest({ expression: 'norm(h1.W.gard)', frameId: 1, context: 'repl' }),
    /h1\.W\.gard/,
  );
  const completions = await dc.completionsRequest({ text: 'h1.W', column: 5, frameId: 1 });
  // Completions replace the segment being typed: after `h1.W` they offer `W`, `W.grad`, … starting at column 4.
  const grad = completions.body.targets.find((c) => c.label === 'W.grad');
  assert.ok(grad, JSON.stringify(completions.body.targets.slice(0, 10)));
  assert.deepEqual([grad.start, grad.length], [4, 1]);

  const training = await scope(2);
  const lrRef = (await dc.scopesRequest({ frameId: 1 })).body.scopes[2].variablesReference;
  assert.equal(training.get('lr')?.value, '0.05');
  const set = await dc.setVariableRequest({ variablesReference: lrRef, name: 'lr', value: '0.01' });
  assert.equal(set.body.value, '0.01');
  const layer = await scope(0);
  const wRows = (await dc.variablesRequest({ variablesReference: layer.get('W')!.variablesReference })).body.variables;
  const rowRef = wRows[0].variablesReference;
  const setW = await dc.setVariableRequest({ variablesReference: rowRef, name: '[1]', value: '0.25' });
  assert.equal(setW.body.value, '0.25');
  assert.equal(await evaluate('h1.W[0, 1]'), '0.25');
  // Only decimal numbers within float32's range: no hex, no binary, nothing stored as ±Inf.
  for (const [value, why] of [
    ['0x10', /not a decimal number/],
    ['0b1', /not a decimal number/],
    [' ', /not a decimal number/],
    ['1e39', /beyond the float32 range/],
    ['Infinity', /not a decimal number/],
  ] as const) {
    await assert.rejects(dc.setVariableRequest({ variablesReference: rowRef, name: '[1]', value }), why, value);
  }
  assert.equal(await evaluate('h1.W[0, 1]'), '0.25', 'refused values leave the weight as it was');
  assert.equal(
    (await dc.setVariableRequest({ variablesReference: rowRef, name: '[1]', value: '-1.5e-3' })).body.value,
    '-0.0015',
  );
});

test('Set Value over DAP is part of the history: Step Back before the edit shows the original, forward again the edit', async () => {
  await Promise.all([launch(xor, [{ line: H1 }]), stopped()]);
  await dc.setBreakpointsRequest({ source: { path: xor }, breakpoints: [] });
  assert.match((await frames())[0], /^forward h1 · step 1/);
  const original = await evaluate('h1.W[0, 1]');
  const layer = await scope(0);
  const rowRef = (await dc.variablesRequest({ variablesReference: layer.get('W')!.variablesReference })).body
    .variables[0].variablesReference;
  assert.equal(
    (await dc.setVariableRequest({ variablesReference: rowRef, name: '[1]', value: '0.25' })).body.value,
    '0.25',
  );
  assert.notEqual(original, '0.25');
  // On through the step's update (6 events): what the edited run computed.
  for (let i = 0; i < 6; i++) await act(dc.nextRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^update · step 1/);
  const updated = await Promise.all(['sum(h1.W)', 'h1.W[0, 1]', 'sum(out.W)'].map(evaluate));
  // Back to where the edit was made: it shows; one more, before it: the original.
  for (let i = 0; i < 6; i++) await act(dc.stepBackRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^forward h1 · step 1/);
  assert.equal(await evaluate('h1.W[0, 1]'), '0.25');
  assert.equal((await act(dc.stepBackRequest({ threadId: 1 }))).body.reason, 'entry');
  assert.equal(await evaluate('h1.W[0, 1]'), original);
  // Forward again over the edit's event to the update: the edited run's numbers, not the original's.
  for (let i = 0; i < 7; i++) await act(dc.nextRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^update · step 1/);
  assert.deepEqual(await Promise.all(['sum(h1.W)', 'h1.W[0, 1]', 'sum(out.W)'].map(evaluate)), updated);
});

test('nnet.layerDetail: the paused layer with its clip, optimizer and δ decomposition; scrubbing to an earlier step leaves the run exactly where it was', async () => {
  await Promise.all([launch(xor, [{ line: H1, condition: 'step == 6 && phase == "backward"' }]), stopped()]);
  assert.match((await frames())[0], /^backward h1 · step 6/);
  type Detail = {
    layer: string;
    where: string;
    tensors: { name: string; path: string; shape: number[]; data: string }[];
    clip: { normBefore: number; layerNorm: number; share: number } | null;
    optimizer: { kind: string; t: number; tensors: { name: string }[] } | null;
    decomposition: {
      upstreamFrom: string;
      upstreamNorm: number;
      activation: string;
      phiPrimeMean: number;
      phiPrimeMax: number;
      deltaNorm: number;
    } | null;
    history: { first: number; last: number; step: number; live: boolean } | null;
  };
  const detail = async (args: object) => (await dc.customRequest('nnet.layerDetail', args)).body as Detail;
  const W = (x: Detail) => Array.from(decodeFloat32(x.tensors.find((t) => t.name === 'W')!.data)!);
  const state = ['sum(h1.W)', 'sum(out.W)', 'sum(h1.W.grad)', 'sum(h1.a)', 'sum(h1.delta)', 'loss', 'lr'];
  const before = await Promise.all(state.map(evaluate));

  const live = await detail({});
  assert.equal(live.layer, 'h1');
  assert.deepEqual(live.history, { first: 1, last: 6, step: 6, live: true });
  const names = live.tensors.map((t) => t.name);
  for (const n of ['W', 'W.grad', 'b', 'z', 'a', '∂L/∂a', 'δ = ∂L/∂z'])
    assert.ok(names.includes(n), `has ${n}: ${names}`);
  const d = live.decomposition!;
  assert.equal(d.upstreamFrom, 'Wᵀδ′ from out');
  assert.equal(d.activation, 'tanh');
  assert.ok(Math.abs(d.deltaNorm - Number(await evaluate('norm(h1.delta)'))) < 1e-5 * Math.max(1, d.deltaNorm));
  assert.ok(Math.abs(d.upstreamNorm - Number(await evaluate('norm(h1.dA)'))) < 1e-5 * Math.max(1, d.upstreamNorm));
  for (const [i, j] of [
    [0, 0],
    [3, 1],
  ]) {
    const shown = Number(await evaluate(`h1.W[${i}][${j}]`));
    assert.ok(
      Math.abs(W(live)[i * 2 + j] - shown) <= 1e-6 * Math.max(1, Math.abs(shown)),
      `h1.W[${i}][${j}]: ${W(live)[i * 2 + j]} vs ${shown}`,
    );
  }
  assert.ok(
    d.phiPrimeMax <= 1 && d.phiPrimeMean > 0 && d.deltaNorm <= d.upstreamNorm * d.phiPrimeMax + 1e-6,
    'δ = ∂L/∂a ⊙ tanh′(z) is no larger than ‖∂L/∂a‖·max φ′',
  );
  // On the backward pass this step has not clipped yet: no clipping picture rather than the previous step's.
  assert.equal(live.clip, null);
  // Adam's moments are its state after step 5; step 6's ΔW does not exist before step 6's update.
  assert.deepEqual(live.optimizer && live.optimizer.t === 5 && live.optimizer.tensors.map((t) => t.name), ['m̂', 'v̂']);

  const earlier = await detail({ step: 3 });
  assert.deepEqual(earlier.history, { first: 1, last: 6, step: 3, live: false });
  assert.match(earlier.where, /^backward h1 · step 3/);
  assert.notDeepEqual(W(earlier), W(live), 'step 3 shows the weights of step 3');
  assert.deepEqual(await Promise.all(state.map(evaluate)), before, 'the run is back exactly where it was');
  assert.deepEqual(W(await detail({})), W(live));
  const out = await detail({ layer: 'out' });
  assert.equal(out.decomposition?.upstreamFrom, 'the loss');
  await assert.rejects(dc.customRequest('nnet.layerDetail', { layer: 'nope' }), /no layer named 'nope'/);
  await act(dc.nextRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^clip · step 6/);
  const clipped = await detail({});
  assert.ok(clipped.clip && clipped.clip.share >= 0 && clipped.clip.share <= 1, `share ${clipped.clip?.share}`);
  await act(dc.nextRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^update · step 6/);
  const updated = await detail({ layer: 'h1' });
  assert.deepEqual(
    updated.optimizer?.tensors.map((t) => t.name),
    ['m̂', 'v̂', 'step applied (ΔW)'],
  );
  assert.equal(updated.optimizer?.t, 6);
});
