// `npm run bench -- --kernels`: the dense kernels of engine/nn/dense.ts against the naive loops they replaced, on
// the layer shapes of N1–N5 — agreement first (odd shapes, Float32 and Float64, += accumulation), then GFLOP/s.

import { denseBackward, denseForward } from '../engine/nn/dense';
import { simdKernelsAvailable, useSimdKernels } from '../engine/nn/denseSimd';
import type { FloatArray } from '../engine/nn/tensor';
import { NET_IDS, NETWORKS, prng } from './networks';

/** The original kernels (one dot product or axpy at a time): the "before". */
export function naiveForward(
  z: FloatArray,
  x: FloatArray,
  params: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let n = 0; n < B; n++) {
    const xr = n * C,
      zr = n * OC;
    for (let o = 0; o < OC; o++) {
      const wr = wOff + o * C;
      let s = params[bOff + o];
      for (let i = 0; i < C; i++) s += x[xr + i] * params[wr + i];
      z[zr + o] = s;
    }
  }
}

export function naiveBackward(
  dx: FloatArray | null,
  grads: FloatArray,
  dz: FloatArray,
  x: FloatArray,
  params: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let n = 0; n < B; n++) {
    const xr = n * C,
      zr = n * OC;
    for (let o = 0; o < OC; o++) {
      const d = dz[zr + o];
      if (d === 0) continue;
      const wr = wOff + o * C;
      grads[bOff + o] += d;
      for (let i = 0; i < C; i++) grads[wr + i] += d * x[xr + i];
      if (dx) for (let i = 0; i < C; i++) dx[xr + i] += d * params[wr + i];
    }
  }
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Largest |a − b| / max(floor, |a| + |b|): float32 sums of up to 33 terms of size ~1 round differently. */
function maxRelDiff(a: FloatArray, b: FloatArray): number {
  const floor = a instanceof Float32Array ? 1 : 1e-3;
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(floor, Math.abs(a[i]) + Math.abs(b[i])));
  return worst;
}

/**
 * Compares engine and naive kernels on many shapes, small (JavaScript kernels, every remainder case) and large
 * (WebAssembly SIMD kernels with padding: odd B and OC, C a multiple of 4); returns the worst relative difference.
 */
export function checkKernels(): { f32: number; f64: number; cases: number } {
  const rnd = prng(99);
  const worst = { f32: 0, f64: 0, cases: 0 };
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 33];
  const shapes: [number, number, number][] = [];
  for (const B of sizes)
    for (const C of sizes)
      for (const OC of sizes) {
        if ((B * 7 + C * 3 + OC) % 3 === 0 || B <= 4 || C <= 4 || OC <= 4) shapes.push([B, C, OC]);
      }
  shapes.push(
    [37, 64, 29],
    [64, 784, 10],
    [5, 1024, 33],
    [128, 100, 7],
    [33, 128, 64],
    [4, 4096, 4],
    [64, 36, 130],
    [17, 132, 100],
    [37, 63, 29],
    [32, 2, 300],
    [64, 785, 10],
    [3, 1023, 5],
    [9, 130, 66],
    [1, 257, 1],
  );
  for (const T of [Float32Array, Float64Array] as Ctor[]) {
    for (const [B, C, OC] of shapes) {
      const wOff = 3,
        bOff = wOff + OC * C + 2,
        P = bOff + OC + 1;
      const fill = (n: number, zeros = 0): FloatArray => {
        const a = new T(n);
        for (let i = 0; i < n; i++) a[i] = rnd() < zeros ? 0 : rnd() * 2 - 1;
        return a;
      };
      const x = fill(B * C),
        params = fill(P),
        dz = fill(B * OC, 0.3);
      const z1 = fill(B * OC),
        z2 = new T(z1);
      naiveForward(z1, x, params, wOff, bOff, B, C, OC);
      denseForward(z2, x, params, wOff, bOff, B, C, OC);
      const g1 = fill(P),
        g2 = new T(g1),
        dx1 = fill(B * C),
        dx2 = new T(dx1);
      naiveBackward(dx1, g1, dz, x, params, wOff, bOff, B, C, OC);
      denseBackward(dx2, g2, dz, x, params, wOff, bOff, B, C, OC);
      const h1 = new T(g1),
        h2 = new T(g1);
      naiveBackward(null, h1, dz, x, params, wOff, bOff, B, C, OC);
      denseBackward(null, h2, dz, x, params, wOff, bOff, B, C, OC);
      const d = Math.max(maxRelDiff(z1, z2), maxRelDiff(g1, g2), maxRelDiff(dx1, dx2), maxRelDiff(h1, h2));
      if (T === Float32Array) worst.f32 = Math.max(worst.f32, d);
      else worst.f64 = Math.max(worst.f64, d);
      worst.cases++;
    }
  }
  return worst;
}

/**
 * The buffers of one dense layer's three products at batch B: inputs x [B, C], W and b in `params` [OC·C + OC] and
 * δ [B, OC] filled by `random`; outputs z [B, OC], dx [B, C] and the gradients g [OC·C + OC] zeroed.
 */
export function productBuffers(B: number, C: number, OC: number, random: () => number) {
  const fill = (n: number) => Float32Array.from({ length: n }, random);
  return {
    x: fill(B * C),
    params: fill(OC * C + OC),
    dz: fill(B * OC),
    z: new Float32Array(B * OC),
    dx: new Float32Array(B * C),
    g: new Float32Array(OC * C + OC),
  };
}

/** GFLOP/s of each function, measured in 5 interleaved rounds of ~`seconds`/5 each per function; medians. */
function rates(fs: (() => void)[], flop: number, seconds: number): number[] {
  const n = fs.map((f) => {
    let k = 1;
    for (let t0 = performance.now(); performance.now() - t0 < 30; k *= 2) for (let i = 0; i < k; i++) f();
    return k;
  });
  const samples: number[][] = fs.map(() => []);
  for (let round = 0; round < 5; round++) {
    fs.forEach((f, j) => {
      const t0 = performance.now();
      let calls = 0;
      while (performance.now() - t0 < (seconds * 1000) / 5) {
        for (let i = 0; i < n[j]; i++) f();
        calls += n[j];
      }
      samples[j].push((flop * calls) / ((performance.now() - t0) / 1000) / 1e9);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[2]);
}

export function runKernelBench(seconds: number): void {
  const rnd = prng(5);
  const shapes = new Map<string, { B: number; C: number; OC: number; nets: string[] }>();
  for (const id of NET_IDS) {
    const net = NETWORKS[id];
    let C = net.input;
    for (const l of net.layers) {
      const key = `${net.batch}×${C}→${l.units}`;
      if (!shapes.has(key)) shapes.set(key, { B: net.batch, C, OC: l.units, nets: [] });
      if (!shapes.get(key)!.nets.includes(id)) shapes.get(key)!.nets.push(id);
      C = l.units;
    }
  }
  const per = Math.max(0.05, seconds / 6);
  const simd = simdKernelsAvailable();
  console.log(
    `GFLOP/s (2·B·C·OC per product), Float32, interleaved, median of 5: naive loops → engine without SIMD (4×4-blocked JavaScript below B·C·OC = 256, the float32 JavaScript twins of the SIMD kernels from there on: same bits as SIMD)${simd ? ' → engine (WebAssembly SIMD for float32 layers of B·C·OC ≥ 256)' : ' (WebAssembly SIMD unavailable)'}\n`,
  );
  console.log('| shape B×C→OC | nets | forward | backward, dW + db + dx | backward, dW + db (first layer) |');
  console.log('|---|---|---:|---:|---:|');
  for (const [key, { B, C, OC, nets }] of shapes) {
    const { x, params, dz, z, dx, g } = productBuffers(B, C, OC, () => rnd() * 2 - 1);
    const flop = 2 * B * C * OC;
    const variants = (f: (simdOn: boolean | null) => void) => [
      () => f(null),
      () => {
        useSimdKernels(false);
        f(true);
      },
      () => {
        useSimdKernels(true);
        f(true);
      },
    ];
    const fwd = variants((on) => (on === null ? naiveForward : denseForward)(z, x, params, 0, OC * C, B, C, OC));
    const bwd = variants((on) =>
      (on === null ? naiveBackward : denseBackward)(dx, g, dz, x, params, 0, OC * C, B, C, OC),
    );
    const bwd1 = variants((on) =>
      (on === null ? naiveBackward : denseBackward)(null, g, dz, x, params, 0, OC * C, B, C, OC),
    );
    const cells = [rates(fwd, flop, per), rates(bwd, 2 * flop, per), rates(bwd1, flop, per)];
    useSimdKernels(true);
    g.fill(0);
    console.log(
      `| ${key} | ${nets.join(' ')} | ${cells.map((r) => r.map((v) => v.toFixed(2)).join(' → ') + ` (${(r[r.length - 1] / r[0]).toFixed(1)}×)`).join(' | ')} |`,
    );
  }
  // After the timing, so that the kernels were only ever called with Float32Array while being timed.
  const c = checkKernels();
  console.log(
    `\nagreement with the naive kernels over ${c.cases} shapes: max rel. difference float32 ${c.f32.toExponential(1)}, float64 ${c.f64.toExponential(1)}`,
  );
  if (c.f32 > 1e-5 || c.f64 > 1e-10) {
    console.error('KERNELS DISAGREE');
    process.exitCode = 1;
  }
}
