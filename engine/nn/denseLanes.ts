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
// - dx[n, i] += t per block of 4 outputs, t = ((δ0·W0 + δ1·W1) + δ2·W2) + δ3·W3, blocks in output order;
// - db[o] += δ[n, o] one sample at a time, in sample order.
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

/**
 * db[o] += δ[n, o] for n in order, each sum rounded to float32 as a store into db rounds it, exactly as the SIMD db
 * kernel computes it (f32x4.add row after row). Summed in locals, sixteen outputs at a time, and stored once: adding
 * into the array in place cost ~2 ns per term (the same floats loaded and stored again every sample).
 */
export function biasGradientLanes(g: Float32Array, dz: Float32Array, bOff: number, B: number, OC: number): void {
  let o = 0;
  for (; o + 16 <= OC; o += 16) {
    let s0 = g[bOff + o],
      s1 = g[bOff + o + 1],
      s2 = g[bOff + o + 2],
      s3 = g[bOff + o + 3],
      s4 = g[bOff + o + 4],
      s5 = g[bOff + o + 5],
      s6 = g[bOff + o + 6],
      s7 = g[bOff + o + 7],
      s8 = g[bOff + o + 8],
      s9 = g[bOff + o + 9],
      s10 = g[bOff + o + 10],
      s11 = g[bOff + o + 11],
      s12 = g[bOff + o + 12],
      s13 = g[bOff + o + 13],
      s14 = g[bOff + o + 14],
      s15 = g[bOff + o + 15];
    for (let r = o, end = B * OC; r < end; r += OC) {
      s0 = f(s0 + dz[r]);
      s1 = f(s1 + dz[r + 1]);
      s2 = f(s2 + dz[r + 2]);
      s3 = f(s3 + dz[r + 3]);
      s4 = f(s4 + dz[r + 4]);
      s5 = f(s5 + dz[r + 5]);
      s6 = f(s6 + dz[r + 6]);
      s7 = f(s7 + dz[r + 7]);
      s8 = f(s8 + dz[r + 8]);
      s9 = f(s9 + dz[r + 9]);
      s10 = f(s10 + dz[r + 10]);
      s11 = f(s11 + dz[r + 11]);
      s12 = f(s12 + dz[r + 12]);
      s13 = f(s13 + dz[r + 13]);
      s14 = f(s14 + dz[r + 14]);
      s15 = f(s15 + dz[r + 15]);
    }
    g[bOff + o] = s0;
    g[bOff + o + 1] = s1;
    g[bOff + o + 2] = s2;
    g[bOff + o + 3] = s3;
    g[bOff + o + 4] = s4;
    g[bOff + o + 5] = s5;
    g[bOff + o + 6] = s6;
    g[bOff + o + 7] = s7;
    g[bOff + o + 8] = s8;
    g[bOff + o + 9] = s9;
    g[bOff + o + 10] = s10;
    g[bOff + o + 11] = s11;
    g[bOff + o + 12] = s12;
    g[bOff + o + 13] = s13;
    g[bOff + o + 14] = s14;
    g[bOff + o + 15] = s15;
  }
  for (; o < OC; o++) {
    let s = g[bOff + o];
    for (let r = o, end = B * OC; r < end; r += OC) s = f(s + dz[r]);
    g[bOff + o] = s;
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
