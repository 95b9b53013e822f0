// layernorm in the debugger over real DAP (dist/debugAdapter.js): a breakpoint on its line stops on the forward
// and backward pass with its tensors (x, x̂, a, γ, β and their gradients), Step Into walks its formulas, and the
// Layer Inspector's request lists its tensors — all from its one layer-kind file.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const program = path.join(root, 'examples', 'layernorm.nnet');
const LN1 = 7;

let dc: DebugClient;
beforeEach(async () => {
  dc = new DebugClient('node', path.join(root, 'dist', 'debugAdapter.js'), 'nnet');
  await dc.start();
});
afterEach(() => dc.stop());

const stopped = () => dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
const act = async (request: Promise<unknown>) => (await Promise.all([request, stopped()]))[1];
const frames = async () => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((f) => f.name);
const evaluate = async (expression: string) =>
  (await dc.evaluateRequest({ expression, frameId: 1, context: 'repl' })).body.result;
async function scopeNames(): Promise<string[]> {
  const f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
  const scopes = (await dc.scopesRequest({ frameId: f.id })).body.scopes;
  return (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables.map(
    (v) => v.name,
  );
}

const H1 = 6,
  ACT = 8;
const breakOn = (line: number) => dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line }] });

test('layernorm in the debugger: Step Into its formulas, stops with its tensors, the inspector lists them', async () => {
  await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await breakOn(H1);
  await dc.configurationDoneRequest();
  await Promise.all([dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments), stopped()]);
  assert.match((await frames())[0], /^forward h1 · step 1/);

  // Step Into from the layer before: ln1's forward, one formula at a time.
  await act(dc.stepInRequest({ threadId: 1 }));
  const f = await frames();
  assert.match(f[0], /^x̂ = \(x − μ\) \/ √\(σ² \+ ε\).* {2}\(1\/2\)$/);
  assert.match(f[1], /^forward ln1 · step 1/);
  assert.deepEqual(await scopeNames(), ['x', 'x̂']);
  await act(dc.stepInRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^a = γ·x̂ \+ β {2}\(2\/2\)$/);
  assert.deepEqual(await scopeNames(), ['x̂', 'γ', 'β', 'a']);
  // Batch 1: the one row of x̂ has mean 0 and (nearly) variance 1; γ = 1 and β = 0 at the start, so a = x̂.
  assert.ok(Math.abs(Number(await evaluate('mean(ln1.xhat)'))) < 1e-6);
  assert.ok(Math.abs(Number(await evaluate('mean(ln1.xhat * ln1.xhat)')) - 1) < 1e-3);
  assert.equal(Number(await evaluate('sum(abs(ln1.a - ln1.xhat))')), 0);

  // A breakpoint on its line stops on the backward pass with its gradients.
  await breakOn(LN1);
  await act(dc.continueRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^backward ln1 · step 1/);
  assert.deepEqual(await scopeNames(), ['∂L/∂a', 'γ.grad', 'β.grad', '∂L/∂x', 'x', 'γ', 'β']);
  assert.equal(Number(await evaluate('sum(abs(ln1.beta.grad - ln1.dA))')), 0, 'β.grad = Σ_batch ∂L/∂a (one sample)');
  await act(dc.continueRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^forward ln1 · step 2/);
  assert.deepEqual(await scopeNames(), ['x', 'x̂', 'a', 'γ', 'β']);

  // Step Into from the layer above on the way back: ln1's backward formulas.
  await breakOn(ACT);
  await act(dc.continueRequest({ threadId: 1 }));
  await act(dc.continueRequest({ threadId: 1 }));
  assert.match((await frames())[0], /^backward activation3 · step 2/);
  const formulas: string[] = [];
  for (let k = 0; k < 3; k++) {
    await act(dc.stepInRequest({ threadId: 1 }));
    formulas.push((await frames())[0]);
  }
  assert.match(formulas[0], /^∂L\/∂a \(from the layer above\) {2}\(1\/3\)$/);
  assert.match(formulas[1], /^∂γ = Σ_batch ∂L\/∂a ⊙ x̂, ∂β = Σ_batch ∂L\/∂a {2}\(2\/3\)$/);
  assert.match(formulas[2], /^∂x = .* {2}\(3\/3\)$/);
  assert.deepEqual(await scopeNames(), ['∂L/∂a', 'x̂', 'γ', '∂L/∂x']);

  const detail = (await dc.customRequest('nnet.layerDetail', { layer: 'ln1' })).body as {
    title: string;
    tensors: { name: string; shape: number[] }[];
  };
  assert.equal(detail.title, 'ln1 · layernorm');
  const names = detail.tensors.map((t) => t.name);
  for (const n of ['γ', 'γ.grad', 'β', 'β.grad', 'x', 'x̂', 'a', '∂L/∂a'])
    assert.ok(names.includes(n), `the inspector has ${n}: ${names}`);
  assert.deepEqual(detail.tensors.find((t) => t.name === 'γ')!.shape, [32]);
});
