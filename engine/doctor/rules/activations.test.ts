// dead-relu and saturated: each fires on a network built for it, on the layer's line, and not on one built not to.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../../language/parser';
import { Trainer } from '../../runtime/trainer';
import { findingsOf, lineOf, net } from '../testing';
import type { NetworkSpec } from '../../language/spec';
import { DEFAULT_THRESHOLDS, type DoctorThresholds } from '../thresholds';
import type { Rule, RuleContext } from '../types';
import { deadRelu } from './activations';

const relu = (bias: string) =>
  net(
    `  dense h1 16 relu init=he bias_init=${bias}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );

test('dead-relu: biases at −10 kill every unit of h1', () => {
  const text = relu('constant(-10)');
  const [f] = findingsOf(text, 'dead-relu');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.equal(f.layer, 'h1');
  assert.equal(f.evidence.measured, 1, 'all units dead');
  assert.equal(f.evidence.threshold, 0.5);
});

test('dead-relu: zero biases leave the units alive; leaky_relu cannot die', () => {
  assert.deepEqual(findingsOf(relu('zeros'), 'dead-relu'), []);
  const leaky = relu('constant(-10)').replace('relu init', 'leaky_relu init');
  assert.deepEqual(findingsOf(leaky, 'dead-relu'), []);
});

const tanh = (init: string) =>
  net(
    `  dense h1 16 tanh init=${init}\n  dense out 1 sigmoid`,
    '  epochs 10\n  batch 16\n  optimizer adam lr=0.01\n  seed 2',
  );

test('saturated: tanh with weights of std 20 starts saturated', () => {
  const text = tanh('normal(20)');
  const [f] = findingsOf(text, 'saturated');
  assert.ok(f, 'fires');
  assert.equal(f.line + 1, lineOf(text, 'dense h1'));
  assert.ok(f.evidence.measured > 0.5, `${f.evidence.measured}`);
});

test('saturated: xavier init does not; the output sigmoid is never counted', () => {
  assert.deepEqual(findingsOf(tanh('xavier'), 'saturated'), []);
  const out = net(
    '  dense h1 4 relu init=he\n  dense out 1 sigmoid init=normal(50)',
    '  epochs 10\n  batch 16\n  seed 2',
  );
  assert.deepEqual(findingsOf(out, 'saturated'), []);
});

/** dead-relu as it was first written: every activation of every step counted (the reference for the incremental). */
function exhaustiveDeadRelu(): Rule {
  const counts = new Map<number, Float64Array>();
  let samples = 0;
  const check = ({ trainer: t, thresholds: th, report }: RuleContext) => {
    for (const [node, c] of counts) {
      if (!samples) continue;
      let dead = 0;
      for (const x of c) if (x < th.deadUnitActivity * samples) dead++;
      const share = dead / c.length,
        seen = samples;
      if (share > th.deadReluShare)
        report({
          anchor: { kind: 'layer', node },
          step: Math.max(0, t.step - 1),
          measured: share,
          threshold: th.deadReluShare,
          excess: share / th.deadReluShare,
          message: () => `${share} of ${seen}`,
        });
      c.fill(0);
    }
    samples = 0;
  };
  return {
    id: 'dead-relu',
    forwardNodes: (t) => {
      t.model.nodes.forEach((n, i) => n.activation === 'relu' && counts.set(i, new Float64Array(n.outWidth)));
      return [...counts.keys()];
    },
    afterForward({ trainer: t }, node) {
      const c = counts.get(node)!,
        a = t.model.acts[node + 1];
      for (let r = 0; r < t.batchSize; r++) for (let j = 0; j < c.length; j++) if (a[r * c.length + j] !== 0) c[j]++;
      if (node === Math.max(...counts.keys())) samples += t.batchSize;
    },
    afterUpdate: (ctx) => (ctx.trainer.step % ctx.thresholds.window === 0 ? check(ctx) : undefined),
    finish: check,
  };
}

/** Every hit of `rule` over a run of `spec`, the rule driven by hand with `thresholds`. */
function hits(rule: Rule, spec: NetworkSpec, thresholds: DoctorThresholds): string[] {
  const t = new Trainer(spec),
    out: string[] = [];
  const ctx: RuleContext = { trainer: t, thresholds, report: (h) => out.push(`${h.step}: ${h.measured}`) };
  const watched = new Set(rule.forwardNodes!(t));
  for (let ev = t.advance(); ev; ev = t.advance())
    if (ev.phase === 'forward' && watched.has(ev.layer)) rule.afterForward!(ctx, ev.layer);
    else if (ev.phase === 'update') rule.afterUpdate!(ctx);
  rule.finish!(ctx);
  return out;
}

test('dead-relu: counting a unit only until it is known alive gives the shares of counting everything', () => {
  let compared = 0;
  for (const bias of ['0', '-1', '-2', '-3'])
    for (const [batch, accumulate] of [
      [16, 1],
      [5, 3],
    ]) {
      const text = net(
        `  dense h1 24 relu init=normal(0.5) bias_init=constant(${bias})\n  dense h2 8 relu init=he\n  dense out 1 sigmoid`,
        `  epochs 6\n  batch ${batch}\n  accumulate ${accumulate}\n  optimizer sgd lr=0.05\n  seed 3`,
        { data: 'generate xor n=70 seed=2' },
      );
      const { spec } = parseNnet(text);
      assert.ok(spec);
      // Share 0: every window with a dead unit reports its share, so every window's count is compared.
      for (const activity of [0.01, 0.2, 0.5]) {
        const th = { ...DEFAULT_THRESHOLDS, deadReluShare: 0, deadUnitActivity: activity };
        const want = hits(exhaustiveDeadRelu(), spec, th);
        assert.deepEqual(hits(deadRelu(), spec, th), want, `bias ${bias}, batch ${batch}×${accumulate}, ${activity}`);
        compared += want.length;
      }
    }
  assert.ok(compared > 50, `${compared} windows with dead units compared`);
});
