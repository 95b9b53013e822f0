// The bench's command line: defaults, checks, and that a mistyped option stops it instead of starting a full run.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { NET_IDS } from './networks';
import { DEFAULT_ENGINE_IDS } from './runner';
import { BENCH_OPTION_NAMES, BenchUsageError, parseBenchOptions, USAGE } from './runOptions';

const ROOT = '/repo';

test('no arguments: every network and default engine, the documented defaults', () => {
  const o = parseBenchOptions([], ROOT);
  assert.deepEqual(o.nets, [...NET_IDS]);
  assert.deepEqual(o.engines, [...DEFAULT_ENGINE_IDS]);
  assert.deepEqual([o.seconds, o.warmup, o.reps, o.edits], [2, 0.5, 3, 100]);
  assert.deepEqual(o.latencyNets, ['N3', 'N5']);
  assert.equal(o.out, path.resolve(ROOT, 'test-results/bench.json'));
  assert.equal(o.flag('no-view'), false);
});

test('values and switches are read wherever they stand; networks are case-insensitive', () => {
  const o = parseBenchOptions(['--no-view', '--nets', 'n1,N3', '--reps', '2.7', '--memory', '--out', 'x/y.json'], ROOT);
  assert.deepEqual(o.nets, ['N1', 'N3']);
  assert.equal(o.reps, 2);
  assert.equal(o.flag('no-view'), true);
  assert.equal(o.flag('memory'), true);
  assert.equal(o.flag('no-doctor'), false);
  assert.equal(o.out, path.resolve(ROOT, 'x/y.json'));
});

test('the view cost follows --nets unless --view-nets says otherwise', () => {
  assert.deepEqual(parseBenchOptions(['--nets', 'N2'], ROOT).viewNets, ['N2']);
  assert.deepEqual(parseBenchOptions(['--nets', 'N2', '--view-nets', 'N4'], ROOT).viewNets, ['N4']);
  assert.deepEqual(parseBenchOptions([], ROOT).viewNets, [...NET_IDS]);
});

test('a single-measurement mode writes its own JSON file by default', () => {
  assert.equal(parseBenchOptions(['--view-only'], ROOT).out, path.resolve(ROOT, 'test-results/bench-view.json'));
  assert.equal(parseBenchOptions(['--probe-only'], ROOT).out, path.resolve(ROOT, 'test-results/bench-probe.json'));
});

test('a mistyped option, an unknown network or engine, a missing value and a bad time are refused', () => {
  const refused = (argv: string[], message: RegExp) =>
    assert.throws(
      () => parseBenchOptions(argv, ROOT),
      (e: unknown) => e instanceof BenchUsageError && message.test(e.message),
    );
  refused(['--no-overheard'], /unknown option '--no-overheard'.*--help/);
  refused(['N1'], /unknown option 'N1'/);
  refused(['--nets', 'N1,N9'], /unknown network 'N9'/);
  refused(['--latency-nets', 'N6'], /unknown network 'N6' in --latency-nets/);
  refused(['--engines', 'nnet,torch'], /unknown engine 'torch'/);
  refused(['--seconds'], /--seconds needs a value/);
  refused(['--seconds', '0'], /--seconds must be > 0/);
});

test('--help is a switch, and the help text lists every option the parser takes', () => {
  assert.equal(parseBenchOptions(['--help'], ROOT).flag('help'), true);
  assert.ok(BENCH_OPTION_NAMES.length >= 27);
  for (const name of BENCH_OPTION_NAMES) assert.match(USAGE, new RegExp(`--${name}(?![\\w-])`), name);
});
