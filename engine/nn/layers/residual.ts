// `residual … end`: a skip connection around a block of layers, output = F(x) + x, or F(x) + P·x + c (a learned
// projection, Xavier/zeros) when the body changes the width. The block becomes two nodes: `residual_begin`, which
// passes x on and, on the way back, adds the gradient that came through the skip; and `residual_end`, where the sum
// happens. The parser and the model's flattening know the block structure; the nodes' behaviour is here.

import type { LayerBase, LayerSpec, SourceRange } from '../../language/spec';
import { denseBackward, denseForward } from '../dense';
import { fillInit } from '../init';
import type { NodeOps } from './kind';

/** output = F(x) + x, or F(x) + P·x + c (a learned projection) when F changes the width. */
export interface ResidualSpec extends LayerBase {
  readonly kind: 'residual';
  readonly body: readonly LayerSpec[];
  /** The `end` line that closes the block, where the sum happens. */
  readonly endRange: SourceRange;
}

/** The block's row of the reference table in docs/language.md. */
export const RESIDUAL_REFERENCE = {
  statement: '`residual [NAME]` … `end`',
  meaning: 'out = F(x) + x (plus a learned projection when F changes the width)',
  defaults: '—',
};
export const RESIDUAL_EBNF = '"residual" [ NAME ] NEWLINE layer { layer } "end" NEWLINE ;';

/** Hover lines of a residual block with input and output widths. */
export function residualHover(inWidth: number, outWidth: number): string[] {
  const proj = inWidth !== outWidth;
  return [
    'Forward',
    proj ? '  out = F(x) + P·x + c   (projection: F changes the width)' : '  out = F(x) + x',
    'Backward',
    proj
      ? '  ∂x = ∂F/∂xᵀ·∂L/∂out + Pᵀ·∂L/∂out'
      : '  ∂x = ∂F/∂xᵀ·∂L/∂out + ∂L/∂out   (the skip passes the gradient straight back)',
  ];
}

/** The block's input node: a = x; backward adds the skip path's gradient. */
export const residualBegin: NodeOps = {
  buffers: (n) => ({ skip: n.inWidth }),
  forward(m, i, B) {
    m.acts[i + 1].set(m.acts[i].subarray(0, B * m.nodes[i].outWidth));
  },
  backward(m, i, B) {
    if (i === 0) return;
    const dIn = m.dOuts[i - 1],
      dOut = m.dOuts[i],
      skip = m.dSkips[i],
      len = B * m.nodes[i].outWidth;
    for (let k = 0; k < len; k++) dIn[k] = dOut[k] + skip[k];
  },
  tensors(n, i, m, B, view, out) {
    out.dSkip = view('∂L/∂x via skip', 'dSkip', [B, n.inWidth], m.dSkips[i]);
  },
  title: () => 'residual begin',
  label: (n) => `${n.name} (in)`,
};

/** The block's sum node: a = F(x) + skip, skip = x₀ or x₀·Pᵀ + c. */
export const residualEnd: NodeOps = {
  buffers: (n) => ({ z: n.outWidth }),
  init(m, i, rng) {
    const n = m.nodes[i];
    if (n.wOff < 0) return;
    fillInit({ kind: 'xavier_uniform' }, m.params, n.wOff, n.wSize, m.nodes[n.partner].inWidth, n.outWidth, rng);
    m.params.fill(0, n.bOff, n.bOff + n.outWidth);
  },
  forward(m, i, B) {
    const n = m.nodes[i],
      x = m.acts[i],
      out = m.acts[i + 1],
      w = n.outWidth,
      len = B * w;
    const skipIn = m.acts[n.partner],
      skip = m.zs[i]; // x₀ [B, in₀], skip [B, w]
    if (n.wOff >= 0) denseForward(skip, skipIn, m.params, n.wOff, n.bOff, B, m.nodes[n.partner].inWidth, w);
    else skip.set(skipIn.subarray(0, len));
    for (let k = 0; k < len; k++) out[k] = x[k] + skip[k];
  },
  backward(m, i, B) {
    const n = m.nodes[i],
      begin = m.nodes[n.partner],
      dSkip = m.dSkips[n.partner],
      dOut = m.dOuts[i],
      w = n.outWidth,
      len = B * w;
    if (i > 0) m.dOuts[i - 1].set(dOut.subarray(0, len));
    if (n.wOff >= 0) {
      dSkip.fill(0, 0, B * begin.inWidth);
      denseBackward(dSkip, m.grads, dOut, m.acts[n.partner], m.params, n.wOff, n.bOff, B, begin.inWidth, w);
    } else dSkip.set(dOut.subarray(0, len));
  },
  paramNames: { w: ['P', 'P'], b: ['c', 'c'] },
  tensors(n, i, m, B, view, out) {
    out.x = { ...out.x!, name: 'F(x)' };
    out.skip = view('skip', 'skip', [B, n.outWidth], m.zs[i]);
  },
  subSteps(n, phase) {
    if (phase !== 'forward') return [];
    return [
      { formula: n.wOff >= 0 ? 'skip = x₀·Pᵀ + c' : 'skip = x₀', keys: ['skip'] },
      { formula: 'a = F(x) + skip', keys: ['x', 'skip', 'a'] },
    ];
  },
  title: () => 'residual end',
  label: (n) => `${n.name} (sum)`,
  paramsLabel: (n) => `${n.name}.proj`,
};
