// A state saved without its applied step (OptimizerState.stepOmitted, what History's checkpoints of long steps
// save) restores that step bit for bit from the parameters before and after it, for every optimizer kind and every
// SGD path (the loop, the SIMD kernel over copies, the in-place kernel in the kernels' shared memory).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSimdKernels } from './denseSimd';
import { allocateKernelFloats } from './kernelMemory';
import { createOptimizer, OPTIMIZER_DEFAULTS, type OptimizerConfig } from './optimizers';
import { sgdInPlaceCount } from './sgdSimd';

/** Values over many binades and both signs, so that θ_t − θ_{t−1} is often not exact in float32. */
function values(n: number, seed: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const u = s / 2 ** 32;
    a[i] = (u - 0.5) * scale * 2 ** Math.floor(u * 24 - 12);
  }
  return a;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/**
 * Three steps; the state after the second saved whole and without its step; after a fourth step, the one without
 * is restored with the parameters before and after the second step. `inKernels`: params, grads and the optimizer's
 * buffer in the kernels' shared memory (the in-place SGD kernel).
 */
function check(config: OptimizerConfig, n: number, inKernels = false): void {
  const alloc = (a: Float32Array) => {
    const k = inKernels ? allocateKernelFloats(a.length) : null;
    if (inKernels) assert.ok(k, 'the kernels have a shared memory here');
    return k ? (k.set(a), k) : a;
  };
  const params = alloc(values(n, 7, 4)),
    grads = alloc(new Float32Array(n));
  const opt = createOptimizer(config, n, inKernels);
  let before = params.slice();
  for (let s = 1; s <= 4; s++) {
    if (s === 2) before = params.slice();
    grads.set(values(n, 100 + s, 50));
    opt.step(params, grads, 0.37);
    if (s !== 2) continue;
    const after = params.slice(),
      whole = opt.saveState(),
      without = opt.saveState(undefined, true);
    assert.equal(without.stepOmitted, true);
    assert.equal(without.buffers[0].length, 0, 'nothing copied for the step');
    opt.step(params, values(n, 999, 50), 0.37); // a fourth step moves everything on
    assert.throws(() => opt.restoreState(without), /without its applied step/);
    opt.restoreState(without, { params: after, previous: before });
    const rebuilt = opt.inspect(0, n);
    opt.restoreState(whole);
    const saved = opt.inspect(0, n);
    assert.equal(rebuilt.t, saved.t);
    assert.deepEqual(bits(rebuilt.step), bits(saved.step), `${config.kind}: the applied step, bit for bit`);
    assert.ok(saved.step.some((d) => d !== 0) && rebuilt.t === 2, 'a step that moved the parameters');
    // The other buffers come back as saved too.
    assert.deepEqual(
      opt.saveState().buffers.slice(1).map(bits),
      whole.buffers.slice(1).map(bits),
      `${config.kind}: the other buffers`,
    );
  }
}

test('a state saved without its applied step rebuilds it bit for bit, for every optimizer kind', () => {
  const configs: OptimizerConfig[] = [
    OPTIMIZER_DEFAULTS.sgd,
    { ...OPTIMIZER_DEFAULTS.sgd, weightDecay: 0.01 },
    OPTIMIZER_DEFAULTS.momentum,
    { ...OPTIMIZER_DEFAULTS.momentum, nesterov: true, weightDecay: 0.001 },
    OPTIMIZER_DEFAULTS.rmsprop,
    OPTIMIZER_DEFAULTS.adam,
    OPTIMIZER_DEFAULTS.adamw,
  ];
  for (const c of configs) check(c, 1001);
});

test("SGD's SIMD kernels' applied step is rebuilt bit for bit too (over copies and in the shared memory)", () => {
  useSimdKernels(true);
  check({ ...OPTIMIZER_DEFAULTS.sgd, weightDecay: 0.01 }, 4097); // the kernel over copies (odd length)
  const inPlace = sgdInPlaceCount();
  check({ ...OPTIMIZER_DEFAULTS.sgd, weightDecay: 0.01 }, 4097, true); // in place, in the kernels' memory
  assert.ok(sgdInPlaceCount() > inPlace, 'the in-place kernel ran');
});

test('restored again with nothing written since, the rebuilt step is kept; after a step or another restore, rebuilt', () => {
  for (const config of [OPTIMIZER_DEFAULTS.sgd, OPTIMIZER_DEFAULTS.adam]) {
    const n = 257,
      params = values(n, 3, 4),
      opt = createOptimizer(config, n);
    const before = params.slice();
    opt.step(params, values(n, 11, 50), 0.37);
    const after = params.slice(),
      whole = opt.saveState(),
      without = opt.saveState(undefined, true);
    const want = bits(opt.inspect(0, n).step);
    // Parameters that would rebuild another step: what a second restore leaves shows whether it rebuilt.
    const other = { params: after, previous: values(n, 5, 4) };
    const stepNow = () => bits(opt.inspect(0, n).step);
    const fresh = createOptimizer(config, n);
    fresh.restoreState(without, other);
    const rebuiltOther = bits(fresh.inspect(0, n).step);
    opt.restoreState(without, { params: after, previous: before });
    assert.deepEqual(stepNow(), want, `${config.kind}: rebuilt`);
    opt.restoreState(without, other);
    assert.deepEqual(stepNow(), want, `${config.kind}: nothing written since: kept, not rebuilt`);
    assert.notDeepEqual(rebuiltOther, want);
    opt.step(params, values(n, 12, 50), 0.37); // a step writes it: the next restore rebuilds
    opt.restoreState(without, other);
    assert.deepEqual(stepNow(), rebuiltOther, `${config.kind}: rebuilt after a step`);
    opt.restoreState(whole); // another state's step (the same values as `want`) is put back: the next restore rebuilds
    opt.restoreState(without, other);
    assert.deepEqual(stepNow(), rebuiltOther, `${config.kind}: rebuilt after another restore`);
  }
});
