// The reduction kernels of expressions (sum, mean, norm, std, min, max, count, frac, any, all), with a contiguous
// path for whole-tensor reductions that gives the same bits as the strided loop (same order, NaN and -0 alike).

/** A reduction kernel over `count` entries of `data` starting at `offset`, `stride` apart. */
export type Kernel = (data: ArrayLike<number>, offset: number, count: number, stride: number) => number;

function sum(d: ArrayLike<number>, off: number, n: number, s: number): number {
  let acc = 0;
  if (s === 1) for (let i = off, e = off + n; i < e; i++) acc += d[i];
  else for (let i = 0; i < n; i++) acc += d[off + i * s];
  return acc;
}

function squares(d: ArrayLike<number>, off: number, n: number, s: number, m: number): number {
  let acc = 0;
  if (s === 1) {
    for (let i = off, e = off + n; i < e; i++) {
      const v = d[i] - m;
      acc += v * v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = d[off + i * s] - m;
      acc += v * v;
    }
  }
  return acc;
}

/**
 * The largest (`sign` 1) or smallest (`sign` −1) entry as the one-accumulator loop `if (v > m || v !== v) m = v`
 * finds it: NaN if any entry is NaN, else the first of the extreme entries (which matters only for ±0, the one pair
 * of equal values with different bits). Four independent accumulators, since one is a chain of compares ~2.5× slower.
 */
function extreme(d: ArrayLike<number>, off: number, n: number, s: number, sign: 1 | -1): number {
  if (!n) return NaN;
  // Compare sign·v, exact for every float; a NaN fails `<=` as it fails `>` and ends the search.
  let m0 = -Infinity,
    m1 = -Infinity,
    m2 = -Infinity,
    m3 = -Infinity;
  const e = off + n * s,
    e4 = off + (n - (n & 3)) * s;
  let i = off;
  for (; i < e4; i += 4 * s) {
    const v0 = sign * d[i],
      v1 = sign * d[i + s],
      v2 = sign * d[i + 2 * s],
      v3 = sign * d[i + 3 * s];
    if (!(v0 <= m0)) {
      if (v0 !== v0) return NaN;
      m0 = v0;
    }
    if (!(v1 <= m1)) {
      if (v1 !== v1) return NaN;
      m1 = v1;
    }
    if (!(v2 <= m2)) {
      if (v2 !== v2) return NaN;
      m2 = v2;
    }
    if (!(v3 <= m3)) {
      if (v3 !== v3) return NaN;
      m3 = v3;
    }
  }
  for (; i < e; i += s) {
    const v = sign * d[i];
    if (!(v <= m0)) {
      if (v !== v) return NaN;
      m0 = v;
    }
  }
  const m = Math.max(m0, m1, m2, m3);
  if (m !== 0) return sign * m;
  // ±0: the one loop keeps the first zero it meets (every entry before it is on the other side of zero).
  for (i = off; i < e; i += s) if (d[i] === 0) return d[i];
  return sign * m; // unreachable: a zero extreme is an entry
}

function count(d: ArrayLike<number>, off: number, n: number, s: number): number {
  let c = 0;
  if (s === 1) {
    for (let i = off, e = off + n; i < e; i++) if (d[i] !== 0) c++;
  } else for (let i = 0; i < n; i++) if (d[off + i * s] !== 0) c++;
  return c;
}

/** Index of the first entry that is (`nonzero` true) or is not nonzero, or −1. */
function first(d: ArrayLike<number>, off: number, n: number, s: number, nonzero: boolean): number {
  for (let i = 0, j = off; i < n; i++, j += s) if ((d[j] !== 0) === nonzero) return i;
  return -1;
}

/** Reduction kernels; NaN propagates through every one except the counting kernels. */
export const kernels = {
  sum: sum as Kernel,
  mean: ((d, off, n, s) => (n ? sum(d, off, n, s) / n : NaN)) as Kernel,
  norm: ((d, off, n, s) => Math.sqrt(squares(d, off, n, s, 0))) as Kernel,
  std: ((d, off, n, s) => {
    if (!n) return NaN;
    const m = sum(d, off, n, s) / n;
    return Math.sqrt(squares(d, off, n, s, m) / n);
  }) as Kernel,
  min: ((d, off, n, s) => extreme(d, off, n, s, -1)) as Kernel,
  max: ((d, off, n, s) => extreme(d, off, n, s, 1)) as Kernel,
  count: count as Kernel,
  frac: ((d, off, n, s) => (n ? count(d, off, n, s) / n : NaN)) as Kernel,
  any: ((d, off, n, s) => (first(d, off, n, s, true) >= 0 ? 1 : 0)) as Kernel,
  all: ((d, off, n, s) => (first(d, off, n, s, false) >= 0 ? 0 : 1)) as Kernel,
};
