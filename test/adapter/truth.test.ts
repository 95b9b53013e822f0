// Truth at every stop, over real DAP against dist/debugAdapter.js: what a paused session shows depends on the event
// alone. Every event (and Step Into sub-step) of three training steps is recorded walking forward, then reached
// again by Step Back, by Reverse Continue to a breakpoint and by fresh sessions; the dumps must match byte for byte.
// Values the step has not computed yet read "not computed yet", in every view.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const adapter = path.join(root, 'dist', 'debugAdapter.js');
const example = (name: string) => path.join(root, 'examples', name);
const STEPS = 3;

/** One adapter process per session, as a client would start it. */
async function session<T>(f: (dc: DebugClient) => Promise<T>): Promise<T> {
  const dc = new DebugClient('node', adapter, 'nnet');
  dc.defaultTimeout = 20_000;
  await dc.start();
  try {
    return await f(dc);
  } finally {
    await dc.stop();
  }
}

interface LaunchOptions {
  readonly lines?: number[];
  readonly functions?: DebugProtocol.FunctionBreakpoint[];
  readonly stopOnEntry?: boolean;
}

async function launch(dc: DebugClient, program: string, o: LaunchOptions): Promise<void> {
  await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: (o.lines ?? []).map((line) => ({ line })) });
  if (o.functions) await dc.setFunctionBreakpointsRequest({ breakpoints: o.functions });
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.configurationDoneRequest();
  await Promise.all([
    dc.launchRequest({ program, stopOnEntry: o.stopOnEntry } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('stopped'),
  ]);
}

async function act(dc: DebugClient, request: Promise<unknown>): Promise<void> {
  await Promise.all([request, dc.waitForEvent('stopped')]);
}

/** The Call Stack as one line: the event (and sub-step) and its step; the key under which a dump is recorded. */
async function where(dc: DebugClient): Promise<string> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.map((f) => `${f.name} @${f.line}`).join(' | ');
}

/** Everything a client can see at the stop: every scope, expanded, and the console's answer to a set of expressions. */
async function dump(dc: DebugClient, expressions: readonly string[]): Promise<string> {
  const out: string[] = [await where(dc)];
  const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
  const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
  const expand = async (ref: number, indent: string, depth: number): Promise<void> => {
    for (const v of (await dc.variablesRequest({ variablesReference: ref })).body.variables) {
      out.push(`${indent}${v.name} = ${v.value}${v.evaluateName ? ` {${v.evaluateName}}` : ''}`);
      if (v.variablesReference && depth > 0) await expand(v.variablesReference, `${indent}  `, depth - 1);
    }
  };
  for (const s of scopes) {
    out.push(`[${s.name}]`);
    // Network rows list each node's tensors (their values are reached through the expressions below).
    await expand(s.variablesReference, '  ', s.name === 'Network' ? 1 : 3);
  }
  for (const e of expressions) {
    try {
      out.push(
        `> ${e} = ${(await dc.evaluateRequest({ expression: e, frameId: frame.id, context: 'repl' })).body.result}`,
      );
    } catch (err) {
      out.push(`> ${e} ! ${(err as Error).message}`);
    }
  }
  return out.join('\n');
}

/** The expressions each dump evaluates: scalars, the batch, and every layer's output and gradient. */
function expressionsFor(layers: readonly string[]): string[] {
  return [
    'loss',
    'prev.loss',
    'lr',
    'step',
    'phase',
    'layer',
    'grad_norm',
    'yhat',
    'y',
    'x',
    ...layers.flatMap((l) => [`${l}.a`, `${l}.W.grad`, `${l}.delta`]),
  ];
}

/** Walks forward with `request` from entry until step STEPS is done, recording each stop's dump by its location. */
async function walk(
  dc: DebugClient,
  program: string,
  request: 'stepIn' | 'next',
  exprs: readonly string[],
): Promise<Map<string, string>> {
  await launch(dc, program, { stopOnEntry: true });
  const seen = new Map<string, string>();
  for (;;) {
    const key = await where(dc);
    if (new RegExp(`step ${STEPS + 1} `).test(key)) break;
    assert.ok(!seen.has(key), `two stops at ${key}`);
    seen.set(key, await dump(dc, exprs));
    await act(dc, request === 'stepIn' ? dc.stepInRequest({ threadId: 1 }) : dc.nextRequest({ threadId: 1 }));
  }
  return seen;
}

/** Steps back from the current stop to entry, checking each stop against the forward walk's dump. */
async function stepBackAll(dc: DebugClient, recorded: Map<string, string>, exprs: readonly string[]): Promise<number> {
  let checked = 0;
  for (;;) {
    await act(dc, dc.stepBackRequest({ threadId: 1 }));
    const key = await where(dc);
    const before = recorded.get(key);
    assert.ok(
      before !== undefined,
      `Step Back reached ${key}, which the forward walk never showed (it showed ${[...recorded.keys()].join('; ')})`,
    );
    assert.equal(await dump(dc, exprs), before, `Step Back to ${key}`);
    checked++;
    if (key.startsWith('entry')) return checked;
    assert.ok(checked <= recorded.size, 'Step Back does not reach the entry');
  }
}

async function layerNames(program: string): Promise<string[]> {
  return session(async (dc) => {
    await launch(dc, program, { stopOnEntry: true });
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const network = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((s) => s.name === 'Network')!;
    const names = (await dc.variablesRequest({ variablesReference: network.variablesReference })).body.variables.map(
      (v) => v.name.replace(/ \(in\)$/, ''),
    );
    return [...new Set(names)];
  });
}

for (const file of ['xor.nnet', 'residual.nnet', 'batchnorm.nnet']) {
  test(
    `${file}: every stop shows the same thing whether reached forward, by Step Back, by Reverse Continue or afresh`,
    { timeout: 600_000 },
    async () => {
      const program = example(file);
      const layers = await layerNames(program);
      const exprs = expressionsFor(layers);
      // 1. Step Over every event, then Step Back over all of them.
      const overs = await session(async (dc) => {
        const seen = await walk(dc, program, 'next', exprs);
        const back = await stepBackAll(dc, seen, exprs);
        assert.equal(back, seen.size, 'Step Back visits every stop of the walk');
        return seen;
      });
      // 2. Step Into every sub-step, then Step Back through them.
      await session(async (dc) => {
        const seen = await walk(dc, program, 'stepIn', exprs);
        assert.ok(seen.size > overs.size, 'Step Into shows the chain-rule sub-steps');
        assert.equal(await stepBackAll(dc, seen, exprs), seen.size, 'Step Back after Step Into visits every sub-step');
      });
      // 3. Reverse Continue to breakpoints on every layer line, from step STEPS + 1 back to step 1.
      const lines = [
        ...new Set(
          [...overs.keys()].flatMap((k) => {
            const m = /^(?:forward|backward) .* @(\d+)$/.exec(k);
            return m ? [Number(m[1])] : [];
          }),
        ),
      ];
      await session(async (dc) => {
        await launch(dc, program, { lines, functions: [] });
        for (let k = 0; k < 6 * lines.length; k++) await act(dc, dc.continueRequest({ threadId: 1 }));
        let checked = 0;
        for (let k = 0; k < 40; k++) {
          await act(dc, dc.reverseContinueRequest({ threadId: 1 }));
          const key = await where(dc);
          const before = overs.get(key);
          if (before === undefined) continue; // beyond the recorded steps
          assert.equal(await dump(dc, exprs), before, `Reverse Continue to ${key}`);
          checked++;
        }
        assert.ok(checked >= 5, `Reverse Continue reached ${checked} recorded stops`);
      });
      // 4. Fresh sessions that stop directly at step STEPS (no stop on the way).
      for (const phase of ['forward', 'backward']) {
        for (const layer of [layers[0], layers[layers.length - 1]]) {
          await session(async (dc) => {
            await launch(dc, program, {
              functions: [{ name: layer, condition: `step == ${STEPS} && phase == "${phase}"` }],
            });
            const key = await where(dc);
            assert.ok(overs.has(key), `a fresh session stopped at ${key}`);
            assert.equal(await dump(dc, exprs), overs.get(key), `fresh session at ${key}`);
            if (phase === 'backward' && layer === layers[0]) {
              for (let k = 0; k < 2; k++) {
                // on to clip and update
                await act(dc, dc.nextRequest({ threadId: 1 }));
                const next = await where(dc);
                assert.equal(await dump(dc, exprs), overs.get(next), `fresh session at ${next}`);
              }
            }
          });
        }
      }
    },
  );
}

test(
  'values the step has not computed yet read "not computed yet", in every view, never zero, NaN or stale',
  { timeout: 120_000 },
  async () => {
    const program = example('xor.nnet');
    await session(async (dc) => {
      await launch(dc, program, { stopOnEntry: true });
      // Entry, then forward h1 of step 1: nothing after h1 exists.
      await act(dc, dc.nextRequest({ threadId: 1 }));
      assert.match(await where(dc), /^forward h1 · step 1/);
      const text = await dump(dc, expressionsFor(['h1', 'out']));
      assert.match(text, /> loss ! loss is not computed yet at forward h1, step 1 \(it is computed at loss\)/);
      assert.match(
        text,
        /> out\.a ! out\.a is not computed yet at forward h1, step 1 \(it is computed at forward out\)/,
      );
      assert.match(text, /> yhat ! yhat is not computed yet at forward h1, step 1/);
      assert.match(text, /> h1\.W\.grad ! h1\.W\.grad is not computed yet .*computed at backward h1/);
      assert.match(text, /> grad_norm ! grad_norm is not computed yet .*computed at clip/);
      assert.match(text, /> prev\.loss ! prev\.loss .* does not exist at forward h1, step 1/);
      await assert.rejects(
        dc.evaluateRequest({ expression: 'h1.W.step', frameId: 1, context: 'repl' }),
        /h1\.W\.step is not computed yet .*computed at update/,
      );
      assert.match(text, /^ {2}loss = — \(computed at loss\) \{loss\}$/m);
      assert.match(text, /^ {2}yhat = — \(computed at forward out\) \{yhat\}$/m);
      assert.match(text, /^ {2}out = dense · a — \(computed at forward out\) · ‖∇W‖ — \(computed at backward out\)$/m);
      assert.match(text, /^ {4}W\.grad = — \(computed at backward h1\) \{h1\.W\.grad\}$/m);
      assert.match(text, /^ {2}h1 = dense · a Float32\[4×4\] mean /m);
      // A condition on a value not computed yet is false (no stop, no error in the console).
      // On to step 2: loss of step 1 is prev.loss; this step's loss is again not computed before its loss event.
      for (let k = 0; k < 7; k++) await act(dc, dc.nextRequest({ threadId: 1 }));
      assert.match(await where(dc), /^forward h1 · step 2/);
      const prev = (await dc.evaluateRequest({ expression: 'prev.loss', frameId: 1, context: 'repl' })).body.result;
      assert.ok(Number(prev) > 0.1, `prev.loss = ${prev}`);
      await assert.rejects(
        dc.evaluateRequest({ expression: 'loss', frameId: 1, context: 'repl' }),
        /not computed yet at forward h1, step 2/,
      );
      // At the update the gradients it applied are still there, and the step is the one being updated.
      for (let k = 0; k < 6; k++) await act(dc, dc.nextRequest({ threadId: 1 }));
      assert.match(await where(dc), /^update · step 2/);
      const g = (await dc.evaluateRequest({ expression: 'norm(out.W.grad)', frameId: 1, context: 'repl' })).body.result;
      assert.ok(Number(g) > 0, `‖out.W.grad‖ at the update = ${g}`);
      assert.ok(
        Number(
          (await dc.evaluateRequest({ expression: 'norm(out.W.step)', frameId: 1, context: 'repl' })).body.result,
        ) > 0,
        'ΔW exists at the update',
      );
      assert.equal((await dc.evaluateRequest({ expression: 'step', frameId: 1, context: 'repl' })).body.result, '2');
      // The Layer Inspector reads the same state: at the update, this step's clipping picture and δ exist.
      type Detail = {
        tensors: { name: string }[];
        scalars: { name: string; value: number | null; pending?: string }[];
        clip: { share: number } | null;
        decomposition: object | null;
      };
      const atUpdate = (await dc.customRequest('nnet.layerDetail', { layer: 'h1' })).body as Detail;
      assert.ok(atUpdate.clip && atUpdate.clip.share >= 0 && atUpdate.clip.share <= 1, `share ${atUpdate.clip?.share}`);
      assert.ok(atUpdate.decomposition);
      assert.deepEqual(
        atUpdate.scalars.filter((x) => x.pending),
        [],
      );
    });
    await session(async (dc) => {
      await launch(dc, program, { lines: [4] });
      assert.match(await where(dc), /^forward h1 · step 1/);
      // Inspecting `out` while h1's forward pass is paused: its z, a, δ and gradients are not computed yet.
      type Detail = {
        tensors: { name: string }[];
        scalars: { name: string; pending?: string }[];
        clip: object | null;
        decomposition: object | null;
      };
      const out = (await dc.customRequest('nnet.layerDetail', { layer: 'out' })).body as Detail;
      assert.deepEqual(
        out.tensors.map((x) => x.name),
        ['W', 'b', 'x'],
      );
      assert.deepEqual(Object.fromEntries(out.scalars.filter((x) => x.pending).map((x) => [x.name, x.pending])), {
        loss: 'loss',
        'grad norm before clip': 'clip',
        'grad norm after clip': 'clip',
        'clip coefficient': 'clip',
        'W.grad': 'backward out',
        'b.grad': 'backward out',
        z: 'forward out',
        a: 'forward out',
        '∂L/∂a': 'loss',
        'δ = ∂L/∂z': 'loss',
      });
      assert.equal(out.clip, null);
      assert.equal(out.decomposition, null);
    });
  },
);

test(
  'a condition naming what the network lacks is unverified with the reason, and never evaluated',
  { timeout: 60_000 },
  async () => {
    const program = example('xor.nnet');
    await session(async (dc) => {
      await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      await dc.setBreakpointsRequest({
        source: { path: program },
        breakpoints: [
          { line: 4, condition: 'process > 0' },
          { line: 5, logMessage: 'W {h2.W}' },
          { line: 5, condition: 'step == 2' },
        ],
      });
      await dc.configurationDoneRequest();
      const changed: DebugProtocol.Breakpoint[] = [];
      dc.on('breakpoint', (e: DebugProtocol.BreakpointEvent) => {
        if (e.body.reason === 'changed') changed.push(e.body.breakpoint);
      });
      const output: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e.body.output));
      await Promise.all([
        dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
        dc.waitForEvent('stopped'),
      ]);
      assert.match(await where(dc), /^forward out · step 2/);
      const problems = changed.filter((b) => !b.verified).map((b) => b.message);
      assert.equal(problems.length, 2, JSON.stringify(changed));
      assert.match(problems[0] ?? '', /^Condition: .*'process'/);
      assert.match(problems[1] ?? '', /^Log message \{h2\.W\}: .*'h2\.W'/);
      assert.deepEqual(
        output.filter((o) => /^W /.test(o) || /condition/.test(o)),
        [],
      );
    });
  },
);

test(
  'a condition on a value not computed yet is false, silently; % 0 is refused as a hit count',
  { timeout: 60_000 },
  async () => {
    const program = example('xor.nnet');
    await session(async (dc) => {
      await dc.initializeRequest({ adapterID: 'nnet', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const set = await dc.setBreakpointsRequest({
        source: { path: program },
        breakpoints: [
          { line: 4, condition: 'loss > 0' },
          { line: 5, hitCondition: '% 0' },
        ],
      });
      assert.equal(set.body.breakpoints[0].verified, true);
      assert.equal(set.body.breakpoints[1].verified, false);
      assert.match(set.body.breakpoints[1].message ?? '', /divides by zero/);
      // Exception filter ids are the four filters, not whatever an object happens to inherit.
      const filters = await dc.setExceptionBreakpointsRequest({
        filters: [],
        filterOptions: [{ filterId: 'toString' }, { filterId: 'constructor' }, { filterId: 'nan' }],
      });
      assert.deepEqual(
        filters.body?.breakpoints?.map((b) => b.verified),
        [false, false, true],
      );
      await dc.configurationDoneRequest();
      const errors: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => {
        if (/condition/.test(e.body.output)) errors.push(e.body.output);
      });
      await Promise.all([
        dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments),
        dc.waitForEvent('stopped'),
      ]);
      // `loss > 0` is false on h1's forward pass (no loss yet) and true on its backward pass.
      assert.match(await where(dc), /^backward h1 · step 1/);
      assert.deepEqual(errors, []);
    });
  },
);
