// Reverse Continue deciding conditions on max(), min() and any() of dense layers' z, a and x from the history's
// recorded extremes (engine/runtime/historyExtremes.ts, summaryScope.ts) lands exactly where the search replaying
// every event lands, on random conditions that fire and that do not, with ±∞ in the tensors; the extremes are the
// expression language's max and min bit for bit (NaN, ±∞, ±0); and a scope answering from them reads at every
// forward and backward event what the live scope reads there.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile, evaluateCondition } from '../engine/expr/evaluate';
import { kernels } from '../engine/expr/kernels';
import { parseNnet } from '../engine/language/parser';
import { extremesInto, StepExtremes } from '../engine/runtime/historyExtremes';
import { Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import type { HostToWorker, WorkerToHost } from './protocol';
import { trainerScope } from './scope';
import { prng, randomBreakpoints, searchTrial, seen as see, sevenRowSource } from './searchTesting';
import { readWhole, SummaryScope } from './summaryScope';
import { drivenRun } from './testing';

const SOURCE = sevenRowSource('sx');

/** Runs `f` with the extremes recorded for any network (the test networks are far below the cost threshold). */
async function recording<R>(f: () => Promise<R> | R, flopsPerEntry = 0): Promise<R> {
  const was = StepExtremes.flopsPerEntry;
  StepExtremes.flopsPerEntry = flopsPerEntry;
  try {
    return await f();
  } finally {
    StepExtremes.flopsPerEntry = was;
  }
}

/** Float32 values with NaN, ±∞ and ±0 likely. */
function specialValues(rnd: () => number, n: number): Float32Array {
  const pool = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 3e38, -3e38, 1e-45];
  const out = new Float32Array(n);
  const nanAllowed = rnd() < 0.3;
  for (let i = 0; i < n; i++) {
    const r = rnd();
    const v = r < 0.35 ? pool[Math.floor(rnd() * pool.length)] : (rnd() - 0.5) * 4;
    out[i] = Number.isNaN(v) && !nanAllowed ? 0.5 : v;
  }
  return out;
}

test('The recorded extremes are the expression language’s max and min, bit for bit', () => {
  const rnd = prng(11),
    out = new Float32Array(2);
  const check = (d: Float32Array, what: string) => {
    extremesInto(d, d.length, out, 0);
    const max = Math.fround(kernels.max(d, 0, d.length, 1)),
      min = Math.fround(kernels.min(d, 0, d.length, 1));
    assert.ok(Object.is(out[0], max), `max of ${what}: ${out[0]} against ${max}`);
    assert.ok(Object.is(out[1], min), `min of ${what}: ${out[1]} against ${min}`);
  };
  for (let trial = 0; trial < 3000; trial++) {
    const d = specialValues(rnd, Math.floor(rnd() * 12));
    check(d, `[${Array.from(d, (x) => (Object.is(x, -0) ? '-0' : String(x))).join(', ')}]`);
  }
  // Long buffers (the whole blocks of eight go through summarySimd.ts's kernel): specials anywhere, or only values of
  // one sign with zeros of both, so that an extreme of zero takes the first zero's sign.
  for (let trial = 0; trial < 300; trial++) {
    const n = 256 + Math.floor(rnd() * 3000),
      mode = trial % 3;
    const d = specialValues(rnd, n);
    if (mode > 0)
      for (let i = 0; i < n; i++) {
        const v = Number.isNaN(d[i]) ? 1 : Math.abs(d[i]);
        d[i] = rnd() < 0.5 ? (mode === 1 ? v : -v) : rnd() < 0.5 ? 0 : -0;
      }
    check(d, `${n} values, mode ${mode}`);
  }
  // Zeros of both signs only, in every order: the first one is the extreme either way.
  for (const z of [[0, -0], [-0, 0], [-0, -0, 0], [0], [-0], [-1, -0, 0, -2], [2, 0, -0, 1]])
    check(Float32Array.from(z), `${z}`);
});

test('A name counts as read whole unless it is the one argument of max(), min() or any()', () => {
  const whole = readWhole(
    ['max(h1.a) < 0 && min(h2.z) > any(out.a)', 'mean(h1.z) > 0 || max(h2.a, 0)[0] > 1', 'h2.x[0][0] > -max(yhat)'].map(
      (s) => compile(s),
    ),
  );
  assert.deepEqual([...whole].sort(), ['h1.z', 'h2.a', 'h2.x']);
});

/** The names whose reads the extremes can answer, in conditions of every kind the record accepts. */
const READS = ['h1.z', 'h1.a', 'h2.z', 'h2.a', 'h2.x', 'out.z', 'out.a', 'out.x', 'yhat'];

test('At every forward and backward event, a scope answering from the extremes reads what the live scope reads', async () => {
  const rnd = prng(5);
  const spec = parseNnet(SOURCE).spec!;
  const conditions = [
    ...READS.flatMap((n) => [`max(${n}) > 0.5`, `min(${n}) < -0.5`, `any(${n})`, `max(${n}) != max(${n})`]),
    ...READS.map((n) => `1 / max(${n}) < 0 || 1 / min(${n}) > 0 || max(${n}) - min(${n}) > 1e38`),
    'max(h1.a) * 0 == 0 && step > 0',
  ].map((s) => compile(s));
  let compared = 0,
    nonFinite = 0;
  await recording(() => {
    const t = new Trainer(spec),
      extremes = new StepExtremes(t);
    assert.ok(extremes.enabled);
    const L = t.model.nodes.length;
    for (let step = 0; step < 40; step++) {
      // Through the forward pass, then the step's z and a replaced by values with NaN, ±∞ and ±0 (it goes on from
      // there: the record holds what the buffers hold, whatever made them).
      while (t.stepPosition < L + 1) t.advance();
      const kept = t.model.nodes.map((_, i) => [t.model.zs[i].slice(), t.model.acts[i + 1].slice()]);
      for (let i = 0; i < L; i++) {
        const n = t.batchSize * t.model.nodes[i].outWidth;
        t.model.zs[i].set(specialValues(rnd, n));
        t.model.acts[i + 1].set(specialValues(rnd, n));
      }
      extremes.noteCurrent();
      const scope = new SummaryScope(t, extremes, conditions);
      scope.step = { step: t.step, epoch: t.epoch, start: 0, loss: NaN, previousLoss: NaN, baseLr: 0, batchSize: 0 };
      for (let pos = 0; pos <= 2 * L; pos++) {
        if (pos === L) continue;
        const backward = pos > L,
          ev: TrainerEvent = {
            phase: backward ? 'backward' : 'forward',
            layer: backward ? 2 * L - pos : pos,
            step: t.step,
            epoch: t.epoch,
            micro: 0,
          };
        // The live scope at an event after the forward pass reads the same buffers as at the event (dense layers).
        const live = trainerScope(t, () => ev);
        scope.phase = ev.phase as 'forward' | 'backward';
        scope.layer = ev.layer;
        for (const c of conditions) {
          const answer = (s: typeof live) => {
            try {
              return String(evaluateCondition(c, s));
            } catch (e) {
              return (e as Error).name;
            }
          };
          scope.undecided = false;
          const got = answer(scope);
          assert.equal(scope.undecided, false, c.source);
          assert.equal(got, answer(live), `step ${step} ${ev.phase} ${ev.layer}: ${c.source}`);
          compared++;
        }
      }
      nonFinite += Number(!READS.every((n) => Number.isFinite(kernels.max(live(t, n), 0, 1, 1))));
      // A step the record does not hold is undecided.
      scope.step = { ...scope.step, step: t.step + 1 };
      scope.phase = 'backward';
      scope.undecided = false;
      try {
        evaluateCondition(conditions[0], scope);
      } catch {
        /* undecided */
      }
      assert.equal(scope.undecided, true);
      // The step goes on from the values its forward pass made (the special ones would make its gradients non-finite).
      kept.forEach(([z, a], i) => {
        t.model.zs[i].set(z);
        t.model.acts[i + 1].set(a);
      });
      t.advanceStep();
    }
    t.dispose();
  });
  assert.ok(compared > 5000 && nonFinite > 0, `conditions compared: ${compared}`);
});

/** The data of `name` in `t`'s live scope (after the forward pass). */
function live(t: Trainer, name: string): Float32Array {
  const ev: TrainerEvent = { phase: 'backward', layer: 0, step: t.step, epoch: t.epoch, micro: 0 };
  return (trainerScope(t, () => ev).lookup(name) as { data: Float32Array }).data;
}

/** A random condition on the extremes (some fire, some never do), with scalars or a whole read now and then. */
function condition(rnd: () => number): string | undefined {
  const c = (lo: number, hi: number) => (lo + (hi - lo) * rnd()).toFixed(3);
  const name = () => READS[Math.floor(rnd() * READS.length)];
  const pool = [
    () => undefined,
    () => `max(${name()}) > ${c(0.3, 1.2)}`,
    () => `min(${name()}) < ${c(-1.2, 0.1)}`,
    () => `max(${name()}) < -1e9`, // never
    () => `any(${name()}) && step % ${2 + Math.floor(rnd() * 9)} == 1`,
    () => `max(h1.z) > 1e38`, // +∞ once the edits below are made
    () => `min(h1.z) < -1e39 && phase == "backward"`, // −∞
    () => `max(h1.z) - max(h1.z) != 0 && step > ${Math.floor(rnd() * 150)}`, // ∞ − ∞ is NaN
    () => `1 / min(h2.a) > 0 && loss < ${c(0.3, 0.75)}`, // relu's zeros are +0
    () => `max(h2.z) > ${c(0, 2)} && mean(h2.z) > 0`, // read whole too: replayed
    () => `step == ${1 + Math.floor(rnd() * 200)} || max(yhat) > ${c(0.4, 0.9)}`,
  ];
  return pool[Math.floor(rnd() * pool.length)]();
}

const EXPRESSIONS = ['step', 'phase', 'layer', 'loss', 'h1.W', 'h1.z', 'h2.a'];
const seen = (stop: WorkerToHost, send: (msg: HostToWorker) => Promise<WorkerToHost>) => see(stop, send, EXPRESSIONS);

/** SOURCE with two rows so large that h1's z overflows float32 to ±∞ on them (tanh keeps a at ±1, δ at 0). */
const SOURCE_INF = SOURCE.replace('  0.9 0.1 -> 1\n', '  0.9 0.1 -> 1\n  3e38 3e38 -> 1\n  -3e38 -3e38 -> 0\n');

/**
 * One trial (its script drawn from `seed`, see searchTrial), on a network whose h1.z holds ±∞ at some steps or not:
 * Reverse Continue twice with random breakpoints, decided from the record where it can (`summary`) or replaying
 * every event. What the client saw at each stop, and the events replayed.
 */
async function trial(seed: number, summary: boolean) {
  const rnd = prng(seed);
  const source = rnd() < 0.6 ? SOURCE_INF : SOURCE;
  const { r, send } = drivenRun();
  r.searchByRecord = r.searchWhole = summary;
  return recording(async () => {
    const { views, counted, random } = await searchTrial(rnd, {
      r,
      send,
      fileName: 'sx.nnet',
      source,
      expressions: EXPRESSIONS,
      breakpoints: (rnd) => randomBreakpoints(rnd, 10, condition, 'm {max(h1.a)}'),
      counted: 'advance',
    });
    return { views, replayed: counted, random, infinite: source === SOURCE_INF };
  });
}

test('Reverse Continue decided from the recorded extremes lands, stop for stop, where the replaying search lands', async () => {
  let summaryReplayed = 0,
    fullReplayed = 0,
    breakpointStops = 0,
    infinite = 0;
  for (let seed = 1; seed <= 50; seed++) {
    const full = await trial(seed, false);
    const summary = await trial(seed, true);
    assert.deepEqual(summary.views, full.views, `seed ${seed}: ${JSON.stringify(full.random)}`);
    summaryReplayed += summary.replayed;
    fullReplayed += full.replayed;
    breakpointStops += full.views.slice(-2).filter((v) => v.reason === 'breakpoint').length;
    infinite += Number(full.infinite);
  }
  assert.ok(breakpointStops >= 15 && breakpointStops <= 85, `searches that found a breakpoint: ${breakpointStops}`);
  assert.ok(infinite >= 15, `trials with ±∞ in h1.z: ${infinite}`);
  console.log(`replayed ${summaryReplayed} against ${fullReplayed}, breakpoint stops ${breakpointStops}`);
});

/**
 * Stopped at step 150, Reverse Continue with `condition` on h1 (both passes): what the client sees where it lands,
 * and the events replayed; the extremes recorded when `flopsPerEntry` allows (see recording).
 */
async function landing(source: string, condition: string, byRecord: boolean, flopsPerEntry: number) {
  return recording(async () => {
    const { r, send } = drivenRun();
    r.searchByRecord = r.searchWhole = byRecord;
    await send({
      kind: 'start',
      fileName: 'sx.nnet',
      source,
      debug: true,
      stopOnEntry: false,
      breakpoints: [{ id: 1, nodes: [1], phases: ['forward'], condition: 'step >= 150' }],
      exceptionFilters: [],
      historyBytes: 1 << 20,
    });
    r.handle({ kind: 'setBreakpoints', breakpoints: [{ id: 2, nodes: [0], condition }] });
    const proto = Trainer.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const counts = { advance: 0, advanceStep: 0 };
    const originals = { advance: proto.advance, advanceStep: proto.advanceStep };
    for (const k of ['advance', 'advanceStep'] as const)
      proto[k] = function (this: Trainer, ...args: unknown[]) {
        counts[k]++;
        return originals[k].apply(this, args);
      };
    let view;
    try {
      view = await seen(await send({ kind: 'reverseContinue' }), send);
    } finally {
      Object.assign(proto, originals);
    }
    r.handle({ kind: 'stop' });
    return { view, counts };
  }, flopsPerEntry);
}

test('Reverse Continue decides a past step from the extremes without replaying it, where they are recorded', async () => {
  for (const [source, condition, step] of [
    [SOURCE, 'max(h1.a) < -1e9', null], // never: the search goes back as far as the history reaches
    [SOURCE_INF, 'max(h1.z) - max(h1.z) != 0 && min(h1.z) < -1e39 && step < 120', 'found'],
    [SOURCE, `min(h2.a) > 0.01 || step == 60`, 'found'],
  ] as const) {
    const full = await landing(source, condition, false, 0);
    const summary = await landing(source, condition, true, 0);
    const none = await landing(source, condition, true, Infinity); // no extremes recorded
    assert.deepEqual(summary.view, full.view, condition);
    assert.deepEqual(none.view, full.view, condition);
    assert.equal(full.view.reason === 'breakpoint', step !== null, condition);
    // Without the extremes every step searched is replayed (whole); with them only the stretch the search starts in
    // (its current step's forward pass is not done) and the landing.
    const replayed = (c: { advance: number; advanceStep: number }) => c.advance + c.advanceStep;
    assert.ok(replayed(none.counts) > 100, `${condition}: ${JSON.stringify(none.counts)}`);
    const most = step ? replayed(none.counts) - 1 : replayed(none.counts) / 4;
    assert.ok(replayed(summary.counts) <= most, `${condition}: ${JSON.stringify([summary.counts, none.counts])}`);
  }
});
