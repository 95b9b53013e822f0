// The PyTorch debug session over real DAP (@vscode/debugadapter-testsupport) with the real probe and Debian's
// python3-torch: a breakpoint on the `self.fc2 = …` line stops at fc2's forward and backward, and the weight.grad
// read through Variables equals what the script dumps itself; breakpoint modes, conditions, hit counts, logpoints,
// Step Over, Pause, lines that build no module, and Step Back refused with its reason.

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
    const views: { progress: { step: number; layers: { name: string; maxAbsGrad: number }[] }; paused: unknown }[] = [];
    dc.on('nnet.progress', (e) => views.push(e.body as (typeof views)[number]));
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
    // Editing is refused with its own error (not attach's 3301), and the stop goes on unchanged.
    const ref = bwd.get('weight.grad')!.variablesReference;
    await assert.rejects(dc.setVariableRequest({ variablesReference: ref, name: '[0]', value: '1' }), (e: Error) => {
      assert.match(e.message, /cannot be edited from the debugger/);
      return true;
    });
    // The Gradient Flow view, paused here, gets this step's bars so far: fc2's and fc3's (fc1's backward comes later).
    const atStop = views.filter((v) => (v.paused as { phase?: string } | null)?.phase === 'backward').at(-1);
    assert.ok(atStop, 'a paused nnet.progress for the backward stop');
    assert.equal(atStop.progress.step, 1);
    assert.deepEqual(
      atStop.progress.layers.map((l) => l.name),
      ['fc2', 'fc3'],
    );
    const maxGrad = Math.max(...grad.flat().map(Math.abs));
    assert.ok(atStop.progress.layers[0].maxAbsGrad >= maxGrad * (1 - 1e-6), 'max |grad| of fc2 covers weight.grad');

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

/** Stops of a run until it ends (Continue after each), as frame names. */
async function framesUntilEnd(dc: DebugClient, most = 20): Promise<string[]> {
  const names: string[] = [];
  // A waiter left over when the run ends times out later: its rejection is expected, not a failure.
  const quiet = <T>(p: Promise<T>) => (p.catch(() => undefined), p);
  const ended = quiet(dc.waitForEvent('terminated'));
  for (let i = 0, next = quiet(dc.waitForEvent('stopped')); i < most; i++) {
    const e = await Promise.race([next, ended]);
    if (e.event === 'terminated') break;
    names.push((await topFrame(dc)).name);
    // Listen before continuing: the next stop may come before the continue response.
    next = quiet(dc.waitForEvent('stopped'));
    await dc.continueRequest({ threadId: 1 });
  }
  return names;
}

test(
  'breakpoint modes: backward only stops at the backward; forward only at each forward',
  { skip, timeout: 120_000 },
  async () => {
    let dc = await session();
    await Promise.all([
      launch(dc, train, { args: ['--steps', '2'] }, [{ line: FC2, mode: 'backward' }]),
      dc.waitForEvent('stopped'),
    ]);
    assert.equal((await topFrame(dc)).name, 'backward fc2 · step 1 · rank 0');
    await close?.();
    dc = await session();
    void launch(dc, train, { args: ['--steps', '2'] }, [{ line: FC2, mode: 'forward' }]);
    assert.deepEqual(await framesUntilEnd(dc), ['forward fc2 · step 1 · rank 0', 'forward fc2 · step 2 · rank 0']);
  },
);

test('conditions over tensors and scalars, and a hit count, decide the stops', { skip, timeout: 120_000 }, async () => {
  let dc = await session();
  // fc2.weight.grad does not exist on the forward pass: the condition is false there, not an error.
  void launch(dc, train, { args: ['--steps', '2'] }, [{ line: FC2, condition: 'norm(fc2.weight.grad) > 0' }]);
  assert.deepEqual(await framesUntilEnd(dc), ['backward fc2 · step 1 · rank 0', 'backward fc2 · step 2 · rank 0']);
  await close?.();
  dc = await session();
  void launch(dc, train, { args: ['--steps', '4'] }, [{ line: FC2, mode: 'forward', condition: 'step >= 2' }]);
  assert.deepEqual(await framesUntilEnd(dc), ['forward fc2 · step 3 · rank 0', 'forward fc2 · step 4 · rank 0']);
  await close?.();
  dc = await session();
  void launch(dc, train, { args: ['--steps', '4'] }, [{ line: FC2, mode: 'forward', hitCondition: '== 2' }]);
  assert.deepEqual(await framesUntilEnd(dc), ['forward fc2 · step 2 · rank 0']);
});

test('a logpoint prints at each hit and does not stop', { skip, timeout: 120_000 }, async () => {
  const dc = await session();
  const lines: string[] = [];
  dc.on(
    'output',
    (e) => e.body.category === 'console' && e.body.output.startsWith('fc2 ') && lines.push(e.body.output),
  );
  const stops: string[] = [];
  dc.on('stopped', (e) => stops.push(e.body.reason));
  await Promise.all([
    launch(dc, train, { args: ['--steps', '3'] }, [
      { line: FC2, mode: 'forward', logMessage: 'fc2 step {step} rows {rank + 32}' },
    ]),
    dc.waitForEvent('terminated'),
  ]);
  assert.deepEqual(lines, ['fc2 step 0 rows 32\n', 'fc2 step 1 rows 32\n', 'fc2 step 2 rows 32\n']);
  assert.deepEqual(stops, []);
});

test(
  'Step Over goes to the next module event; Step Back is refused with its reason',
  { skip, timeout: 120_000 },
  async () => {
    const dc = await session();
    const said: string[] = [];
    dc.on('output', (e) => said.push(String(e.body.output)));
    await Promise.all([launch(dc, train, { args: ['--steps', '2'] }, [{ line: FC2 }]), dc.waitForEvent('stopped')]);
    // VS Code hides the Step Back button of a session without the capability; the Debug Console says why.
    assert.ok(
      said.some((t) => t.includes('no Step Back: a PyTorch run cannot be rewound')),
      said.join(''),
    );
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [, stopped] = await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      assert.equal(stopped.body.reason, i === 2 ? 'breakpoint' : 'step');
      names.push((await topFrame(dc)).name);
    }
    assert.deepEqual(names, [
      'forward fc3 · step 1 · rank 0',
      'backward fc3 · step 1 · rank 0',
      'backward fc2 · step 1 · rank 0',
    ]);
    await assert.rejects(
      dc.stepBackRequest({ threadId: 1 }),
      /a PyTorch run cannot be rewound; Step Back works in .nnet sessions/,
    );
    await assert.rejects(dc.customRequest('reverseContinue', { threadId: 1 }), /cannot be rewound/);
  },
);

test('Pause stops the running script at its next module event; Stop ends it', { skip, timeout: 120_000 }, async () => {
  const dc = await session();
  const progressed = dc.waitForEvent('nnet.progress');
  await launch(dc, train, { args: ['--steps', '1000000'] });
  await progressed;
  const [, stopped] = await Promise.all([dc.pauseRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
  assert.equal(stopped.body.reason, 'pause');
  assert.match((await topFrame(dc)).name, /^(forward|backward) fc[123] · step \d+ · rank 0$/);
  await Promise.all([dc.terminateRequest({}), dc.waitForEvent('terminated')]);
});

test(
  'a line that builds no module: moved to a module line near it, or unverified with the reason',
  { skip, timeout: 120_000 },
  async () => {
    const dc = await session();
    const far = lineOf(train, 'def make_data');
    const changed: { id?: number; verified: boolean; line?: number; message?: string }[] = [];
    dc.on('breakpoint', (e) => changed.push(e.body.breakpoint));
    const [bps] = await Promise.all([
      launch(dc, train, { args: ['--steps', '1'] }, [{ line: FC2 + 1 }, { line: far }]),
      dc.waitForEvent('stopped'),
    ]);
    const [near, away] = bps.body.breakpoints;
    const nearNow = changed.find((b) => b.id === near.id)!;
    const awayNow = changed.find((b) => b.id === away.id)!;
    assert.deepEqual([nearNow.verified, nearNow.line], [true, FC2]);
    assert.match(nearNow.message!, /moved to line \d+, where 'fc2' is built/);
    assert.equal(awayNow.verified, false);
    assert.match(
      awayNow.message!,
      /no module with parameters is built on this line \(the nearest is line \d+, 'fc3'\)/,
    );
    assert.equal((await topFrame(dc)).name, 'forward fc2 · step 1 · rank 0');
  },
);
