// The PyTorch debug session over real DAP on whole runs: a 2-process DDP run streaming per-rank statistics, the NaN
// exception filter stopping at the module that overflowed, and bad input (a script that raises, no modules, malformed
// launch arguments, no interpreter with torch) ending with a clear message, never a hang.

import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { decodeProgress, type NnetCustomEvents } from '../../extension/debug/customEvents';
import { applyMessage, emptyModel } from '../../webview/gradientFlow/model';
import type { Encoded } from '../../wire/json';
import { pythonForTests } from '../python';
import { root, startSession, topFrame } from './dapHarness';

const { python, skip } = pythonForTests();
const scripts = path.join(root, 'test', 'pytorch', 'scripts');

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function session(found?: Parameters<typeof startSession>[1]): Promise<DebugClient> {
  const s = await startSession(python, found);
  close = s.close;
  return s.dc;
}

/** Every event of `name` until the session ends. */
function collect(dc: DebugClient, name: string): DebugProtocol.Event[] {
  const out: DebugProtocol.Event[] = [];
  dc.on(name, (e: DebugProtocol.Event) => out.push(e));
  return out;
}

async function start(dc: DebugClient, program: string, extra: Record<string, unknown> = {}, filters: string[] = []) {
  await dc.initializeRequest();
  await dc.setExceptionBreakpointsRequest({ filters });
  await dc.configurationDoneRequest();
  await dc.launchRequest({ program, ...extra } as never);
}

const consoleText = (events: DebugProtocol.Event[]) =>
  events.map((e) => (e as DebugProtocol.OutputEvent).body.output).join('');

test('a 2-process DDP run streams statistics from both ranks', { skip, timeout: 180_000 }, async () => {
  const dc = await session();
  const progress = collect(dc, 'nnet.progress');
  const threads = collect(dc, 'thread');
  const started = dc.waitForEvent('nnet.started');
  await Promise.all([
    start(dc, path.join(root, 'examples', 'pytorch', 'ddp.py'), { nproc: 2, args: ['--steps', '60'] }),
    dc.waitForEvent('terminated', 150_000),
  ]);
  assert.deepEqual((await started).body.layerNames, ['fc1', 'fc2', 'fc3']);
  const ranks = new Set(progress.map((e) => (e.body as { rank: number }).rank));
  assert.deepEqual([...ranks].sort(), [0, 1], 'progress from both ranks');
  for (const e of progress) {
    const layers = (e.body as { progress: { layers: { name: string; meanAbsGrad: number }[] } }).progress.layers;
    assert.deepEqual(
      layers.map((l) => l.name),
      ['fc1', 'fc2', 'fc3'],
    );
    assert.ok(layers.every((l) => typeof l.meanAbsGrad === 'number' && l.meanAbsGrad >= 0));
  }
  // The view draws rank 0 (the rank breakpoints pause): once it has reported, rank 1's reports bring no losses of
  // their own (its bars would make the chart alternate between ranks).
  const firstOfRank0 = progress.findIndex((e) => (e.body as { rank: number }).rank === 0);
  const fromRank1After = progress.slice(firstOfRank0 + 1).filter((e) => (e.body as { rank: number }).rank === 1);
  for (const e of fromRank1After)
    assert.deepEqual((e.body as { progress: { newLossPoints: unknown[] } }).progress.newLossPoints, []);
  const started2 = threads.filter((e) => e.body.reason === 'started').map((e) => e.body.threadId as number);
  assert.deepEqual(started2.sort(), [1, 2], 'one thread per rank');
  // Once both ranks have reported, progress carries each rank's gradient norm into the Gradient Flow model.
  const model = emptyModel();
  for (const e of progress) {
    const p = decodeProgress((e.body as Encoded<NnetCustomEvents['nnet.progress']>).progress);
    if (p.ranks) applyMessage(model, { kind: 'ranks', ranks: p.ranks });
  }
  assert.deepEqual(
    model.ranks.map((r) => r.rank),
    [0, 1],
    'per-rank norms of both ranks in the view model',
  );
  assert.ok(
    model.ranks.every((r) => Number.isFinite(r.gradNorm) && r.gradNorm > 0),
    JSON.stringify(model.ranks),
  );
});

test(
  'the NaN filter stops a script built to overflow at the module that produced it',
  { skip, timeout: 120_000 },
  async () => {
    const dc = await session();
    const [, stopped] = await Promise.all([
      start(dc, path.join(scripts, 'overflow.py'), {}, ['nan']),
      dc.waitForEvent('stopped'),
    ]);
    assert.equal(stopped.body.reason, 'exception');
    assert.equal((await topFrame(dc)).name, 'forward blowup · step 1 · rank 0');
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'NaN or Inf');
    assert.match(info.body.description ?? '', /'blowup' produced non-finite values/);
    const nonFinite = await dc.evaluateRequest({ expression: 'any(isinf(blowup.output))', context: 'repl' });
    assert.equal(nonFinite.body.result, 'true');
  },
);

test('a script that raises ends the session with the error and its line', { skip, timeout: 120_000 }, async () => {
  const dc = await session();
  const output = collect(dc, 'output');
  const [ended] = await Promise.all([
    dc.waitForEvent('nnet.ended'),
    start(dc, path.join(scripts, 'raises.py')),
    dc.waitForEvent('terminated'),
  ]);
  assert.equal(ended.body.error, 'ValueError: bad batch at step 2');
  assert.equal(ended.body.line, 9);
  const text = consoleText(output);
  assert.match(text, /Traceback \(most recent call last\)/);
  assert.match(text, /nnet: the script raised ValueError: bad batch at step 2 at raises.py:9/);
});

test('a script with no module says so when it ends', { skip, timeout: 120_000 }, async () => {
  const dc = await session();
  const output = collect(dc, 'output');
  await Promise.all([start(dc, path.join(scripts, 'nomodules.py')), dc.waitForEvent('terminated')]);
  assert.match(consoleText(output), /nnet: no module with parameters was called/);
});

test(
  'malformed launch arguments and a missing interpreter get error responses',
  { skip, timeout: 60_000 },
  async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ program: path.join(scripts, 'raises.py'), nproc: 0 }, /'nproc' must be a whole number from 1 to 64/],
      [{ program: path.join(scripts, 'raises.py'), args: 'x' }, /'args' must be an array of strings/],
      [{ program: path.join(scripts, 'raises.py'), rank: 1 }, /'rank' must be a whole number from 0 to 0/],
      [{ program: path.join(scripts, 'raises.py'), env: { A: 1 } }, /'env' must be an object of strings/],
      [{ program: path.join(scripts, 'nothere.py') }, /no such file/],
      [{ program: 7 }, /program must be a non-empty string/],
    ];
    for (const [args, message] of bad) {
      const dc = await session();
      await dc.initializeRequest();
      await assert.rejects(dc.launchRequest(args as never), message);
      await close?.();
      close = null;
    }
    const dc = await session(() =>
      Promise.resolve({ tried: ['/nowhere/python3 (not found)'], message: 'no Python with PyTorch found: tried …' }),
    );
    await dc.initializeRequest();
    await assert.rejects(
      dc.launchRequest({ program: path.join(scripts, 'raises.py') } as never),
      /no Python with PyTorch found/,
    );
  },
);

test(
  'a rank that dies ends the run with a message naming it, without waiting for the others',
  { skip, timeout: 120_000 },
  async () => {
    const dc = await session();
    const output = collect(dc, 'output');
    const t0 = Date.now();
    const [ended] = await Promise.all([
      dc.waitForEvent('nnet.ended'),
      start(dc, path.join(scripts, 'rankfails.py'), { nproc: 2 }),
      dc.waitForEvent('terminated'),
    ]);
    assert.ok(Date.now() - t0 < 50_000, 'rank 0 (sleeping a minute) was ended with it');
    assert.equal(ended.body.error, 'RuntimeError: rank 1 gives up');
    assert.match(consoleText(output), /nnet: rank 1 exited with status 1/);
  },
);

test(
  'the exploding-gradient filter stops at the end of a step, on the module with the largest norm',
  { skip, timeout: 120_000 },
  async () => {
    const dc = await session();
    await dc.initializeRequest();
    const set = await dc.setExceptionBreakpointsRequest({
      filters: [],
      filterOptions: [{ filterId: 'exploding', condition: '0.001' }, { filterId: 'saturated' }],
    });
    assert.deepEqual(
      set.body?.breakpoints?.map((b) => b.verified),
      [true, false],
    );
    assert.match(set.body!.breakpoints![1].message!, /not available for PyTorch runs/);
    await dc.configurationDoneRequest();
    const [, stopped] = await Promise.all([
      dc.launchRequest({
        program: path.join(root, 'examples', 'pytorch', 'train.py'),
        args: ['--steps', '3'],
      } as never),
      dc.waitForEvent('stopped'),
    ]);
    assert.equal(stopped.body.reason, 'exception');
    assert.match((await topFrame(dc)).name, /^end of step \(fc[123]\) · step 1 · rank 0$/);
    assert.match(stopped.body.description ?? '', /Exploding gradient: global norm [\d.e+-]+ > 0\.001/);
  },
);

test(
  'a script killed while stopped ends the session with a message, never a hang',
  { skip, timeout: 120_000 },
  async () => {
    const dc = await session();
    const output = collect(dc, 'output');
    const proc = dc.waitForEvent('process');
    const program = path.join(root, 'examples', 'pytorch', 'train.py');
    await dc.initializeRequest();
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'fc3' }] });
    await dc.configurationDoneRequest();
    const [, stopped] = await Promise.all([
      dc.launchRequest({ program, args: ['--steps', '5'] } as never),
      dc.waitForEvent('stopped'),
    ]);
    assert.equal(stopped.body.reason, 'function breakpoint');
    assert.equal((await topFrame(dc)).name, 'forward fc3 · step 1 · rank 0');
    const pid = (await proc).body.systemProcessId as number;
    assert.ok(pid > 0);
    process.kill(pid, 'SIGKILL');
    await dc.waitForEvent('terminated');
    const text = consoleText(output);
    assert.match(text, /nnet: rank 0 ended while stopped/);
    assert.match(text, /nnet: the script was killed by SIGKILL/);
  },
);
