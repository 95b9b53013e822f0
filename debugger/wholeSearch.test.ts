// Reverse Continue replaying steps whole, each decided at its clip (wholeSearch.ts), lands exactly where the search
// replaying every event lands: the same stop, event and values, on random conditions over every tensor, hit
// conditions, logpoints, conditions that throw, with a clip that sometimes scales the gradients, Set Value edits in
// the history, and after stepping back and forward again. And what it rests on: at a dense step's clip, every name an
// event has computed reads what it read at that event.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateCondition, compile } from '../engine/expr/evaluate';
import { NotComputedError, type ExprScope } from '../engine/expr/values';
import { parseNnet } from '../engine/language/parser';
import { Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import type { HostToWorker, WorkerToHost } from './protocol';
import { trainerScope } from './scope';
import { prng, randomBreakpoints, searchTrial, seen as see, sevenRowSource } from './searchTesting';
import { drivenRun } from './testing';

/** `clip` a train line or ''. */
const source = (clip: string) => sevenRowSource('ws', clip);

/** A random condition reading tensors of every kind (and some scalars); some throw, at some events or at all. */
function condition(rnd: () => number): string | undefined {
  const c = (lo: number, hi: number) => (lo + (hi - lo) * rnd()).toFixed(3);
  const step = 1 + Math.floor(rnd() * 200);
  const pool = [
    () => undefined,
    () => `max(h1.a) > ${c(0.3, 1)}`,
    () => `min(h1.z) < ${c(-2, 0)}`,
    () => `max(abs(h2.a)) > ${c(0, 2)}`,
    () => `h2.a[0][1] > ${c(0, 1)}`,
    () => `h1.x[0][1] > 0.5 && step % 3 == 0`,
    () => `x[0][0] > 0.5 && yhat[0][0] > ${c(0.2, 0.8)}`,
    () => `y[0][0] == 1 && phase == "backward" && h1.a[0][2] > ${c(-0.5, 0.5)}`,
    () => `h1.W.grad[0][0] > ${c(-0.05, 0.05)}`, // not computed at the forward events: throws there
    () => `abs(out.b.grad[0]) > ${c(0, 0.3)}`,
    () => `max(abs(h2.W.grad)) > ${c(0.0005, 0.02)}`, // near what a clip at 0.001 scales the gradients to
    () => `out.delta[0][0] < ${c(-0.5, 0)}`,
    () => `h2.dA[0][0] > ${c(-0.05, 0.05)}`,
    () => `mean(h2.delta) > ${c(-0.01, 0.01)}`,
    () => `h2.dX[0][1] < ${c(-0.05, 0.05)}`,
    () => `h1.W.m[0][0] > ${c(-0.01, 0.01)}`,
    () => `h1.W[0][0] > ${c(-1, 1)} && h1.b[1] < ${c(-0.5, 0.5)}`,
    () => `h1.W.step[0][0] > 0`, // the update's ΔW: never computed at a forward or backward event
    () => `loss > ${c(0.3, 0.75)} && h1.a[0][0] > 0`,
    () => `step == ${step} || h2.a[2][0] > 0`, // out of range where the batch has 1 row: throws there
    () => `batch_size == 1 && h1.z[0][3] > ${c(-1, 1)}`,
    () => `nosuchname.a > 1`, // an error at every event
  ];
  return pool[Math.floor(rnd() * pool.length)]();
}

/** What a client sees of a stop and of some values there. */
const EXPRESSIONS = ['step', 'phase', 'layer', 'loss', 'h1.W', 'h2.a', 'out.b.grad'];
const seen = (stop: WorkerToHost, send: (msg: HostToWorker) => Promise<WorkerToHost>) => see(stop, send, EXPRESSIONS);

/**
 * One trial (its script drawn from `seed`, see searchTrial), with a clip drawn first: Reverse Continue twice with
 * random breakpoints, replaying either whole steps where it can (`whole`) or every event. What the client saw at each
 * stop, and the steps the searches took whole.
 */
async function trial(seed: number, whole: boolean) {
  const rnd = prng(seed);
  const clip = ['', '', '  clip norm 1.0\n', '  clip norm 0.001\n'][Math.floor(rnd() * 4)];
  const { r, send } = drivenRun();
  r.searchWhole = whole;
  r.searchByRecord = rnd() < 0.5;
  const { views, counted, random } = await searchTrial(rnd, {
    r,
    send,
    fileName: 'ws.nnet',
    source: source(clip),
    expressions: EXPRESSIONS,
    breakpoints: (rnd) => randomBreakpoints(rnd, 10, condition, 'a {max(h1.a)}'),
    counted: 'advanceStep',
  });
  return { views, wholeSteps: counted, random, clip };
}

test('Reverse Continue replaying whole steps lands, stop for stop, where the search replaying every event lands', async () => {
  let wholeSteps = 0,
    breakpointStops = 0,
    clipped = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const full = await trial(seed, false);
    const whole = await trial(seed, true);
    assert.deepEqual(whole.views, full.views, `seed ${seed}: ${full.clip} ${JSON.stringify(full.random)}`);
    assert.equal(full.wholeSteps, 0, 'the full search takes no step whole');
    wholeSteps += whole.wholeSteps;
    if (whole.clip && whole.wholeSteps > 0) clipped++;
    breakpointStops += full.views.slice(-2).filter((v) => v.reason === 'breakpoint').length;
  }
  // The trials must exercise both outcomes, take steps whole, and do so with a clip on too.
  assert.ok(breakpointStops >= 20 && breakpointStops <= 100, `searches that found a breakpoint: ${breakpointStops}`);
  assert.ok(wholeSteps > 500, `steps the searches took whole: ${wholeSteps}`);
  assert.ok(clipped > 0, `trials with a clip that took steps whole: ${clipped}`);
  console.log(`whole steps ${wholeSteps}, breakpoint stops ${breakpointStops}, clipped trials ${clipped}`);
});

/** Every name the scope answers at `ev` (undefined: not computed there, or no value), as JSON. */
function namesAt(t: Trainer, ev: TrainerEvent, names: readonly string[]): string {
  const scope: ExprScope = trainerScope(t, () => ev);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    try {
      const v = scope.lookup(name);
      out[name] = v === undefined || typeof v !== 'object' ? v : Array.from((v as { data: Float32Array }).data);
    } catch (e) {
      if (!(e instanceof NotComputedError)) throw e;
      out[name] = 'not computed';
    }
  }
  // A compiled condition reads scalars through their getters: these too.
  for (const expr of ['loss', 'prev.loss', 'lr', 'step', 'epoch', 'batch_size', 'grad_norm'])
    try {
      out[`=${expr}`] = evaluateCondition(compile(`${expr} == ${expr}`), scope);
    } catch (e) {
      out[`=${expr}`] = e instanceof NotComputedError ? 'not computed' : String(e);
    }
  return JSON.stringify(out);
}

test('At the clip of a dense step taken whole, every name reads what it read at each forward and backward event', () => {
  for (const clip of ['', '  clip norm 1.0\n']) {
    const spec = parseNnet(source(clip)).spec!;
    const byEvents = new Trainer(spec),
      byWhole = new Trainer(spec);
    const names = trainerScope(byEvents, () => null).names();
    let compared = 0,
      scaled = 0;
    for (let step = 0; step < 60; step++) {
      // The truth: each event's names, as the events one by one leave them.
      const truth: [TrainerEvent, string][] = [];
      let clipEvent: TrainerEvent | null = null;
      for (;;) {
        const ev = byEvents.advance()!;
        if (ev.phase === 'forward' || ev.phase === 'backward') truth.push([ev, namesAt(byEvents, ev, names)]);
        if (ev.phase === 'clip') clipEvent = ev;
        if (ev.phase === 'update') break;
      }
      byWhole.advanceStep(() => {
        // The gradients a clip scales differ from what the backward events showed: the search replays such steps.
        if (byWhole.clip.coefficient !== 1) {
          scaled++;
          return;
        }
        for (const [ev, want] of truth) {
          assert.equal(namesAt(byWhole, ev, names), want, `step ${step} ${ev.phase} ${ev.layer}`);
          compared++;
        }
      });
      assert.ok(clipEvent);
    }
    assert.ok(compared > 100, `events compared: ${compared}`);
    if (clip) assert.ok(scaled > 0 && scaled < 60, `steps whose clip scaled the gradients: ${scaled}`);
    byEvents.dispose();
    byWhole.dispose();
  }
});

test('Reverse Continue finds a breakpoint on gradients a clip then scaled down, as the events showed them', async () => {
  /** Stopped at step 50, Reverse Continue to a condition true of out's unclipped gradients only (clip at 0.001). */
  const landing = async (whole: boolean) => {
    const { r, send } = drivenRun();
    r.searchWhole = whole;
    await send({
      kind: 'start',
      fileName: 'ws.nnet',
      source: source('  clip norm 0.001\n'),
      debug: true,
      stopOnEntry: false,
      breakpoints: [{ id: 1, nodes: [0], phases: ['forward'], condition: 'step >= 50' }],
      exceptionFilters: [],
      historyBytes: 1 << 20,
    });
    const cond = 'max(abs(out.W.grad)) > 0.002 && step < 40';
    r.handle({ kind: 'setBreakpoints', breakpoints: [{ id: 2, nodes: [2], phases: ['backward'], condition: cond }] });
    const view = await seen(await send({ kind: 'reverseContinue' }), send);
    r.handle({ kind: 'stop' });
    return view;
  };
  const whole = await landing(true);
  assert.deepEqual(whole, await landing(false));
  assert.deepEqual([whole.reason, whole.location.step, whole.location.phase], ['breakpoint', 38, 'backward']);
});

test('With the doctor watching, a search taking steps whole leaves what it then records as the event search does', async () => {
  /** Paused at step 60's clip (the doctor has its row open), a tensor search back, then on to the end. */
  const run = async (whole: boolean) => {
    let finished: WorkerToHost | null = null,
      waiting: ((m: WorkerToHost) => void) | null = null;
    const { r } = drivenRun();
    const post = (m: WorkerToHost) => {
      if (m.kind === 'finished') finished = m;
      if ((m.kind === 'stopped' || m.kind === 'finished') && waiting) waiting(m);
    };
    const run = new (r.constructor as new (p: typeof post) => typeof r)(post);
    run.searchWhole = whole;
    const send = (msg: HostToWorker) =>
      new Promise<WorkerToHost>((resolve) => {
        waiting = resolve;
        run.handle(msg);
      });
    await send({
      kind: 'start',
      fileName: 'ws.nnet',
      source: source(''),
      debug: true,
      doctor: true,
      stopOnEntry: false,
      breakpoints: [{ id: 1, nodes: [0], phases: ['backward'], condition: 'step >= 60' }],
      exceptionFilters: [],
      historyBytes: 1 << 20,
    });
    await send({ kind: 'step', step: 'over' }); // the clip
    const cond = 'max(h1.a) > 0.5 && step < 20';
    run.handle({ kind: 'setBreakpoints', breakpoints: [{ id: 2, nodes: [0], condition: cond }] });
    const landed = await send({ kind: 'reverseContinue' });
    run.handle({ kind: 'setBreakpoints', breakpoints: [] });
    await send({ kind: 'continue' });
    assert.ok(finished);
    // All but the measured speeds.
    return JSON.parse(JSON.stringify({ landed, finished }, (k, v: unknown) => (k === 'stepsPerSecond' ? 0 : v)));
  };
  const whole = await run(true);
  assert.deepEqual(whole, await run(false));
  assert.deepEqual([whole.landed.reason, whole.landed.location.step], ['breakpoint', 18]);
});
