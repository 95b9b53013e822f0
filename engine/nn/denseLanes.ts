// JavaScript twins of the WebAssembly SIMD dense kernels (denseSimdModule.ts): the same float32 operations in the
// same order, so a run gives the same numbers bit for bit whether or not the runtime offers WebAssembly SIMD (or lets
// its memory grow). Every product and every sum is rounded to float32 as the f32x4 instructions round it: a product of
// two float32 values is exact in float64 and a sum of two is rounded once more without harm (53 ≥ 2·24 + 2), so
// Math.fround after each operation gives the IEEE float32 result.
//
// The orders being copied (see forwardBody, weightGradientBody, inputGradientBody in denseSimdModule.ts):
// - z[n, o]: four lanes, lane k summing x[n, i]·W[o, i] over i ≡ k (mod 4) in order from +0, then
//   b + (((l0 + l1) + l2) + l3);
// - dW[o, i] += t per block of 4 samples, t = ((δ0·x0 + δ1·x1) + δ2·x2) + δ3·x3, blocks in sample order;
// - dx[n, i] += t per block of 4 outputs, t = ((δ0·W0 + δ1·W1) + δ2·W2) + δ3·W3, blocks in output order.
// The SIMD kernels pad every size to a multiple of 4 with +0; a padded term adds +0, which changes only a −0 sum
// (to +0): `t + 0` below does the same. A lane starts at +0 and can never be −0, so its padding needs nothing.

const f = Math.fround;

/** z = x·Wᵀ + b in float32 lanes, exactly as the SIMD forward kernel computes it. */
export function forwardLanes(
  z: Float32Array,
  x: Float32Array,
  p: Float32Array,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  const C4 = C & ~3,
    rest = C - C4;
  for (let n = 0; n < B; n++) {
    const xr = n * C,
      zr = n * OC;
    let o = 0;
    // Two outputs at a time: each x value loaded feeds both.
    for (; o + 2 <= OC; o += 2) {
      const w0 = wOff + o * C,
        w1 = w0 + C;
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0,
        b3 = 0;
      for (let i = 0; i < C4; i += 4) {
        const x0 = x[xr + i],
          x1 = x[xr + i + 1],
          x2 = x[xr + i + 2],
          x3 = x[xr + i + 3];
        a0 = f(a0 + f(x0 * p[w0 + i]));
        a1 = f(a1 + f(x1 * p[w0 + i + 1]));
        a2 = f(a2 + f(x2 * p[w0 + i + 2]));
        a3 = f(a3 + f(x3 * p[w0 + i + 3]));
        b0 = f(b0 + f(x0 * p[w1 + i]));
        b1 = f(b1 + f(x1 * p[w1 + i + 1]));
        b2 = f(b2 + f(x2 * p[w1 + i + 2]));
        b3 = f(b3 + f(x3 * p[w1 + i + 3]));
      }
      if (rest > 0) {
        const i = xr + C4,
          j = C4;
        a0 = f(a0 + f(x[i] * p[w0 + j]));
        b0 = f(b0 + f(x[i] * p[w1 + j]));
        if (rest > 1) {
          a1 = f(a1 + f(x[i + 1] * p[w0 + j + 1]));
          b1 = f(b1 + f(x[i + 1] * p[w1 + j + 1]));
        }
        if (rest > 2) {
          a2 = f(a2 + f(x[i + 2] * p[w0 + j + 2]));
          b2 = f(b2 + f(x[i + 2] * p[w1 + j + 2]));
        }
      }
      z[zr + o] = f(p[bOff + o] + f(f(f(a0 + a1) + a2) + a3));
      z[zr + o + 1] = f(p[bOff + o + 1] + f(f(f(b0 + b1) + b2) + b3));
    }
    for (; o < OC; o++) {
      const w0 = wOff + o * C;
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0;
      for (let i = 0; i < C4; i += 4) {
        a0 = f(a0 + f(x[xr + i] * p[w0 + i]));
        a1 = f(a1 + f(x[xr + i + 1] * p[w0 + i + 1]));
        a2 = f(a2 + f(x[xr + i + 2] * p[w0 + i + 2]));
        a3 = f(a3 + f(x[xr + i + 3] * p[w0 + i + 3]));
      }
      if (rest > 0) a0 = f(a0 + f(x[xr + C4] * p[w0 + C4]));
      if (rest > 1) a1 = f(a1 + f(x[xr + C4 + 1] * p[w0 + C4 + 1]));
      if (rest > 2) a2 = f(a2 + f(x[xr + C4 + 2] * p[w0 + C4 + 2]));
      z[zr + o] = f(p[bOff + o] + f(f(f(a0 + a1) + a2) + a3));
    }
  }
}

/** dW[o, :] += Σ_n δ[n, o]·x[n, :] in blocks of 4 samples, exactly as the SIMD dW kernel computes it. */
export function weightGradientLanes(
  g: Float32Array,
  dz: Float32Array,
  x: Float32Array,
  wOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let o = 0; o < OC; o++) {
    const gr = wOff + o * C;
    let n = 0;
    for (; n + 4 <= B; n += 4) {
      const d0 = dz[n * OC + o],
        d1 = dz[(n + 1) * OC + o],
        d2 = dz[(n + 2) * OC + o],
        d3 = dz[(n + 3) * OC + o];
      const x0 = n * C,
        x1 = x0 + C,
        x2 = x1 + C,
        x3 = x2 + C;
      for (let i = 0; i < C; i++) {
        g[gr + i] = f(
          g[gr + i] + f(f(f(f(d0 * x[x0 + i]) + f(d1 * x[x1 + i])) + f(d2 * x[x2 + i])) + f(d3 * x[x3 + i])),
        );
      }
    }
    if (n < B) {
      // The last block: 1–3 real samples, the rest padding (+0 terms).
      const m = B - n,
        x0 = n * C,
        d0 = dz[n * OC + o];
      const d1 = m > 1 ? dz[(n + 1) * OC + o] : 0,
        d2 = m > 2 ? dz[(n + 2) * OC + o] : 0;
      for (let i = 0; i < C; i++) {
        let t = f(d0 * x[x0 + i]);
        if (m > 1) t = f(t + f(d1 * x[x0 + C + i]));
        if (m > 2) t = f(t + f(d2 * x[x0 + 2 * C + i]));
        g[gr + i] = f(g[gr + i] + (t + 0));
      }
    }
  }
}

/** dx[n, :] += Σ_o δ[n, o]·W[o, :] in blocks of 4 outputs, exactly as the SIMD dx kernel computes it. */
export function inputGradientLanes(
  dx: Float32Array,
  dz: Float32Array,
  p: Float32Array,
  wOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let n = 0; n < B; n++) {
    const xr = n * C,
      r = n * OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const d0 = dz[r + o],
        d1 = dz[r + o + 1],
        d2 = dz[r + o + 2],
        d3 = dz[r + o + 3];
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      for (let i = 0; i < C; i++) {
        dx[xr + i] = f(
          dx[xr + i] + f(f(f(f(d0 * p[w0 + i]) + f(d1 * p[w1 + i])) + f(d2 * p[w2 + i])) + f(d3 * p[w3 + i])),
        );
      }
    }
    if (o < OC) {
      const m = OC - o,
        w0 = wOff + o * C,
        d0 = dz[r + o];
      const d1 = m > 1 ? dz[r + o + 1] : 0,
        d2 = m > 2 ? dz[r + o + 2] : 0;
      for (let i = 0; i < C; i++) {
        let t = f(d0 * p[w0 + i]);
        if (m > 1) t = f(t + f(d1 * p[w0 + C + i]));
        if (m > 2) t = f(t + f(d2 * p[w0 + 2 * C + i]));
        dx[xr + i] = f(dx[xr + i] + (t + 0));
      }
    }
  }
}
