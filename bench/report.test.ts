// The bench's HTML report and targets rendered from a fixture run (bench/fixtures/bench.json): content, not speed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { BenchJson } from './benchJson';
import { barsOf, renderReport } from './report';
import { standingSummary, targetsOf } from './targets';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'bench.json'), 'utf8')) as BenchJson;

test('a network gets a bar per measured engine and per limit, each peer with nnet’s ratio', () => {
  const bars = barsOf(fixture, 'N5');
  assert.deepEqual(
    bars.map((b) => [b.label, b.kind]),
    [
      ['nnet', 'nnet'],
      ['ConvNetJS', 'peer'],
      ['PyTorch, 1 thread', 'peer'],
      ['C + OpenBLAS, 1 thread', 'peer'],
      ['nnet kernels only (limit)', 'limit'],
      ['OpenBLAS sgemm peak, 1 thread (limit)', 'limit'],
      ['OpenBLAS sgemm peak, 2 threads (limit)', 'limit'],
    ],
  );
  assert.equal(bars[1].ratio, 8); // 1600 ÷ 200
  assert.equal(bars[2].ratio, 0.2); // 1600 ÷ 8000
  // 40 GFLOP/s over 1350041600 flops per step of 128 samples.
  assert.ok(Math.abs(bars[4].value - (40e9 * 128) / 1350041600) < 1e-9);
  // 100 GFLOP/s over 6 × 2107392 flops per sample.
  assert.ok(Math.abs(bars[5].value - 100e9 / (6 * 2107392)) < 1e-9);
  // An engine that did not run has no bar.
  assert.ok(!barsOf(fixture, 'N1').some((b) => b.label.includes('OpenBLAS, 1 thread')));
});

test('the targets are judged from the run: ratios, step ÷ kernels, overhead, latencies, memory', () => {
  const rows = targetsOf(fixture);
  const row = (prefix: string) => {
    const r = rows.find((t) => t.target.startsWith(prefix));
    assert.ok(r, `no target row '${prefix}'`);
    return r;
  };
  assert.equal(row('N1 nnet ÷ ConvNetJS').standing, 'PASS');
  assert.equal(row('N1 nnet ÷ ConvNetJS').measured, '5.20×');
  assert.equal(row('N1 nnet ÷ PyTorch').standing, 'FAIL');
  assert.equal(row('N1 nnet ÷ PyTorch').measured, '50.0×');
  assert.equal(row('N2 nnet ÷ PyTorch').standing, 'n/a'); // N2 was not run
  assert.equal(row('N5 training step ÷ kernels').standing, 'FAIL');
  assert.match(row('N5 training step ÷ kernels').measured, /^50% \(20\.00 of 40\.00\)/);
  // A mode over budget fails it, and the mode that could not be measured is named.
  assert.equal(row('N1 debugger overhead').standing, 'FAIL');
  assert.match(
    row('N1 debugger overhead').measured,
    /^\+18\.0% \(debug\+breakpoints\); not measured: debug\+filters: it stops/,
  );
  assert.equal(row('N1 pause latency').standing, 'PASS');
  assert.equal(row('N5 Step Back').standing, 'PASS');
  assert.equal(row('N5 Reverse Continue latency, no breakpoint').standing, 'PASS');
  assert.equal(row('N5 Reverse Continue latency, no breakpoint').measured, '45.0 ms (median 30.0 ms, 14 steps back)');
  assert.equal(row('N5 Reverse Continue latency, searching').standing, 'FAIL');
  assert.equal(
    row('N5 Reverse Continue latency, searching').measured,
    "2200 ms (median 2000 ms, 13 steps back, 'loss < 0')",
  );
  assert.equal(
    row('N5 Reverse Continue latency, searching 2 s of history for a breakpoint that never fires, reading a tensor')
      .measured,
    "1700 ms (median 1500 ms, 12 steps back, 'max(h1.a) < -1e9')",
  );
  assert.equal(row('N3 debug session resident size').standing, 'PASS');
  assert.match(
    row('N3 debug session resident size').measured,
    /^2\.0% \(381 → 389 MB; 294 MB above .*, history budget 256 MB\)$/,
  );
  assert.equal(standingSummary(rows), '5 PASS, 5 FAIL, 3 n/a');
});

test('a Step Back that stayed where it was fails the Step Back target, with its notice, whatever its speed', () => {
  const l = fixture.rewindLatency!.N5;
  assert.ok(l.status === 'ok');
  const notice = 'cannot rewind to event 90: the oldest state kept is event 97 (step 12); raise the history budget';
  const failed = { ...l, stepBacksFailed: { count: 5, notice } };
  const back = targetsOf({ ...fixture, rewindLatency: { N5: failed } }).find((t) =>
    t.target.startsWith('N5 Step Back'),
  );
  assert.deepEqual(back && [back.target, back.standing, back.measured], [
    `N5 Step Back latency (5 of ${l.stepBackMs.count + 5} did not move)`,
    'FAIL',
    `it stayed: ${notice}`,
  ]);
});

test('a run from before the searching Reverse Continue was measured shows that target as not measured', () => {
  const l = fixture.rewindLatency!.N5;
  assert.ok(l.status === 'ok');
  const {
    reverseSearchMs: _ms,
    reverseSearchSteps: _steps,
    reverseSearchCondition: _cond,
    reverseReplayMs: _rms,
    reverseReplaySteps: _rsteps,
    reverseReplayCondition: _rcond,
    ...older
  } = l;
  const rows = targetsOf({ ...fixture, rewindLatency: { N5: older } });
  const search = rows.filter((t) => t.target.startsWith('N5 Reverse Continue latency, searching'));
  assert.deepEqual(
    search.map((t) => [t.standing, t.measured]),
    [
      ['n/a', 'not measured (an older run)'],
      ['n/a', 'not measured (an older run)'],
    ],
  );
  // A run from before the search reading a tensor was measured: only that one is not measured.
  const { reverseReplayMs: _m, reverseReplaySteps: _s, reverseReplayCondition: _c, ...lessOld } = l;
  const judged = targetsOf({ ...fixture, rewindLatency: { N5: lessOld } }).filter((t) =>
    t.target.startsWith('N5 Reverse Continue latency, searching'),
  );
  assert.deepEqual(
    judged.map((t) => t.standing),
    ['FAIL', 'n/a'],
  );
  assert.equal(rows.find((t) => t.target.startsWith('N5 Reverse Continue latency, no breakpoint'))?.standing, 'PASS');
});

test('the debugger with the doctor on is judged against Train with the doctor; a run without train+doctor has no row', () => {
  const o = fixture.instrumentationOverhead!.N1;
  assert.ok(o.status === 'ok');
  const target = 'N1 debugger overhead with the doctor on (debug+doctor vs train+doctor)';
  const withModes = (modes: Record<string, unknown>) =>
    targetsOf({
      ...fixture,
      instrumentationOverhead: { N1: { ...o, modes: { ...o.modes, ...modes } as typeof o.modes } },
    });
  const trained = { samplesPerSec: 2300000, overheadPct: 12, vsTrainPct: 8, capped: false };
  const debugged = (vsTrainDoctorPct: number) => ({ ...o.modes['debug+doctor'], vsTrainDoctorPct });
  const over = withModes({ 'train+doctor': trained, 'debug+doctor': debugged(16.1) }).find((t) => t.target === target);
  assert.deepEqual(over, {
    target,
    goal: '≤ 10%',
    measured: '+16.1% (vs bare: debug+doctor +30.0%, train+doctor +12.0%)',
    standing: 'FAIL',
  });
  const within = withModes({ 'train+doctor': trained, 'debug+doctor': debugged(4) }).find((t) => t.target === target);
  assert.equal(within?.standing, 'PASS');
  // Train with the doctor that could not be measured, or a debug+doctor from before the field: not measured.
  const failed = withModes({ 'train+doctor': { reason: 'it stops' } }).find((t) => t.target === target);
  assert.deepEqual([failed?.standing, failed?.measured], ['n/a', 'not measured (train+doctor: it stops)']);
  const older = withModes({ 'train+doctor': trained }).find((t) => t.target === target);
  assert.deepEqual([older?.standing, older?.measured], ['n/a', 'not measured']);
  // The fixture's run measured no train+doctor: no row, and its other rows as they were.
  assert.ok(!targetsOf(fixture).some((t) => t.target === target));
  assert.ok(renderReport(fixture).includes('N1 debugger overhead vs bare'));
});

test('the page is self-contained: one SVG per network, the targets table, text escaped', () => {
  const html = renderReport(fixture);
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.ok(!/<script|<link|src=/.test(html), 'no script, stylesheet or image to fetch');
  assert.ok(html.includes('Test CPU &lt;fixture&gt; ×2 (avx2 fma)'));
  assert.ok(html.includes('N5: 1024-1024-1024-10 relu, softmax CE (2,107,392 weights, batch 128)'));
  assert.ok(html.includes('1.60k</text>') || html.includes('1.60k<'), 'nnet’s N5 value written beside its bar');
  assert.ok(html.includes('200 · nnet 8.00×'), 'ConvNetJS’s bar carries nnet’s ratio');
  assert.ok(html.includes('Targets (5 PASS, 5 FAIL, 3 n/a)'));
  assert.match(
    html,
    /<tr class="fail"><td>N1 nnet ÷ PyTorch \(1 thread\)<\/td><td>≥ 100×<\/td><td>50\.0×<\/td><td>FAIL<\/td><\/tr>/,
  );
});

test('the PyTorch probe’s cost reads as the other costs do: + when the probed run is slower', () => {
  const judged = (slowdownPct: number) =>
    targetsOf({ ...fixture, probeCost: { status: 'ok', slowdownPct } as BenchJson['probeCost'] }).find((t) =>
      t.target.startsWith('PyTorch probe cost'),
    );
  assert.deepEqual([judged(18.7)?.measured, judged(18.7)?.standing], ['+18.7%', 'FAIL']);
  assert.deepEqual([judged(-3)?.measured, judged(-3)?.standing], ['-3.0%', 'PASS']);
});

test('a pause latency the child could not measure shows why, not NaN', () => {
  const o = fixture.instrumentationOverhead!.N1;
  assert.ok(o.status === 'ok');
  const reason = 'error: line 27: the number of epochs 10894440 is larger than the limit of 10000000';
  const rows = targetsOf({
    ...fixture,
    instrumentationOverhead: { N1: { ...o, pauseLatencyMs: { median: NaN, max: NaN, reason } } },
  });
  const pause = rows.find((t) => t.target === 'N1 pause latency (max of 7)');
  assert.deepEqual([pause?.standing, pause?.measured], ['n/a', `not measured (${reason})`]);
});
