// laneSums.ts's order against the order spelled out entry by entry (lane i mod 8, then the tree), bit for bit; the
// per-tensor global sum; a model's tensor cuts; and a tensor summary's ‖·‖ and mean |·| as the statistics give them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenLayers } from './model';
import { parseNnet } from '../language/parser';
import { absStats, MX, S, SQ, sumSquares, sumSquaresByTensor, tensorCuts } from './laneSums';

import { Prng } from './prng';
import { summarize } from './tensor';

/** The order of laneSums.ts's header, written the plain way. */
function reference(x: ArrayLike<number>, from: number, n: number) {
  const s = [0, 0, 0, 0, 0, 0, 0, 0],
    q = [0, 0, 0, 0, 0, 0, 0, 0];
  let mx = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[from + i]);
    s[i % 8] += v;
    q[i % 8] += v * v;
    if (v > mx) mx = v;
  }
  const tree = (l: number[]) => ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7])); // prettier-ignore
  return { s: tree(s), sq: tree(q), mx };
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const SPECIALS = [0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, Infinity, -Infinity, NaN, 2e-40, 1e-310];

test('absStats and sumSquares follow the lane order to the bit, float32 and float64, every tail length', () => {
  const rnd = new Prng(3);
  for (const make of [(n: number) => new Float32Array(n), (n: number) => new Float64Array(n)])
    for (let round = 0; round < 400; round++) {
      const n = round < 100 ? round : Math.floor(rnd.next() * 3000),
        x = make(n + 9);
      for (let i = 0; i < x.length; i++)
        x[i] =
          rnd.next() < 0.02
            ? SPECIALS[Math.floor(rnd.next() * SPECIALS.length)]
            : (rnd.next() - 0.5) * 10 ** Math.floor(rnd.next() * 10 - 6);
      const from = Math.floor(rnd.next() * 9),
        out = new Float64Array(3),
        want = reference(x, from, n);
      absStats(x, from, n, out);
      assert.ok(same(out[S], want.s) && same(out[SQ], want.sq) && same(out[MX], want.mx), `round ${round}, n ${n}`);
      assert.ok(same(sumSquares(x, from, n), want.sq), `sumSquares, round ${round}`);
      assert.ok(!Number.isNaN(out[MX]), 'the maximum skips NaN');
    }
});

test('the lane order is not index order: it changes the bits of some sums (so the tests above can tell)', () => {
  const rnd = new Prng(9);
  let differ = 0;
  for (let round = 0; round < 50; round++) {
    const x = Float32Array.from({ length: 1000 }, () => rnd.next() * 10 ** Math.floor(rnd.next() * 8 - 4));
    let plain = 0;
    for (const v of x) plain += v * v;
    if (!Object.is(plain, sumSquares(x, 0, x.length))) differ++;
  }
  assert.ok(differ > 10, `${differ} of 50 differ`);
});

test("the global Σ g² is +0 plus each tensor's sum in buffer order; a model's tensors are each W and each b", () => {
  const g = Float32Array.from({ length: 37 }, (_, i) => Math.sin(i) * 10 ** (i % 5));
  const cuts = [0, 12, 15, 30, 37];
  let want = 0;
  for (let t = 0; t < 4; t++) want += reference(g, cuts[t], cuts[t + 1] - cuts[t]).sq;
  assert.ok(Object.is(sumSquaresByTensor(g, cuts), want));
  assert.ok(Object.is(sumSquaresByTensor(g), reference(g, 0, g.length).sq), 'no cuts: one tensor');
  const src = [
    'network n',
    '  input 3',
    '  dense h 5 relu',
    '  batchnorm bn',
    '  dense o 2 identity',
    'loss mse',
    '',
    'data',
    '  1 2 3 -> 1 0',
    '  3 2 1 -> 0 1',
    '',
    'train',
    '  epochs 1',
    '  batch 2',
    '  optimizer sgd lr=0.1',
  ].join('\n');
  const r = parseNnet(src + '\n');
  assert.deepEqual(r.diagnostics, []);
  const { nodes, parameterCount } = flattenLayers(3, r.spec!.layers);
  // h: W 15, b 5; bn: γ 5, β 5; o: W 10, b 2.
  assert.deepEqual(Array.from(tensorCuts(nodes, parameterCount)), [0, 15, 20, 25, 30, 40, 42]);
});

test("a tensor summary's ‖·‖ and mean |·| are the statistics' Σ g² and Σ|g| to the bit", () => {
  const rnd = new Prng(4);
  const x = Float32Array.from({ length: 1237 }, () => (rnd.next() - 0.5) * 10 ** Math.floor(rnd.next() * 6 - 3));
  const out = new Float64Array(3);
  absStats(x, 0, x.length, out);
  const s = summarize(x);
  assert.ok(Object.is(s.norm, Math.sqrt(out[SQ])) && Object.is(s.meanAbs, out[S] / x.length));
  assert.deepEqual(summarize(Array.from(x)), s);
});
