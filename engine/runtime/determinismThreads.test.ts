// Determinism whatever the number of threads: every example, and networks shaped like the benchmark's N3 and N5,
// train to the same parameters bit for bit on one thread and with the helper thread taking part of each dense
// product (denseThreads.ts) — for the examples and N3 with every product split (threshold 0), for N5 at the shipped
// threshold — and, with the SIMD kernels off, the JavaScript twins on one thread give those same bits again. Two
// threads keep the trainer's buffers inside the kernels' memory, which the kernels and SGD's update use in place
// (kernelMemory.ts, sgdSimd.ts); two threads with that memory off copy every operand as one thread does, and split
// the SGD update of params and grads in shared memory (N5's at the shipped threshold, N3's with every update split):
// the same bits.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { nodeReadFile } from '../data/files';
import { parseNnet } from '../language/parser';
import type { NetworkSpec } from '../language/spec';
import { denseInPlaceCount, useSimdKernels } from '../nn/denseSimd';
import {
  denseHelperChunks,
  denseHelpersRunning,
  denseSplitCount,
  PARALLEL_AWAKE_MIN_MACS,
  setHelperSpin,
  setHelperTakesFirst,
  setParallelSgdThreshold,
  setParallelThreshold,
  sgdSplitCount,
  startDenseHelper,
} from '../nn/denseThreads';
import { inKernelMemory, useKernelMemory } from '../nn/kernelMemory';
import { sgdInPlaceCount } from '../nn/sgdSimd';
import { Prng } from '../nn/prng';
import { Trainer } from './trainer';

const dir = path.join(__dirname, '..', '..', 'examples');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.nnet'))
  .sort();

interface Outcome {
  readonly params: Float32Array;
  readonly state: Float32Array[];
  readonly losses: number[];
  readonly splits: number;
  /** SGD updates split with the helper thread, and made in place in the kernels' memory. */
  readonly sgdSplits: number;
  readonly sgdInPlace: number;
  /** Chunks of the split products the helper thread computed. */
  readonly helped: number;
  /** Operands the kernels used where they lie (in the kernels' memory), and whether the params lay there. */
  readonly inPlace: number;
  readonly paramsInKernelMemory: boolean;
}

/**
 * Parameters, optimizer state and losses after `steps` steps (or the whole run if shorter): event by event, or with
 * `whole` by advanceStep (the generated step where the network has one: fastStep.ts).
 */
function train(
  spec: NetworkSpec,
  threads: number,
  steps: number,
  simd = true,
  whole = false,
  kernelMemory = true,
): Outcome {
  useSimdKernels(simd);
  useKernelMemory(kernelMemory);
  const t = new Trainer(spec, { threads });
  useKernelMemory(true);
  try {
    if (threads > 1) assert.ok(startDenseHelper(10000), 'the helper thread starts');
    const before = denseSplitCount(),
      sgdBefore = sgdSplitCount(),
      inPlaceBefore = denseInPlaceCount(),
      sgdInPlaceBefore = sgdInPlaceCount();
    const losses: number[] = [];
    while (t.step < steps) {
      if (whole) {
        if (!t.advanceStep()) break;
        losses.push(t.loss);
        continue;
      }
      const ev = t.advance();
      if (!ev) break;
      if (ev.phase === 'loss') losses.push(t.loss);
    }
    return {
      params: t.model.params.slice(),
      state: t.optimizer.saveState().buffers.map((b) => Float32Array.from(b)),
      losses,
      splits: denseSplitCount() - before,
      sgdSplits: sgdSplitCount() - sgdBefore,
      sgdInPlace: sgdInPlaceCount() - sgdInPlaceBefore,
      helped: denseHelperChunks(),
      inPlace: denseInPlaceCount() - inPlaceBefore,
      paramsInKernelMemory: inKernelMemory(t.model.params),
    };
  } finally {
    t.dispose();
    useSimdKernels(true);
  }
}

const differing = (a: Float32Array, b: Float32Array) => a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);

function assertSame(a: Outcome, b: Outcome, what: string): void {
  const d = differing(a.params, b.params);
  assert.equal(d, 0, `${what}: parameters differ in ${d} of ${a.params.length} entries`);
  a.state.forEach((s, i) => assert.equal(differing(s, b.state[i]), 0, `${what}: optimizer buffer ${i} differs`));
  assert.deepEqual(a.losses, b.losses, `${what}: losses`);
}

async function helperGone(): Promise<void> {
  for (let i = 0; i < 200 && denseHelpersRunning() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(denseHelpersRunning(), 0, 'the helper thread has exited after dispose');
}

test('every example: 20 steps on one thread and with every product split over two end bit-identical', async () => {
  setParallelThreshold(0);
  let splits = 0;
  try {
    for (const file of files) {
      const r = parseNnet(fs.readFileSync(path.join(dir, file), 'utf8'), {
        readFile: nodeReadFile(path.join(dir, file)),
      });
      assert.ok(r.spec, `${file} checks clean`);
      const two = train(r.spec, 2, 20);
      splits += two.splits;
      assertSame(train(r.spec, 1, 20), two, file);
    }
  } finally {
    setParallelThreshold(undefined);
  }
  assert.ok(splits > 0, 'some examples have products large enough to split');
  await helperGone();
});

/** A network of the benchmark's kind: random inputs in [−1, 1], one-hot targets, SGD then Adam-free softmax CE. */
function mlp(input: number, hidden: number[], classes: number, batch: number, optimizer: string): NetworkSpec {
  const rng = new Prng(7);
  const rows: string[] = [];
  for (let r = 0; r < 2 * batch; r++) {
    const xs = Array.from({ length: input }, () => (Math.round(rng.next() * 2000) - 1000) / 1000);
    rows.push(`  ${xs.join(' ')} -> ${Math.floor(rng.next() * classes)}`);
  }
  const source = [
    'network bench_shaped',
    `  input ${input}`,
    ...hidden.map((u, i) => `  dense h${i + 1} ${u} relu init=he`),
    `  dense out ${classes} softmax`,
    'loss cross_entropy',
    '',
    'data',
    ...rows,
    '',
    'train',
    '  epochs 5',
    `  batch ${batch}`,
    `  optimizer ${optimizer}`,
    '  seed 1',
    '',
  ].join('\n');
  const r = parseNnet(source);
  assert.ok(r.spec, r.diagnostics.map((d) => d.message).join('; '));
  return r.spec;
}

const SHAPED = [
  {
    name: 'N3-shaped 784-128-64-10, batch 64',
    spec: () => mlp(784, [128, 64], 10, 64, 'sgd lr=0.01'),
    steps: 6,
    all: true,
  },
  { name: 'N3-shaped, batch 61, Adam', spec: () => mlp(784, [128, 64], 10, 61, 'adam lr=0.001'), steps: 4, all: true },
  {
    name: 'N5-shaped 1024-1024-1024-10, batch 128',
    spec: () => mlp(1024, [1024, 1024], 10, 128, 'sgd lr=0.01'),
    steps: 2,
  },
];

for (const { name, spec, steps, all } of SHAPED) {
  test(`${name}: one thread, two threads and the JavaScript twins end bit-identical`, async () => {
    const s = spec();
    const one = train(s, 1, steps);
    // N3's products and update are below the shipped thresholds: split them all (the split is what is tested, not
    // its speed).
    if (all) {
      setParallelThreshold(0);
      setParallelSgdThreshold(0);
    }
    let two: Outcome, wholeTwo: Outcome, copying: Outcome;
    // However busy the machine, the helper takes part in every split product and update of these three runs (a
    // helper woken late could find none left), so that the assertions below that it computed some hold.
    setHelperTakesFirst(true);
    try {
      two = train(s, 2, steps);
      // The generated step: its backward passes start from zeros in the kernels' memory, and a helper computes dW
      // while this thread places dx's operands (denseSimd.ts backwardSimd).
      wholeTwo = train(s, 2, steps, true, true);
      copying = train(s, 2, steps, true, true, false);
    } finally {
      setHelperTakesFirst(false);
      setParallelThreshold(undefined);
      setParallelSgdThreshold(undefined);
    }
    // At the shipped thresholds.
    const shipped = train(s, 2, steps, true, true);
    const js = train(s, 2, steps, false);
    const wholeOne = train(s, 1, steps, true, true);
    assert.ok(two.splits > 0, 'the large products were split');
    assert.ok(two.helped > 0, 'the helper thread computed some of their chunks');
    assert.ok(wholeTwo.splits > 0 && wholeTwo.helped > 0, 'the generated step split its products too');
    const sgd = s.train.optimizer.kind === 'sgd';
    // In the kernels' memory, SGD's updates in place, and every one on both threads (sgdSimd's kernel on each): all
    // these are above PARALLEL_MIN_SGD_IN_PLACE.
    for (const o of [two, wholeTwo, shipped])
      assert.ok(
        o.sgdInPlace > 0 === sgd && o.sgdSplits === (sgd ? o.sgdInPlace : 0),
        'in the kernels’ memory, SGD’s updates in place, split',
      );
    assert.ok(copying.sgdInPlace === 0 && copying.sgdSplits > 0 === sgd, 'outside it, SGD’s updates split');
    assert.equal(js.splits + js.sgdSplits, 0, 'the JavaScript twins run on one thread');
    assert.ok(two.paramsInKernelMemory && two.inPlace > 0 && wholeTwo.inPlace > 0, 'two threads: operands in place');
    assert.ok(copying.splits > 0 && copying.helped > 0, 'two threads copying: products split');
    assert.ok(!copying.paramsInKernelMemory && copying.inPlace === 0, 'two threads copying: nothing in place');
    assert.ok(!one.paramsInKernelMemory && one.inPlace === 0, 'one thread: nothing in place');
    assertSame(one, two, 'two threads');
    assertSame(one, js, 'JavaScript twins');
    assertSame(one, wholeOne, 'generated step, one thread');
    assertSame(one, wholeTwo, 'generated step, two threads');
    assertSame(one, copying, 'generated step, two threads, operands copied');
    assertSame(one, shipped, 'generated step, two threads, shipped thresholds');
    await helperGone();
  });
}

test('N3-shaped: mid-sized products split while the helper is awake end bit-identical with one thread', async () => {
  const s = SHAPED[0].spec(),
    steps = SHAPED[0].steps;
  const one = train(s, 1, steps, true, true);
  // A helper that never sleeps between jobs is awake at every product: all of 2^18 multiply-adds or more split, as
  // many as with that threshold.
  setHelperSpin(2 ** 31 - 1);
  let awake: Outcome;
  try {
    awake = train(s, 2, steps, true, true);
  } finally {
    setHelperSpin(undefined);
  }
  setParallelThreshold(PARALLEL_AWAKE_MIN_MACS);
  let all: Outcome;
  try {
    all = train(s, 2, steps, true, true);
  } finally {
    setParallelThreshold(undefined);
  }
  const shipped = train(s, 2, steps, true, true);
  assert.equal(awake.splits, all.splits, 'awake: every product of 2^18 multiply-adds or more split');
  assert.ok(awake.splits >= shipped.splits, 'more than at the shipped threshold alone');
  assertSame(one, awake, 'generated step, two threads, helper awake');
  await helperGone();
});

test('a run trained to its end lets the helper thread go without dispose', async () => {
  const t = new Trainer(SHAPED[0].spec(), { threads: 2 });
  assert.ok(startDenseHelper(10000));
  assert.equal(denseHelpersRunning(), 1);
  while (t.advance());
  assert.ok(t.finished);
  await helperGone();
});
