// Unit tests of bench/instructions.ts's parsing and arithmetic, and of the step loops it counts (bench/stepLoop.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collected, collectedEvents, optimizingCompilerIr, perStep } from './instructions';
import { INSTRUCTION_SIDES, stepLoop } from './stepLoop';

test('collected reads the total callgrind reports, and NaN where it reported none', () => {
  const stderr =
    '==123== Events    : Ir\n==123== Collected : 3439674687\n==123==\n==123== I   refs:      3,439,674,687\n';
  assert.equal(collected(stderr), 3439674687);
  assert.ok(Number.isNaN(collected('valgrind: command not found')));
});

test('collectedEvents reads every event of a run with the cache and branch simulations', () => {
  const stderr =
    '==9== Events    : Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim\n' +
    '==9== Collected : 513028637 123269575 66619419 1274620 1562531 314716 31386 45329 94570 74650030 3081806 5197401 869555\n';
  const e = collectedEvents(stderr);
  assert.equal(e.Ir, 513028637);
  assert.equal(e.I1mr, 1274620);
  assert.equal(e.Bcm + e.Bim, 3081806 + 869555);
  assert.equal(collected(stderr), 513028637);
});

test('perStep is the difference over the steps between the two runs', () => {
  assert.equal(perStep(100, 1_000_000, 400, 1_900_000), 3000);
  assert.ok(Number.isNaN(perStep(400, 1, 400, 2)));
});

test('each side trains the steps asked, the run loop on a clock that counts its reads, given back after', async () => {
  // 100 steps cross N1's epochs (4 steps) and a sampling period of the doctor (40): quiet runs and measured bursts.
  const real = performance.now;
  for (const side of INSTRUCTION_SIDES) assert.deepEqual(await stepLoop('N1', side, 100), { steps: 100 }, side);
  assert.equal(performance.now, real);
  assert.deepEqual(await stepLoop('N2', 'train+doctor', 8), { steps: 8 });
});

test("optimizingCompilerIr reads GetOrCompileOptimized's inclusive count, and 0 where nothing was compiled", () => {
  const annotated = [
    '--------------------------------------------------------------------------------',
    '            Ir',
    '--------------------------------------------------------------------------------',
    '9,370,822,129 (100.0%)  PROGRAM TOTALS',
    '   800,075,218 ( 8.54%)  ???:v8::internal::(anonymous namespace)::GetOrCompileOptimized(v8::internal::Isolate*, v8::internal::Handle<v8::internal::JSFunction>, v8::internal::ConcurrencyMode) [/usr/bin/node]',
    '   769,336,079 ( 8.21%)  ???:v8::internal::Compiler::CompileOptimized(v8::internal::Isolate*) [/usr/bin/node]',
  ].join('\n');
  assert.equal(optimizingCompilerIr(annotated), 800_075_218);
  assert.equal(optimizingCompilerIr('9,370,822,129 (100.0%)  PROGRAM TOTALS\n'), 0);
});
