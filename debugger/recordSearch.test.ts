// Reverse Continue deciding past steps from their recorded scalars (recordScope.ts) lands exactly where the search
// replaying every step lands: the same stop, event and values, on random conditions, hit conditions, logpoints and
// positions, with Set Value edits in the history, after stepping back and forward again, and across epochs whose
// last batch is smaller, under a learning-rate schedule.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BreakpointSpec, HostToWorker, WorkerToHost } from './protocol';
import { prng, randomBreakpoints, searchTrial, seen as see, sevenRowSource } from './searchTesting';
import { drivenRun } from './testing';

/** With a learning-rate schedule. */
const SOURCE = sevenRowSource('rs', '  schedule cosine min_lr=0\n');

/** A random breakpoint condition over the recorded scalars, tensors, or both (undefined: none). */
function condition(rnd: () => number): string | undefined {
  const c = (lo: number, hi: number) => (lo + (hi - lo) * rnd()).toFixed(3);
  const step = 1 + Math.floor(rnd() * 200);
  const pool = [
    () => undefined,
    () => `loss < ${c(0.3, 0.75)}`,
    () => `loss > ${c(0.3, 0.75)}`,
    () => `prev.loss < ${c(0.3, 0.75)}`,
    () => `prev.loss > loss`,
    () => `lr < ${c(0.01, 0.05)}`,
    () => `step % ${2 + Math.floor(rnd() * 9)} == 1`,
    () => `phase == "backward" && loss < ${c(0.3, 0.75)}`,
    () => `layer == "h2"`,
    () => `batch_size == 1`,
    () => `batch_size == 3 && epoch % 2 == 0`,
    () => `phase == "backward" && epoch == ${1 + Math.floor(rnd() * 7)}`,
    () => `layer == "h1" && epoch % 3 == 1`,
    () => `grad_norm > 0`, // not computed at any forward or backward event: never true
    () => `clip_coef < 2 || loss < 1`, // throws at every such event
    () => `loss < ${c(0.3, 0.75)} || step == ${step}`, // throws before the loss event
    () => `step == ${step} || loss < ${c(0.3, 0.75)}`,
    () => `h1.W[0][0] > ${c(-1, 1)}`, // a tensor: the replay decides
    () => `loss < ${c(0.3, 0.75)} && h1.a[0][0] > 0`, // reads a tensor only where the loss is low
    () => `nosuchname > 1`, // an error at every event
  ];
  return pool[Math.floor(rnd() * pool.length)]();
}

/** What a client sees of a stop and of some values there. */
const EXPRESSIONS = ['step', 'phase', 'layer', 'loss', 'lr', 'h1.W', 'out.b'];
const seen = (stop: WorkerToHost, send: (msg: HostToWorker) => Promise<WorkerToHost>) => see(stop, send, EXPRESSIONS);

/**
 * One trial (its script drawn from `seed`, see searchTrial): Reverse Continue twice with random breakpoints, deciding
 * steps from the record or replaying every one. What the client saw at each stop, and events replayed.
 */
async function trial(seed: number, byRecord: boolean) {
  const { r, send } = drivenRun();
  r.searchByRecord = byRecord;
  r.searchWhole = byRecord; // the reference replays every step event by event
  const { views, counted, random } = await searchTrial(prng(seed), {
    r,
    send,
    fileName: 'rs.nnet',
    source: SOURCE,
    expressions: EXPRESSIONS,
    breakpoints: (rnd) => randomBreakpoints(rnd, 10, condition, 'loss {loss}'),
    counted: 'advance',
  });
  return { views, replayed: counted, random };
}

test('Reverse Continue decided from the step record lands, stop for stop, where the replaying search lands', async () => {
  let recordReplayed = 0,
    fullReplayed = 0,
    breakpointStops = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const full = await trial(seed, false);
    const byRecord = await trial(seed, true);
    assert.deepEqual(byRecord.views, full.views, `seed ${seed}: ${JSON.stringify(full.random)}`);
    recordReplayed += byRecord.replayed;
    fullReplayed += full.replayed;
    breakpointStops += full.views.slice(-2).filter((v) => v.reason === 'breakpoint').length;
  }
  // The trials must exercise both outcomes (a search finding a breakpoint, and one finding none), and the record
  // spares replay (how much depends on the checkpoints' spacing, which the machine's speed sets).
  assert.ok(breakpointStops >= 20 && breakpointStops <= 100, `searches that found a breakpoint: ${breakpointStops}`);
  assert.ok(recordReplayed < fullReplayed, `events replayed: ${recordReplayed} against ${fullReplayed}`);
});

test('Reverse Continue decided from the step record sees a Set Value of lr from the event it was made at on', async () => {
  /** Stopped at step 40's forward h2, lr set, run on to step 45, then Reverse Continue with `condition` on h1. */
  const landing = async (condition: string, phases: BreakpointSpec['phases'], byRecord: boolean) => {
    const { r, send } = drivenRun();
    r.searchByRecord = byRecord;
    const at = { id: 1, nodes: [1], phases: ['forward'] as BreakpointSpec['phases'], condition: 'step >= 40' };
    await send({
      kind: 'start',
      fileName: 'rs.nnet',
      source: SOURCE,
      debug: true,
      stopOnEntry: false,
      breakpoints: [at],
      exceptionFilters: [],
      historyBytes: 1 << 20,
    });
    await send({ kind: 'setValue', id: 1, path: 'lr', value: '0.001' });
    r.handle({ kind: 'setBreakpoints', breakpoints: [{ ...at, condition: 'step >= 45' }] });
    await send({ kind: 'continue' });
    r.handle({ kind: 'setBreakpoints', breakpoints: [{ id: 2, nodes: [0], phases, condition }] });
    const view = await seen(await send({ kind: 'reverseContinue' }), send);
    r.handle({ kind: 'stop' });
    return view;
  };
  // After the edit (h1's backward event) and before it (h1's forward event) in the step it was made in.
  for (const [condition, phases, phase] of [
    ['lr < 0.01 && step == 40', ['backward'], 'backward'],
    ['lr > 0.01 && step == 40', ['forward'], 'forward'],
  ] as const) {
    const byRecord = await landing(condition, [...phases], true);
    assert.deepEqual(byRecord, await landing(condition, [...phases], false), condition);
    assert.deepEqual([byRecord.reason, byRecord.location.step, byRecord.location.phase], ['breakpoint', 39, phase]);
  }
});

test('Reverse Continue decided from the step record knows each past step’s epoch and batch size', async () => {
  const landing = async (condition: string, byRecord: boolean) => {
    const { r, send } = drivenRun();
    r.searchByRecord = byRecord;
    await send({
      kind: 'start',
      fileName: 'rs.nnet',
      source: SOURCE,
      debug: true,
      stopOnEntry: false,
      breakpoints: [{ id: 1, nodes: [1], phases: ['forward'], condition: 'step >= 150' }],
      exceptionFilters: [],
      historyBytes: 1 << 20,
    });
    r.handle({ kind: 'setBreakpoints', breakpoints: [{ id: 2, nodes: [0], condition }] });
    const view = await seen(await send({ kind: 'reverseContinue' }), send);
    r.handle({ kind: 'stop' });
    return view;
  };
  // Three steps an epoch, the third of a batch of 1: epoch 20 is steps 58–60 (0-based 57–59).
  for (const [condition, step] of [
    ['phase == "backward" && epoch == 20', 59],
    ['batch_size == 1 && step < 100 && phase == "forward"', 98],
  ] as const) {
    const byRecord = await landing(condition, true);
    assert.deepEqual(byRecord, await landing(condition, false), condition);
    assert.deepEqual([byRecord.reason, byRecord.location.step], ['breakpoint', step], condition);
  }
});
