// The expressions the generated whole step (fastStep.ts) is written with: activations and their derivatives for one
// float32 value, the loss and its gradient, dense.ts's blocked sums, laneSums.ts's lane tree, the recorder's bounds, and numbers and names
// turned into source text (from numbers and fixed names only: see fastStep.ts's header).

import type { Activation } from './activations';
import type { Loss } from './losses';

/**
 * In the bits of a float32 z (an int32 v), all ones when z > 0 (1 ≤ v ≤ 0x7f800000: the positive subnormals,
 * normals and +∞, not NaN), else 0: relu(z) = v & mask, relu′(z)·d = bits(d) & mask. The same float32 values as
 * `z > 0 ? z : 0` (+0 where z ≤ 0 or NaN) without the branch, which random signs mispredict half the time
 * (~5 ns against ~1 per value: N5's four relu loops over 128×1024 values).
 */
export const positiveMask = (v: string) => `~(((0x7f800000 - ${v}) | (${v} - 1)) >> 31)`;

/**
 * `const loss = …` for the output node L − 1 over B rows of K: losses.ts's lossForward, written out for the common
 * cases. Softmax + cross-entropy is one pass per row that applies the softmax (activationForward's loop) and reuses
 * its e^(z − max) for the log-sum-exp, which lossForward recomputes from the same numbers in the same order.
 */
export function lossForwardText(loss: Loss, fused: boolean, L: number, B: number, K: number): string[] {
  const n = B * K;
  if (fused && loss === 'cross_entropy')
    return [
      `let s = 0;`,
      `for (let r = 0; r < ${B}; r++) { const o = r * ${K}; let max = -Infinity;`,
      `  for (let j = 0; j < ${K}; j++) if (Z${L - 1}[o + j] > max) max = Z${L - 1}[o + j];`,
      `  let sum = 0;`,
      `  for (let j = 0; j < ${K}; j++) { const e = Math.exp(Z${L - 1}[o + j] - max); A${L}[o + j] = e; sum += e; }`,
      `  for (let j = 0; j < ${K}; j++) A${L}[o + j] /= sum;`,
      `  const lse = max + Math.log(sum);`,
      `  for (let j = 0; j < ${K}; j++) if (Y[o + j] !== 0) s -= Y[o + j] * (Z${L - 1}[o + j] - lse); }`,
      `const loss = s / ${B};`,
    ];
  if (loss === 'mse' || loss === 'half_mse')
    return [
      `let s = 0;`,
      `for (let i = 0; i < ${n}; i++) { const d = A${L}[i] - Y[i]; s += d * d; }`,
      `const loss = ${loss === 'mse' ? 's' : '0.5 * s'} / ${n};`,
    ];
  return [`const loss = lossForward(${q(loss)}, Z${L - 1}, A${L}, Y, ${B}, ${K}, ${String(fused)});`];
}

/** ∂L/∂a into dOuts[L − 1] (and a fused δ into deltas[L − 1]): losses.ts's lossBackward, written out likewise. */
export function lossBackwardText(loss: Loss, fused: boolean, L: number, B: number, K: number): string[] {
  const n = B * K;
  if (fused && loss === 'cross_entropy')
    return [
      `for (let i = 0; i < ${n}; i++) { const p = A${L}[i];`,
      `  DO${L - 1}[i] = Y[i] === 0 ? 0 : -Y[i] / (Math.max(p, 1e-30) * ${B}); D${L - 1}[i] = (p - Y[i]) / ${B}; }`,
    ];
  if (loss === 'mse' || loss === 'half_mse')
    return [
      `for (let i = 0; i < ${n}; i++) DO${L - 1}[i] = ${loss === 'mse' ? `(2 * (A${L}[i] - Y[i])) / ${n}` : `(A${L}[i] - Y[i]) / ${n}`};`,
    ];
  return [
    `lossBackward(${q(loss)}, DO${L - 1}, ${fused ? `D${L - 1}` : 'null'}, A${L}, Y, ${B}, ${K}, ${String(fused)});`,
  ];
}

/**
 * A bound moved by value `v`: `v` where it passes the bound (`<`: below it, `>`: above it), else the bound itself,
 * stored back at every step. A store only where `v` passes the bound runs at a new extreme, so seldom that V8 often
 * optimized the step before it had run there and threw the optimized step away when it did: a doctored N3 trainer's
 * step was deoptimized ~30–40 times a run there (7 with this; the bare one's ~10, at other places). Same values: NaN
 * passes no bound, as before.
 */
export function bound(op: '<' | '>', v: string, at: string): string {
  return `(${v} ${op} ${at} ? ${v} : ${at})`;
}

/**
 * laneSums.ts's laneTree, ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), over lane expressions, an empty one ('')
 * being a lane that took nothing: x + (+0) = x for the lanes' values (see measure), so it is left out.
 */
export function laneTree(l: readonly string[]): string {
  const pair = (a: string, b: string) => (a && b ? `(${a} + ${b})` : a || b);
  return pair(pair(pair(l[0], l[4]), pair(l[2], l[6])), pair(pair(l[1], l[5]), pair(l[3], l[7]))) || '0';
}

/** `fr(0 + t0)`, then `fr(acc + t)` per block of four terms ((t0 + t1) + t2) + t3, then one term at a time. */
export function blocks(count: number, term: (j: number) => string): string {
  let acc = '0',
    j = 0;
  for (; j + 4 <= count; j += 4) acc = `fr(${acc} + (${term(j)} + ${term(j + 1)} + ${term(j + 2)} + ${term(j + 3)}))`;
  for (; j < count; j++) acc = `fr(${acc} + ${term(j)})`;
  return acc;
}

/** a = φ(z) for one float32 value z, rounded as a float32 store rounds it (not softmax, which is per row). */
export function activation(act: Exclude<Activation, 'softmax'> | Activation, z: string, slope: number): string {
  switch (act) {
    case 'identity':
      return z;
    case 'relu':
      return `(${z} > 0 ? ${z} : 0)`;
    case 'leaky_relu':
      return `(${z} > 0 ? ${z} : fr(${num(slope)} * ${z}))`;
    case 'sigmoid':
    case 'tanh':
      throw new Error(`${act} is applied per layer (${act}32Array)`);
    case 'gelu':
      return `fr(${z} * normalCdf(${z}))`;
    case 'softmax':
      throw new Error('softmax is applied per row');
  }
}

/** δ = ∂L/∂a ⊙ φ′(z), activations.ts's expressions, rounded as stored (not softmax). */
export function derivative(act: Activation, da: string, z: string, a: string, slope: number): string {
  switch (act) {
    case 'identity':
      return da;
    case 'relu':
      return `(${z} > 0 ? ${da} : 0)`;
    case 'leaky_relu':
      return `(${z} > 0 ? ${da} : fr(${num(slope)} * ${da}))`;
    case 'sigmoid':
      return `fr(${da} * ${a} * (1 - ${a}))`;
    case 'tanh':
      return `fr(${da} * (1 - ${a} * ${a}))`;
    case 'gelu':
      return `fr(${da} * (normalCdf(${z}) + (${z} * Math.exp(-0.5 * ${z} * ${z})) / Math.sqrt(2 * Math.PI)))`;
    case 'softmax':
      throw new Error('softmax is applied per row');
  }
}

/** A number as JavaScript source that reads back as the same double. */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return `(${String(v)})`;
}

/** A loss name as a string literal (only the fixed names of LOSSES reach here). */
export function q(loss: Loss): string {
  if (!/^[a-z_]+$/.test(loss)) throw new Error(`unexpected loss name ${loss}`);
  return `'${loss}'`;
}
