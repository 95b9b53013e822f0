// The gradient statistics by every path give the same bits: the generated whole step with gradStatsSimd.ts's kernel
// (gradients in the kernels' memory, two threads), with laneSums.ts's twin (one thread, or the kernel switched off),
// and the events one at a time; per step the layers' mean, max and norm of |∂W|, the global norm before and after a
// norm clip that fires, and the weights it leads to.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNnet } from '../language/parser';
import type { NetworkSpec } from '../language/spec';
import { useGradStatsKernel } from '../nn/gradStatsSimd';
import { inKernelMemory } from '../nn/kernelMemory';
import { Trainer } from './trainer';

const STEPS = 12;

/** Layers in the float32 lanes (and the kernel) and a small one unrolled in the generated step, with a norm clip. */
function spec(): NetworkSpec {
  const rows = Array.from({ length: 64 }, (_, r) => {
    const x = Array.from({ length: 40 }, (_, j) => (Math.sin(r * 7 + j * 3) * 2).toFixed(3));
    return `  ${x.join(' ')} -> ${Array.from({ length: 3 }, (_, k) => (k === r % 3 ? 1 : 0)).join(' ')}`;
  });
  const text = ['network paths', '  input 40', '  dense h1 67 relu', '  dense h2 29 tanh', '  dense out 3 softmax'];
  text.push('loss cross_entropy', '', 'data', ...rows, '', 'train', '  epochs 8', '  batch 32');
  text.push('  optimizer sgd lr=0.5', '  clip norm 0.05', '  seed 4');
  const r = parseNnet(text.join('\n') + '\n');
  assert.deepEqual(r.diagnostics, []);
  return r.spec!;
}

function run(threads: number, whole: boolean, kernel: boolean) {
  useGradStatsKernel(kernel);
  const t = new Trainer(spec(), { threads });
  try {
    const seen: number[] = [];
    let clipped = 0;
    for (let s = 0; s < STEPS; s++) {
      if (whole) assert.ok(t.advanceStep());
      else for (const at = t.step; t.step === at;) assert.ok(t.advance());
      seen.push(...t.meanAbsGrad, ...t.maxAbsGrad, ...t.gradNorm, t.clip.normBefore, t.clip.normAfter);
      if (t.clip.coefficient < 1) clipped++;
    }
    return { seen, clipped, params: Array.from(t.model.params), shared: inKernelMemory(t.model.grads) };
  } finally {
    t.dispose();
    useGradStatsKernel(true);
  }
}

test('kernel, twin and events give the same statistics, norms and weights, bit for bit', () => {
  const kernel = run(2, true, true);
  assert.ok(kernel.shared, "with two threads the gradients lie in the kernels' memory (the kernel's path)");
  assert.ok(kernel.clipped > 0, 'the clip fires');
  for (const [what, other] of [
    ['one thread (twin)', run(1, true, true)],
    ['two threads, kernel off (twin)', run(2, true, false)],
    ['events, two threads', run(2, false, true)],
    ['events, one thread', run(1, false, true)],
  ] as const) {
    const bad = kernel.seen.findIndex((v, i) => !Object.is(v, other.seen[i]));
    assert.equal(bad, -1, `${what}: statistic ${bad} differs`);
    assert.deepEqual(other.params, kernel.params, `${what}: weights`);
  }
});
