// Which events the stop rules watch: the run loop skips every other event, so a wrong answer here means a
// breakpoint or filter that silently never fires.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { vanishes } from '../engine/doctor/measures';
import { parseNnet } from '../engine/language/parser';
import { Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import { StopRules, WATCH_BREAKPOINTS, WATCH_FILTERS } from './stopRules';

const ev = (phase: TrainerEvent['phase'], layer = -1): TrainerEvent => ({ phase, layer, step: 0, epoch: 0, micro: 0 });
const nodes = [
  { kind: 'dense', activation: 'relu' },
  { kind: 'dense', activation: 'tanh' },
  { kind: 'activation', activation: 'relu' },
];

test('nothing set, or only the NaN filter: nothing is watched (the trainer throws on NaN itself)', () => {
  const r = new StopRules();
  r.setNetwork(nodes);
  assert.equal(r.active, false);
  r.setExceptionFilters([{ id: 'nan', threshold: 0 }]);
  assert.equal(r.active, false);
  for (const e of [ev('forward', 0), ev('backward', 1), ev('loss'), ev('clip'), ev('update')])
    assert.equal(r.watches(e), 0);
});

test('the dead-ReLU filter watches the forward events of ReLU layers only (all of them before the network is known)', () => {
  const r = new StopRules();
  r.setExceptionFilters([{ id: 'deadRelu', threshold: 0.5 }]);
  assert.equal(r.active, true);
  assert.equal(r.watches(ev('forward', 1)), WATCH_FILTERS, 'network unknown: every forward event');
  r.setNetwork(nodes);
  assert.equal(r.active, true);
  assert.deepEqual(
    [0, 1, 2].map((i) => r.watches(ev('forward', i))),
    [WATCH_FILTERS, 0, WATCH_FILTERS],
  );
  assert.equal(r.watches(ev('backward', 0)), 0);
});

test('exploding and vanishing watch the clip event; breakpoints watch their nodes in their phases', () => {
  const r = new StopRules();
  r.setNetwork(nodes);
  r.setExceptionFilters([{ id: 'vanishing', threshold: 1e-3 }]);
  assert.deepEqual(
    [ev('clip'), ev('update'), ev('loss')].map((e) => r.watches(e)),
    [WATCH_FILTERS, 0, 0],
  );
  r.setExceptionFilters([]);
  r.setBreakpoints([
    { id: 1, nodes: [1] },
    { id: 2, nodes: [2], phases: ['backward'] },
  ]);
  assert.equal(r.active, true);
  const B = WATCH_BREAKPOINTS;
  assert.deepEqual(
    [0, 1, 2].map((i) => [r.watches(ev('forward', i)), r.watches(ev('backward', i))]),
    [
      [0, 0],
      [B, B],
      [0, B],
    ],
  );
  r.setExceptionFilters([{ id: 'deadRelu', threshold: 0.5 }]);
  r.setBreakpoints([
    { id: 1, nodes: [0, 1] },
    { id: 2, nodes: [2], phases: ['backward'] },
  ]);
  assert.deepEqual(
    [0, 1, 2].map((i) => r.watches(ev('forward', i))),
    [WATCH_FILTERS | B, B, WATCH_FILTERS],
    'both kinds on one event',
  );
  r.setExceptionFilters([]);
  r.setBreakpoints([]);
  assert.equal(r.active, false);
});

test('a breakpoint that does not fire yields the shared quiet verdict; one that fires lists its id', () => {
  const r = new StopRules();
  r.setBreakpoints([
    { id: 7, nodes: [0], condition: 'step < 0' },
    { id: 8, nodes: [1] },
  ]);
  const scope = { lookup: (n: string) => (n === 'step' ? 5 : undefined), names: () => ['step'] };
  assert.ok(StopRules.quiet(r.check(ev('forward', 0), () => scope)));
  const v = r.check(ev('forward', 1), () => scope);
  assert.equal(StopRules.quiet(v), false);
  assert.deepEqual([v.stop, v.ids], [true, [8]]);
});

test('a condition false on step-constant names alone is evaluated once per step; one that read more, at every event', () => {
  const r = new StopRules();
  r.setBreakpoints([
    { id: 1, nodes: [0, 1], condition: 'step < 2' },
    { id: 2, nodes: [0, 1], condition: 'step == 5 && phase == "backward"' },
  ]);
  let step = 0,
    phase = 'forward';
  const reads = new Map<string, number>();
  const scope = {
    lookup: (n: string) => {
      reads.set(n, (reads.get(n) ?? 0) + 1);
      return n === 'step' ? step + 1 : n === 'phase' ? phase : undefined;
    },
    names: () => ['step', 'phase'],
  };
  const at = (s: number, p: 'forward' | 'backward', layer: number) => {
    step = s;
    phase = p;
    return r.check({ phase: p, layer, step: s, epoch: 0, micro: 0 }, () => scope);
  };
  const events = [
    ['forward', 0],
    ['forward', 1],
    ['backward', 1],
    ['backward', 0],
  ] as const;
  for (const [p, layer] of events) assert.ok(StopRules.quiet(at(3, p, layer)), `step 4, ${p} ${layer}`);
  assert.equal(reads.get('step'), 2, "step 4: each condition read 'step' once, at the step's first event");
  assert.equal(reads.get('phase'), undefined);
  reads.clear();
  const verdicts = events.map(([p, layer]) => at(4, p, layer));
  assert.deepEqual(
    verdicts.map((v) => v.ids),
    [[], [], [2], [2]],
    "step 5: the condition reading 'phase' is evaluated at every event and fires at the backward ones",
  );
  assert.equal(reads.get('phase'), 4);
  assert.equal(reads.get('step'), 1 + 4, 'the step-only condition once, the other at each of the 4 events');
});

test('after a whole step the vanishing filter decides as the doctor measures it (weighted nodes only, any stats)', () => {
  // Batch norm and dropout between the dense layers: nodes with and without weights, of several kinds.
  for (const file of ['deep-sigmoid-batchnorm.nnet', 'dropout.nnet']) {
    const t = new Trainer(parseNnet(fs.readFileSync(path.join(__dirname, '..', 'examples', file), 'utf8')).spec!);
    for (let i = 0; i < 3; i++) t.advanceStep();
    const r = new StopRules();
    r.setNetwork(t.model.nodes);
    const weighted = t.model.nodes.flatMap((n, i) => (n.wSize ? [i] : []));
    assert.ok(weighted.length >= 2 && weighted.length < t.model.nodes.length, `${file}: mixed nodes`);
    const mean = Float64Array.from(t.meanAbsGrad),
      norm = Float64Array.from(t.gradNorm);
    // Each weighted node in turn made zero, small, equal to a floor or NaN, in its mean and its norm (the last one is
    // the reference).
    const variants: [number, 'mean' | 'norm', number][] = [[-1, 'mean', 0]];
    for (const i of weighted) for (const v of [0, 1e-9, 1e-7, NaN]) variants.push([i, 'mean', v], [i, 'norm', v]);
    let fired = 0;
    for (const [i, which, v] of variants) {
      t.meanAbsGrad.set(mean);
      t.gradNorm.set(norm);
      if (i >= 0) (which === 'mean' ? t.meanAbsGrad : t.gradNorm)[i] = v;
      for (const threshold of [1e-30, 1e-3, 0.5, 1, 10])
        for (const floor of [1e-30, 1e-7, 1e-3]) {
          r.setExceptionFilters([{ id: 'vanishing', threshold, floor }]);
          const want = vanishes(t, threshold, floor);
          assert.equal(
            r.stepHit(t),
            want,
            `${file}: node ${i} ${which} = ${v}, threshold ${threshold}, floor ${floor}`,
          );
          if (want) fired++;
        }
    }
    assert.ok(fired > 0 && fired < variants.length * 15, `${file}: some fire and some do not (${fired})`);
    t.dispose();
  }
});

test('what a whole step asks of the rules: breakpoints on the network to decide, step filters to check', () => {
  const r = new StopRules();
  r.setNetwork(nodes);
  assert.deepEqual(r.stepChecks, { bps: false, filters: false });
  r.setExceptionFilters([{ id: 'nan', threshold: 0 }]);
  assert.deepEqual(r.stepChecks, { bps: false, filters: false }, 'NaN: the trainer throws');
  for (const id of ['exploding', 'vanishing', 'deadRelu'] as const) {
    r.setExceptionFilters([{ id, threshold: 0.5 }]);
    assert.deepEqual(r.stepChecks, { bps: false, filters: true }, id);
  }
  r.setExceptionFilters([]);
  r.setBreakpoints([{ id: 1, nodes: [7], condition: 'step < 0' }]);
  assert.deepEqual(r.stepChecks, { bps: false, filters: false }, 'a node the network does not have');
  r.setBreakpoints([{ id: 1, nodes: [2], condition: 'step < 0' }]);
  assert.deepEqual(r.stepChecks, { bps: true, filters: false });
});

test('a reverse search can stop only with a breakpoint on the network that is not a logpoint and whose hit count holds', () => {
  const r = new StopRules();
  const scope = { lookup: (n: string) => (n === 'step' ? 1 : undefined), names: () => ['step'] };
  const everyEvent = (['forward', 'backward', 'loss', 'clip', 'update'] as const).flatMap((p) =>
    [0, 1, 2].map((layer) => ({ phase: p, layer, step: 0, epoch: 0, micro: 0 })),
  );
  /** What mayStopOnReplay says, after checking it against a search's check of every event (count = false). */
  const mayStop = (specs: Parameters<StopRules['setBreakpoints']>[0], what: string): boolean => {
    r.setBreakpoints(specs);
    const says = r.mayStopOnReplay;
    if (!says)
      for (const e of everyEvent)
        assert.equal(r.check(e, () => scope, false).stop, false, `${what}: ${e.phase} ${e.layer} stops`);
    return says;
  };
  assert.equal(mayStop([], 'none'), false);
  assert.equal(mayStop([{ id: 1, nodes: [7] }], 'network unknown'), true, 'before the network is known: any node');
  r.setNetwork(nodes);
  r.setExceptionFilters([
    { id: 'exploding', threshold: 1 },
    { id: 'deadRelu', threshold: 0 },
  ]);
  assert.equal(mayStop([], 'filters only'), false, 'exception filters are not searched for');
  assert.equal(mayStop([{ id: 1, nodes: [7] }], 'off the network'), false);
  assert.equal(mayStop([{ id: 1, nodes: [1] }], 'plain'), true);
  assert.equal(mayStop([{ id: 1, nodes: [1], phases: ['backward'] }], 'backward'), true);
  assert.equal(mayStop([{ id: 1, nodes: [1], phases: [] }], 'no phase'), false);
  assert.equal(
    mayStop([{ id: 1, nodes: [0], condition: 'step < 0' }], 'condition'),
    true,
    'conditions are not guessed',
  );
  assert.equal(mayStop([{ id: 1, nodes: [0, 1, 2], logMessage: 'at {step}' }], 'logpoint'), false);
  assert.equal(
    mayStop(
      [
        { id: 1, nodes: [0], logMessage: 'at {step}' },
        { id: 2, nodes: [2], condition: 'step > 0' },
      ],
      'logpoint and breakpoint',
    ),
    true,
  );
  // Hit conditions read the count, which a search does not change: `== 1` holds only after exactly one hit.
  const counted = [{ id: 3, nodes: [1], hitCondition: '== 1' }];
  assert.equal(mayStop(counted, 'no hit yet'), false);
  assert.equal(r.check(everyEvent[1], () => scope).stop, true, 'counted: the first hit stops');
  assert.equal(mayStop(counted, 'one hit'), true, 'the count is kept when the breakpoints are set again');
  r.check(everyEvent[1], () => scope);
  assert.equal(mayStop(counted, 'two hits'), false);
  assert.equal(mayStop([{ id: 3, nodes: [1], hitCondition: '>= 2' }], '>= 2 after two hits'), true);
});
