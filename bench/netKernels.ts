// Our own kernels' matrix-product throughput on the shapes of one network, against its training step, in one
// process: every dense layer's forward z = x·Wᵀ, dW = δᵀ·x (+ db) and dx = δ·W timed alone with engine/nn/dense.ts
// at the network's batch size, interleaved with the bare Trainer's steps, all on CPU time. "Nothing lost between
// products" is the step's GFLOP/s as a fraction of the products' GFLOP/s. Where the trainer keeps its buffers in the
// kernels' shared memory (two threads: kernelMemory.ts), so do the products timed alone: their operands are used in
// place, nothing copied, as the step's are.

import { denseBackward, denseForward } from '../engine/nn/dense';
import { defaultDenseThreads } from '../engine/nn/denseThreads';
import { allocateKernelFloats } from '../engine/nn/kernelMemory';
import { productBuffers } from './kernels';
import { makeData, prng, type NetDef } from './networks';
import { nnetRunner } from './nnet';

/** One dense layer's products timed alone: GFLOP/s on CPU time, 2·B·C·OC flops per product. */
export interface LayerKernels {
  /** B×C→OC. */
  readonly shape: string;
  readonly forward: number;
  /** ∂L/∂W and ∂L/∂b (denseBackward without dx). */
  readonly weightGradient: number;
  /** ∂L/∂x: the time of denseBackward with dx less the time without it; null for the first layer (not computed). */
  readonly inputGradient: number | null;
}

/** The kernels-only and the training step's throughput on one network (see the file header). */
export interface NetKernels {
  readonly layers: readonly LayerKernels[];
  /** Flops of the products one training step runs: 6·B·W, less the first layer's dx, which the engine skips. */
  readonly flopsPerStep: number;
  /** Sum of the products' flops ÷ sum of their CPU times, per step (medians over rounds). */
  readonly kernelsGflops: number;
  /** The bare Trainer's step on the same count of flops, CPU time (median over rounds). */
  readonly stepGflops: number;
  /** Its wall-clock twin (a step that uses a second thread is faster on the wall than on CPU time). */
  readonly stepWallGflops: number;
  /** stepGflops ÷ kernelsGflops (goal ≥ 0.8). */
  readonly stepOfKernels: number;
  readonly rounds: number;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Runs `f` in batches of `n` calls until `seconds` of CPU time have passed; CPU and wall seconds per call. */
function timeCalls(f: () => void, n: number, seconds: number): { cpu: number; wall: number } {
  const c0 = cpuSeconds(),
    w0 = performance.now();
  let calls = 0;
  do {
    for (let i = 0; i < n; i++) f();
    calls += n;
  } while (cpuSeconds() - c0 < seconds);
  return { cpu: (cpuSeconds() - c0) / calls, wall: (performance.now() - w0) / 1000 / calls };
}

/** Calls per batch so that one batch takes ~10 ms (reading the clock then costs nothing measurable). */
function batchSize(f: () => void): number {
  let k = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) f();
    if (performance.now() - t0 > 10 || k >= 1 << 20) return k;
    k *= 2;
  }
}

/** The buffers in the kernels' memory where a trainer's would be (see the file header), else as they are. */
function placed<T extends Record<string, Float32Array>>(buffers: T): T {
  if (defaultDenseThreads() < 2) return buffers;
  const out: Record<string, Float32Array> = {};
  for (const [k, a] of Object.entries(buffers)) {
    const m = allocateKernelFloats(a.length);
    m?.set(a);
    out[k] = m ?? a;
  }
  return out as T;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

/**
 * Times `net`'s products and its training step in `rounds` interleaved rounds of ~`seconds`/`rounds` CPU seconds
 * per side; random float32 data (the products do not look at the values).
 */
export function measureNetKernels(net: NetDef, seconds: number, rounds = 5): NetKernels {
  const rnd = prng(7),
    B = net.batch;
  const products: { fn: () => void; flops: number; layer: number; kind: 'f' | 'w' | 'wx' }[] = [];
  net.layers.forEach((l, i) => {
    const C = i === 0 ? net.input : net.layers[i - 1].units,
      OC = l.units;
    const { x, params, dz, z, dx, g } = placed(productBuffers(B, C, OC, () => rnd() * 2 - 1));
    const flop = 2 * B * C * OC;
    products.push({ fn: () => denseForward(z, x, params, 0, OC * C, B, C, OC), flops: flop, layer: i, kind: 'f' });
    products.push({
      fn: () => denseBackward(null, g, dz, x, params, 0, OC * C, B, C, OC),
      flops: flop,
      layer: i,
      kind: 'w',
    });
    if (i > 0)
      products.push({
        fn: () => denseBackward(dx, g, dz, x, params, 0, OC * C, B, C, OC),
        flops: 2 * flop,
        layer: i,
        kind: 'wx',
      });
  });
  const runner = nnetRunner(net, makeData(net));
  const step = () => runner.run(1);
  const all = [...products.map((p) => p.fn), step];
  const sizes = all.map(batchSize); // also the warm-up
  const per = Math.max(0.02, seconds / rounds / 2);
  const kernelTimes: number[][] = products.map(() => []);
  const stepCpu: number[] = [],
    stepWall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so that a change of machine load hits both alike.
    const doStep = () => {
      const t = timeCalls(step, sizes[sizes.length - 1], per);
      stepCpu.push(t.cpu);
      stepWall.push(t.wall);
    };
    if (r % 2) doStep();
    const perProduct = per / products.length;
    products.forEach((p, j) => kernelTimes[j].push(timeCalls(p.fn, sizes[j], perProduct).cpu));
    if (!(r % 2)) doStep();
  }
  const t = kernelTimes.map(median);
  const layers: LayerKernels[] = net.layers.map((_, i) => {
    const at = (kind: 'f' | 'w' | 'wx') => products.findIndex((p) => p.layer === i && p.kind === kind);
    const f = at('f'),
      w = at('w'),
      wx = at('wx');
    const dxTime = wx >= 0 ? t[wx] - t[w] : null;
    return {
      shape: `${B}×${i === 0 ? net.input : net.layers[i - 1].units}→${net.layers[i].units}`,
      forward: products[f].flops / t[f] / 1e9,
      weightGradient: products[w].flops / t[w] / 1e9,
      inputGradient: dxTime !== null && dxTime > 0 ? products[w].flops / dxTime / 1e9 : null,
    };
  });
  // One step: forward and dW of every layer, dx of all but the first (the 'wx' time holds dW and dx together).
  let kernelSeconds = 0,
    flopsPerStep = 0;
  products.forEach((p, j) => {
    const firstLayerOrForward = p.kind === 'f' || (p.kind === 'w' && p.layer === 0) || p.kind === 'wx';
    if (!firstLayerOrForward) return;
    kernelSeconds += t[j];
    flopsPerStep += p.flops;
  });
  const kernelsGflops = flopsPerStep / kernelSeconds / 1e9;
  const stepGflops = flopsPerStep / median(stepCpu) / 1e9;
  return {
    layers,
    flopsPerStep,
    kernelsGflops,
    stepGflops,
    stepWallGflops: flopsPerStep / median(stepWall) / 1e9,
    stepOfKernels: stepGflops / kernelsGflops,
    rounds,
  };
}
