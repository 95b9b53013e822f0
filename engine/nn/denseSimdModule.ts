// The dense layers' WebAssembly SIMD module, assembled at load: forward (z = x·Wᵀ + b), weight gradient
// (dW += δᵀ·x), input gradient (dx += δ·W) and bias gradient (db += Σ δ) kernels on register blocks, four float32
// lanes at a time.

import { Body, I32, name, section, sharedMemoryImport, uleb, V128, vec } from './wasmEncoder';

/**
 * Rows (C, padded) of at most this many floats take the forward kernel with 2 × 4 blocks (`fwds`): their products are
 * short, so the per-output sums dominate (a 32×4→16 product ~640 → ~380 ns). Longer rows keep `fwd`'s 4 × 2 blocks,
 * which stream W half as often (2 × 4 made N5's 128×1024→1024 forward ~30 % slower); each is its own function, since
 * one holding both loop nests ran N3's 64×784→128 forward ~15 % slower.
 */
export const SMALL_ROW = 32;

/**
 * Forward kernel: blocks of NB samples × OB outputs, dot products along C four lanes at a time; with OB = 4, each
 * sample's four sums formed together (per output the same operations in the same order as with OB = 2).
 */
function forwardBody(NB: number, OB: number): Body {
  const f = new Body(7);
  const z = 0,
    x = 1,
    w = 2,
    b = 3,
    B = 4,
    C = 5,
    OC = 6;
  const [rb, zrb, xEnd, wEnd, xp, zrow, wp, bp, zp, i, stepX, stepW, stepZ] = f.locals(I32, 13);
  const xr = [xp, ...f.locals(I32, NB - 1)],
    wr = [wp, ...f.locals(I32, OB - 1)],
    zoff = f.locals(I32, NB);
  const acc = Array.from({ length: NB }, () => f.locals(V128, OB)),
    wv = f.locals(V128, OB),
    xv = f.local(V128),
    t = f.locals(V128, 4);
  /** dst (or the stack) = the four float lanes `lanes` of (u, v) (0–3 from u, 4–7 from v): i8x16.shuffle. */
  const shuffle = (dst: number | null, u: number, v: number, lanes: number[]) => {
    f.get(u)
      .get(v)
      .simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
    if (dst !== null) f.set(dst);
  };
  f.get(C).i32(4).mul().set(rb).get(OC).i32(4).mul().set(zrb);
  f.get(B).get(rb).mul().get(x).add().set(xEnd).get(OC).get(rb).mul().get(w).add().set(wEnd);
  f.get(rb).i32(NB).mul().set(stepX).get(rb).i32(OB).mul().set(stepW).get(zrb).i32(NB).mul().set(stepZ);
  for (let k = 0; k < NB; k++) f.get(zrb).i32(k).mul().set(zoff[k]);
  f.get(x).set(xp).get(z).set(zrow);
  f.repeat(xp, { local: stepX }, xEnd, () => {
    for (let k = 1; k < NB; k++) f.sum(xr[k], xr[k - 1], rb);
    f.get(w).set(wp).get(b).set(bp).get(zrow).set(zp);
    f.repeat(wp, { local: stepW }, wEnd, () => {
      for (let j = 1; j < OB; j++) f.sum(wr[j], wr[j - 1], rb);
      for (const row of acc) for (const a of row) f.vzero().set(a);
      f.i32(0).set(i);
      f.repeat(i, 16, rb, () => {
        for (let j = 0; j < OB; j++) f.get(wr[j]).get(i).add().vload().set(wv[j]);
        for (let k = 0; k < NB; k++) {
          f.get(xr[k]).get(i).add().vload().set(xv);
          for (let j = 0; j < OB; j++) f.get(acc[k][j]).get(xv).get(wv[j]).vmul().vadd().set(acc[k][j]);
        }
      });
      for (let k = 0; k < NB; k++) {
        if (OB === 4) {
          // Four outputs' sums at once: transpose the four accumulators (row j = output j's lanes) so that vector
          // L_m holds lane m of each, then ((L0 + L1) + L2) + L3 is each output's ((l0 + l1) + l2) + l3, the order
          // of hsum below, in three vector adds instead of twelve scalar ones and sixteen lane extractions.
          const [a0, a1, a2, a3] = acc[k];
          shuffle(t[0], a0, a1, [0, 4, 1, 5]);
          shuffle(t[1], a0, a1, [2, 6, 3, 7]);
          shuffle(t[2], a2, a3, [0, 4, 1, 5]);
          shuffle(t[3], a2, a3, [2, 6, 3, 7]);
          f.get(zp).get(zoff[k]).add().get(bp).vload();
          shuffle(null, t[0], t[2], [0, 1, 4, 5]);
          shuffle(null, t[0], t[2], [2, 3, 6, 7]);
          f.vadd();
          shuffle(null, t[1], t[3], [0, 1, 4, 5]);
          f.vadd();
          shuffle(null, t[1], t[3], [2, 3, 6, 7]);
          f.vadd().vadd().vstore();
          continue;
        }
        for (let j = 0; j < OB; j++)
          f.get(zp)
            .get(zoff[k])
            .add()
            .get(bp)
            .fload(4 * j)
            .hsum(acc[k][j])
            .fadd()
            .fstore(4 * j);
      }
      f.get(bp)
        .i32(4 * OB)
        .add()
        .set(bp)
        .get(zp)
        .i32(4 * OB)
        .add()
        .set(zp);
    });
    f.get(zrow).get(stepZ).add().set(zrow);
  });
  return f;
}

/**
 * dW kernel: g[o, :] += Σ_n δ[n, o]·x[n, :], blocks of OB outputs × NB samples, rows four lanes at a time. `fresh`
 * (dw0): the first block of samples adds its sums to a zero vector instead of to g, by the same f32x4.add, so g
 * comes out as if it had been zeroed first (the same bits, −0 sums included) without a pass over it to zero it.
 */
function weightGradientBody(OB: number, NB: number, fresh = false): Body {
  const f = new Body(7);
  const g = 0,
    dz = 1,
    x = 2,
    B = 3,
    C = 4,
    OC = 5,
    cols = 6;
  const [rb, dzrb, gEnd, xEnd, gp, dzc, xp, dzp, i, stepG, stepX, stepDz, colBytes] = f.locals(I32, 13);
  const gr = [gp, ...f.locals(I32, OB - 1)],
    xr = [xp, ...f.locals(I32, NB - 1)],
    dzoff = f.locals(I32, NB);
  const addr = f.local(I32),
    d = Array.from({ length: NB }, () => f.locals(V128, OB)),
    xv = f.locals(V128, NB);
  f.get(C).i32(4).mul().set(rb).get(OC).i32(4).mul().set(dzrb).get(cols).i32(4).mul().set(colBytes);
  f.get(OC).get(rb).mul().get(g).add().set(gEnd).get(B).get(rb).mul().get(x).add().set(xEnd);
  f.get(rb).i32(OB).mul().set(stepG).get(rb).i32(NB).mul().set(stepX).get(dzrb).i32(NB).mul().set(stepDz);
  for (let k = 0; k < NB; k++) f.get(dzrb).i32(k).mul().set(dzoff[k]);
  f.get(g).set(gp).get(dz).set(dzc);
  f.repeat(gp, { local: stepG }, gEnd, () => {
    for (let j = 1; j < OB; j++) f.sum(gr[j], gr[j - 1], rb);
    f.get(x).set(xp).get(dzc).set(dzp);
    /** One block of NB samples; `first`: added to zeros rather than to g. */
    const samples = (first: boolean) => {
      for (let k = 1; k < NB; k++) f.sum(xr[k], xr[k - 1], rb);
      for (let k = 0; k < NB; k++)
        for (let j = 0; j < OB; j++)
          f.get(dzp)
            .get(dzoff[k])
            .add()
            .fload(4 * j)
            .splat()
            .set(d[k][j]);
      f.i32(0).set(i);
      f.repeat(i, 16, colBytes, () => {
        for (let k = 0; k < NB; k++) f.get(xr[k]).get(i).add().vload().set(xv[k]);
        for (let j = 0; j < OB; j++) {
          if (first) f.get(gr[j]).get(i).add().vzero();
          else f.get(gr[j]).get(i).add().tee(addr).get(addr).vload();
          f.get(d[0][j]).get(xv[0]).vmul();
          for (let k = 1; k < NB; k++) f.get(d[k][j]).get(xv[k]).vmul().vadd();
          f.vadd().vstore();
        }
      });
      f.get(dzp).get(stepDz).add().set(dzp);
    };
    if (fresh) {
      // The first block alone, then the others (if any: the loop below runs its body at least once).
      samples(true);
      f.get(xp).get(stepX).add().set(xp);
      f.op(0x02, 0x40 /* block */).get(xp).get(xEnd).op(0x4f /* i32.ge_u */, 0x0d /* br_if */, 0);
      f.repeat(xp, { local: stepX }, xEnd, () => samples(false));
      f.op(0x0b /* end */);
    } else f.repeat(xp, { local: stepX }, xEnd, () => samples(false));
    f.get(dzc)
      .i32(4 * OB)
      .add()
      .set(dzc);
  });
  return f;
}

/** dx kernel: dx[n, :] += Σ_o δ[n, o]·W[o, :], blocks of OB outputs × NB samples, rows four lanes at a time. */
function inputGradientBody(OB: number, NB: number): Body {
  const f = new Body(6);
  const dx = 0,
    dz = 1,
    w = 2,
    B = 3,
    C = 4,
    OC = 5;
  const [rb, dzrb, wEnd, dxEnd, wp, dzc, xp, dzp, i, stepW, stepX, stepDz, addr] = f.locals(I32, 13);
  const wr = [wp, ...f.locals(I32, OB - 1)],
    xr = [xp, ...f.locals(I32, NB - 1)],
    dzoff = f.locals(I32, NB);
  const d = Array.from({ length: NB }, () => f.locals(V128, OB)),
    wv = f.locals(V128, OB);
  f.get(C).i32(4).mul().set(rb).get(OC).i32(4).mul().set(dzrb);
  f.get(OC).get(rb).mul().get(w).add().set(wEnd).get(B).get(rb).mul().get(dx).add().set(dxEnd);
  f.get(rb).i32(OB).mul().set(stepW).get(rb).i32(NB).mul().set(stepX).get(dzrb).i32(NB).mul().set(stepDz);
  for (let k = 0; k < NB; k++) f.get(dzrb).i32(k).mul().set(dzoff[k]);
  f.get(w).set(wp).get(dz).set(dzc);
  f.repeat(wp, { local: stepW }, wEnd, () => {
    for (let j = 1; j < OB; j++) f.sum(wr[j], wr[j - 1], rb);
    f.get(dx).set(xp).get(dzc).set(dzp);
    f.repeat(xp, { local: stepX }, dxEnd, () => {
      for (let k = 1; k < NB; k++) f.sum(xr[k], xr[k - 1], rb);
      for (let k = 0; k < NB; k++)
        for (let j = 0; j < OB; j++)
          f.get(dzp)
            .get(dzoff[k])
            .add()
            .fload(4 * j)
            .splat()
            .set(d[k][j]);
      f.i32(0).set(i);
      f.repeat(i, 16, rb, () => {
        for (let j = 0; j < OB; j++) f.get(wr[j]).get(i).add().vload().set(wv[j]);
        for (let k = 0; k < NB; k++) {
          f.get(xr[k]).get(i).add().tee(addr).get(addr).vload();
          f.get(d[k][0]).get(wv[0]).vmul();
          for (let j = 1; j < OB; j++) f.get(d[k][j]).get(wv[j]).vmul().vadd();
          f.vadd().vstore();
        }
      });
      f.get(dzp).get(stepDz).add().set(dzp);
    });
    f.get(dzc)
      .i32(4 * OB)
      .add()
      .set(dzc);
  });
  return f;
}

/**
 * db kernel: g[o] += δ[n, o] for the first B rows n in order (not the padding rows: +0 would turn a −0 sum into +0),
 * four outputs per f32x4.add, which rounds each sum to float32 as the JavaScript twin's store does.
 */
function biasGradientBody(): Body {
  const f = new Body(4);
  const g = 0,
    dz = 1,
    B = 2,
    OC = 3;
  const [rb, o, p, end] = f.locals(I32, 4);
  const acc = f.local(V128);
  f.get(OC).i32(4).mul().set(rb).i32(0).set(o);
  f.repeat(o, 16, rb, () => {
    f.get(g).get(o).add().vload().set(acc);
    f.get(dz).get(o).add().tee(p).get(B).get(rb).mul().add().set(end);
    f.repeat(p, { local: rb }, end, () => f.get(acc).get(p).vload().vadd().set(acc));
    f.get(g).get(o).add().get(acc).vstore();
  });
  return f;
}

/** Floats an operand may have on the SIMD path (2^26, 256 MB); the memory holds up to four times that (1 GB). */
export const MAX_FLOATS = 67108864;

/**
 * Pages (64 KiB) the kernels' shared memory may grow to: the 2^28 floats that `reserve` allows. kernelMemory.ts makes
 * it so, and every module that imports it (wasmEncoder.ts's sharedMemoryImport) declares the same.
 */
export const SHARED_PAGES = (4 * MAX_FLOATS * 4) / 65536;

/** Block shapes of the kernels (samples × outputs; fwds: 2 × 4); all divide 4, the padding unit. */
export const SIMD_BLOCKS = { forward: [4, 2], weightGradient: [4, 2], inputGradient: [2, 4] } as const;

/**
 * The module: memory, fwd, dw, dx, db, fwds, dw0. With `shared`, it imports its memory (env.memory, shared, up to the 1 GB the
 * kernels may use) instead of defining it, so that a helper thread's instance computes in the same memory.
 */
export function simdModule(shared: boolean): Uint8Array<ArrayBuffer> {
  const fnType = (params: number) => [0x60, ...uleb(params), ...new Array<number>(params).fill(I32), 0];
  const [wn, wm] = SIMD_BLOCKS.weightGradient,
    [xn, xm] = SIMD_BLOCKS.inputGradient;
  const bodies = [
    forwardBody(4, 2),
    weightGradientBody(wm, wn),
    inputGradientBody(xm, xn),
    biasGradientBody(),
    forwardBody(2, 4),
    weightGradientBody(wm, wn, true),
  ];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([fnType(7), fnType(6), fnType(4)])),
    ...(shared ? sharedMemoryImport(SHARED_PAGES) : []),
    ...section(3, vec([[0], [0], [1], [2], [0], [0]])),
    ...(shared ? [] : section(5, vec([[0x00, ...uleb(1)]]))),
    ...section(
      7,
      vec([
        [...name('memory'), 2, 0],
        [...name('fwd'), 0, 0],
        [...name('dw'), 0, 1],
        [...name('dx'), 0, 2],
        [...name('db'), 0, 3],
        [...name('fwds'), 0, 4],
        [...name('dw0'), 0, 5],
      ]),
    ),
    ...section(10, vec(bodies.map((b) => b.encode()))),
  ]);
}
