// The dense layer's products in plain JavaScript on 4×4 register blocks, for layers too small for the float32 lanes
// and for float64 (gradient checks): sums formed in float64 (JavaScript numbers), rounded once when stored. dense.ts
// picks them; each reads every row it touches in order, with no transposed copy (~4–5 GFLOP/s).

import type { FloatArray } from './tensor';

/**
 * z = x·Wᵀ + b for 4 samples × 4 outputs at a time.
 * @param z   out [B, OC]
 * @param x   in  [B, C]
 * @param params in: W [OC, C] at wOff, b [OC] at bOff
 */
export function forwardBlocks(
  z: FloatArray,
  x: FloatArray,
  params: FloatArray,
  wOff: number,
  bOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  let n = 0;
  for (; n + 4 <= B; n += 4) {
    const x0 = n * C,
      x1 = x0 + C,
      x2 = x1 + C,
      x3 = x2 + C;
    const z0 = n * OC,
      z1 = z0 + OC,
      z2 = z1 + OC,
      z3 = z2 + OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0,
        s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let i = 0; i < C; i++) {
        const a = params[w0 + i],
          b = params[w1 + i],
          c = params[w2 + i],
          d = params[w3 + i];
        let v = x[x0 + i];
        s00 += v * a;
        s01 += v * b;
        s02 += v * c;
        s03 += v * d;
        v = x[x1 + i];
        s10 += v * a;
        s11 += v * b;
        s12 += v * c;
        s13 += v * d;
        v = x[x2 + i];
        s20 += v * a;
        s21 += v * b;
        s22 += v * c;
        s23 += v * d;
        v = x[x3 + i];
        s30 += v * a;
        s31 += v * b;
        s32 += v * c;
        s33 += v * d;
      }
      const b0 = params[bOff + o],
        b1 = params[bOff + o + 1],
        b2 = params[bOff + o + 2],
        b3 = params[bOff + o + 3];
      z[z0 + o] = b0 + s00;
      z[z0 + o + 1] = b1 + s01;
      z[z0 + o + 2] = b2 + s02;
      z[z0 + o + 3] = b3 + s03;
      z[z1 + o] = b0 + s10;
      z[z1 + o + 1] = b1 + s11;
      z[z1 + o + 2] = b2 + s12;
      z[z1 + o + 3] = b3 + s13;
      z[z2 + o] = b0 + s20;
      z[z2 + o + 1] = b1 + s21;
      z[z2 + o + 2] = b2 + s22;
      z[z2 + o + 3] = b3 + s23;
      z[z3 + o] = b0 + s30;
      z[z3 + o + 1] = b1 + s31;
      z[z3 + o + 2] = b2 + s32;
      z[z3 + o + 3] = b3 + s33;
    }
    for (; o < OC; o++) {
      const w = wOff + o * C;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = 0; i < C; i++) {
        const a = params[w + i];
        s0 += x[x0 + i] * a;
        s1 += x[x1 + i] * a;
        s2 += x[x2 + i] * a;
        s3 += x[x3 + i] * a;
      }
      const bo = params[bOff + o];
      z[z0 + o] = bo + s0;
      z[z1 + o] = bo + s1;
      z[z2 + o] = bo + s2;
      z[z3 + o] = bo + s3;
    }
  }
  for (; n < B; n++) {
    const xr = n * C,
      zr = n * OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = 0; i < C; i++) {
        const v = x[xr + i];
        s0 += v * params[w0 + i];
        s1 += v * params[w1 + i];
        s2 += v * params[w2 + i];
        s3 += v * params[w3 + i];
      }
      z[zr + o] = params[bOff + o] + s0;
      z[zr + o + 1] = params[bOff + o + 1] + s1;
      z[zr + o + 2] = params[bOff + o + 2] + s2;
      z[zr + o + 3] = params[bOff + o + 3] + s3;
    }
    for (; o < OC; o++) {
      const w = wOff + o * C;
      let s = 0;
      for (let i = 0; i < C; i++) s += x[xr + i] * params[w + i];
      z[zr + o] = params[bOff + o] + s;
    }
  }
}

/** db[o] += Σ_n δ[n, o]: rows of δ in order. */
export function biasGradientBlocks(g: FloatArray, dz: FloatArray, bOff: number, B: number, OC: number): void {
  for (let n = 0; n < B; n++) {
    const r = n * OC;
    for (let o = 0; o < OC; o++) g[bOff + o] += dz[r + o];
  }
}

/** dW[o, :] += Σ_n δ[n, o]·x[n, :], for 4 outputs × 4 samples at a time: rows of dW and x in order. */
export function weightGradientBlocks(
  g: FloatArray,
  dz: FloatArray,
  x: FloatArray,
  wOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  let o = 0;
  for (; o + 4 <= OC; o += 4) {
    const w0 = wOff + o * C,
      w1 = w0 + C,
      w2 = w1 + C,
      w3 = w2 + C;
    let n = 0;
    for (; n + 4 <= B; n += 4) {
      const r0 = n * OC + o,
        r1 = r0 + OC,
        r2 = r1 + OC,
        r3 = r2 + OC;
      const d00 = dz[r0],
        d01 = dz[r0 + 1],
        d02 = dz[r0 + 2],
        d03 = dz[r0 + 3];
      const d10 = dz[r1],
        d11 = dz[r1 + 1],
        d12 = dz[r1 + 2],
        d13 = dz[r1 + 3];
      const d20 = dz[r2],
        d21 = dz[r2 + 1],
        d22 = dz[r2 + 2],
        d23 = dz[r2 + 3];
      const d30 = dz[r3],
        d31 = dz[r3 + 1],
        d32 = dz[r3 + 2],
        d33 = dz[r3 + 3];
      const x0 = n * C,
        x1 = x0 + C,
        x2 = x1 + C,
        x3 = x2 + C;
      for (let i = 0; i < C; i++) {
        const a = x[x0 + i],
          b = x[x1 + i],
          c = x[x2 + i],
          d = x[x3 + i];
        g[w0 + i] += d00 * a + d10 * b + d20 * c + d30 * d;
        g[w1 + i] += d01 * a + d11 * b + d21 * c + d31 * d;
        g[w2 + i] += d02 * a + d12 * b + d22 * c + d32 * d;
        g[w3 + i] += d03 * a + d13 * b + d23 * c + d33 * d;
      }
    }
    for (; n < B; n++) {
      const r = n * OC + o,
        xr = n * C;
      const d0 = dz[r],
        d1 = dz[r + 1],
        d2 = dz[r + 2],
        d3 = dz[r + 3];
      for (let i = 0; i < C; i++) {
        const v = x[xr + i];
        g[w0 + i] += d0 * v;
        g[w1 + i] += d1 * v;
        g[w2 + i] += d2 * v;
        g[w3 + i] += d3 * v;
      }
    }
  }
  for (; o < OC; o++) {
    const w = wOff + o * C;
    let n = 0;
    for (; n + 4 <= B; n += 4) {
      const r = n * OC + o;
      const d0 = dz[r],
        d1 = dz[r + OC],
        d2 = dz[r + 2 * OC],
        d3 = dz[r + 3 * OC];
      const x0 = n * C,
        x1 = x0 + C,
        x2 = x1 + C,
        x3 = x2 + C;
      for (let i = 0; i < C; i++) g[w + i] += d0 * x[x0 + i] + d1 * x[x1 + i] + d2 * x[x2 + i] + d3 * x[x3 + i];
    }
    for (; n < B; n++) {
      const d = dz[n * OC + o],
        xr = n * C;
      for (let i = 0; i < C; i++) g[w + i] += d * x[xr + i];
    }
  }
}

/** dx[n, :] += Σ_o δ[n, o]·W[o, :], for 4 samples × 4 outputs at a time: rows of dx and W in order. */
export function inputGradientBlocks(
  dx: FloatArray,
  dz: FloatArray,
  p: FloatArray,
  wOff: number,
  B: number,
  C: number,
  OC: number,
): void {
  let n = 0;
  for (; n + 4 <= B; n += 4) {
    const x0 = n * C,
      x1 = x0 + C,
      x2 = x1 + C,
      x3 = x2 + C;
    const r0 = n * OC,
      r1 = r0 + OC,
      r2 = r1 + OC,
      r3 = r2 + OC;
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const d00 = dz[r0 + o],
        d01 = dz[r0 + o + 1],
        d02 = dz[r0 + o + 2],
        d03 = dz[r0 + o + 3];
      const d10 = dz[r1 + o],
        d11 = dz[r1 + o + 1],
        d12 = dz[r1 + o + 2],
        d13 = dz[r1 + o + 3];
      const d20 = dz[r2 + o],
        d21 = dz[r2 + o + 1],
        d22 = dz[r2 + o + 2],
        d23 = dz[r2 + o + 3];
      const d30 = dz[r3 + o],
        d31 = dz[r3 + o + 1],
        d32 = dz[r3 + o + 2],
        d33 = dz[r3 + o + 3];
      const w0 = wOff + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      for (let i = 0; i < C; i++) {
        const a = p[w0 + i],
          b = p[w1 + i],
          c = p[w2 + i],
          d = p[w3 + i];
        dx[x0 + i] += d00 * a + d01 * b + d02 * c + d03 * d;
        dx[x1 + i] += d10 * a + d11 * b + d12 * c + d13 * d;
        dx[x2 + i] += d20 * a + d21 * b + d22 * c + d23 * d;
        dx[x3 + i] += d30 * a + d31 * b + d32 * c + d33 * d;
      }
    }
    for (; o < OC; o++) {
      const d0 = dz[r0 + o],
        d1 = dz[r1 + o],
        d2 = dz[r2 + o],
        d3 = dz[r3 + o];
      const w = wOff + o * C;
      for (let i = 0; i < C; i++) {
        const v = p[w + i];
        dx[x0 + i] += d0 * v;
        dx[x1 + i] += d1 * v;
        dx[x2 + i] += d2 * v;
        dx[x3 + i] += d3 * v;
      }
    }
  }
  for (; n < B; n++) {
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
      for (let i = 0; i < C; i++) dx[xr + i] += d0 * p[w0 + i] + d1 * p[w1 + i] + d2 * p[w2 + i] + d3 * p[w3 + i];
    }
    for (; o < OC; o++) {
      const d = dz[r + o],
        w = wOff + o * C;
      for (let i = 0; i < C; i++) dx[xr + i] += d * p[w + i];
    }
  }
}
