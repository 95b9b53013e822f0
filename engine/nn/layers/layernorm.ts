// `layernorm`: layer normalisation (Ba et al. 2016, the normalisation transformers use). Each sample is normalised
// over its own features — x̂ = (x − μ)/√(σ² + ε) with μ, σ² the mean and biased variance of the sample's row — then
// a = γ·x̂ + β with learnable γ (init 1) and β (init 0) per feature. PyTorch nn.LayerNorm semantics. Unlike batch
// norm it uses no batch statistics: training and evaluation compute the same thing, and a batch of 1 is fine.

import { readOptions } from '../../language/context';
import type { LayerBase } from '../../language/spec';
import type { FloatArray } from '../tensor';
import { optionProposals, type LayerKind } from './kind';

/** Layer norm over the features of each sample, learnable γ (init 1) and β (init 0). */
export interface LayerNormSpec extends LayerBase {
  readonly kind: 'layernorm';
  /** Added to the variance under the square root (PyTorch's eps, default 1e-5). */
  readonly eps: number;
}

/** Per-sample statistics of the latest forward pass, each [maxBatch]: the backward pass needs 1/σ (μ is kept to inspect). */
interface LayerNormState {
  readonly mean: FloatArray;
  readonly invStd: FloatArray;
}

const OPTIONS = { eps: 'Added to the variance under the square root (default 1e-5).' };

/** The `layernorm` kind. */
export const layernorm: LayerKind<LayerNormSpec> = {
  keyword: 'layernorm',
  example: 'layernorm ln',
  syntax: 'layernorm [NAME] [eps=1e-5]',
  doc: "Layer normalisation: each sample is normalised over its own features, x̂ = (x − μ)/√(σ² + ε) with the sample's mean μ and (biased) variance σ², then a = γ·x̂ + β with learnable γ (init 1) and β (init 0). No batch statistics: the same in training and evaluation, and fine with a batch of 1.",
  options: OPTIONS,
  ebnf: '"layernorm" [ NAME ] [ "eps=" NUMBER ] NEWLINE ;',
  reference: { meaning: 'per sample: x̂ = (x − μ)/√(σ² + ε) over its features, a = γx̂ + β', defaults: '`eps=1e-5`' },

  parse({ ctx, line, words, options }) {
    ctx.extra({ ...line, toks: words }, 0);
    const o = readOptions(ctx, line, options, { eps: { min: 0, minExclusive: true } }, 'layernorm');
    return o && !words.length ? { eps: o.eps ?? 1e-5 } : null;
  },
  validate: (s) => (s.eps > 0 ? null : `layernorm '${s.name}' has eps = ${s.eps}; it needs eps > 0`),
  params: (_s, w) => ({ w, b: w }),

  hover: (s, { inWidth }) => ({
    lines: [
      'Forward (per sample, over its features)',
      `  μ = Σ_j x_j / ${inWidth}     σ² = Σ_j (x_j − μ)² / ${inWidth}`,
      '  x̂ = (x − μ) / √(σ² + ε)',
      '  a = γ ⊙ x̂ + β',
      'Backward',
      '  ∂γ = Σ_batch ∂L/∂a ⊙ x̂     ∂β = Σ_batch ∂L/∂a',
      '  g = γ ⊙ ∂L/∂a',
      `  ∂x = 1/√(σ² + ε) ⊙ (g − Σ_j g/${inWidth} − x̂ ⊙ Σ_j(g ⊙ x̂)/${inWidth})`,
    ],
    note: `eps ${s.eps}; γ [${inWidth}] (init 1), β [${inWidth}] (init 0)${inWidth === 1 ? '; with one feature x̂ is always 0, so the output is β' : ''}`,
  }),
  complete: (_words, used) => optionProposals(OPTIONS, used),

  buffers: (n) => ({ z: n.outWidth }),
  state: (_n, maxBatch, array): LayerNormState => ({ mean: new array(maxBatch), invStd: new array(maxBatch) }),
  init(m, i) {
    const n = m.nodes[i];
    m.params.fill(1, n.wOff, n.wOff + n.outWidth); // γ
    m.params.fill(0, n.bOff, n.bOff + n.outWidth); // β
  },
  forward(m, i, B) {
    const n = m.nodes[i],
      st = m.states[i] as unknown as LayerNormState,
      w = n.outWidth,
      eps = (n.spec as LayerNormSpec).eps;
    const x = m.acts[i],
      xh = m.zs[i],
      out = m.acts[i + 1],
      p = m.params,
      g = n.wOff,
      b = n.bOff; // x, x̂, a: [B, w]; γ, β: [w]
    for (let r = 0; r < B; r++) {
      const row = r * w;
      let s = 0;
      for (let j = 0; j < w; j++) s += x[row + j];
      const mean = s / w;
      let v = 0;
      for (let j = 0; j < w; j++) {
        const d = x[row + j] - mean;
        v += d * d;
      }
      const inv = 1 / Math.sqrt(v / w + eps); // biased variance, ε inside the square root (as PyTorch)
      st.mean[r] = mean;
      st.invStd[r] = inv;
      for (let j = 0; j < w; j++) {
        const k = row + j;
        xh[k] = (x[k] - mean) * inv;
        out[k] = p[g + j] * xh[k] + p[b + j];
      }
    }
  },
  backward(m, i, B) {
    const n = m.nodes[i],
      st = m.states[i] as unknown as LayerNormState,
      w = n.outWidth;
    const xh = m.zs[i],
      dOut = m.dOuts[i],
      p = m.params,
      d = m.grads,
      g = n.wOff,
      b = n.bOff; // x̂, ∂L/∂a: [B, w]
    const dIn = i > 0 ? m.dOuts[i - 1] : null; // dx [B, w]
    for (let r = 0; r < B; r++) {
      const row = r * w;
      // Σ_j g and Σ_j g·x̂ over the sample's features, g = γ ⊙ ∂L/∂a = ∂L/∂x̂.
      let sumG = 0,
        sumGX = 0;
      for (let j = 0; j < w; j++) {
        const k = row + j,
          dy = dOut[k];
        d[g + j] += dy * xh[k]; // dγ [w]
        d[b + j] += dy; // dβ [w]
        const gk = p[g + j] * dy;
        sumG += gk;
        sumGX += gk * xh[k];
      }
      if (!dIn) continue;
      // dx = invStd · (g − mean_j g − x̂ · mean_j(g·x̂))
      const inv = st.invStd[r],
        meanG = sumG / w,
        meanGX = sumGX / w;
      for (let j = 0; j < w; j++) {
        const k = row + j;
        dIn[k] = inv * (p[g + j] * dOut[k] - meanG - xh[k] * meanGX);
      }
    }
  },
  paramNames: { w: ['γ', 'gamma'], b: ['β', 'beta'], wIsVector: true },
  tensors(n, i, m, B, view, out) {
    out.xhat = view('x̂', 'xhat', [B, n.outWidth], m.zs[i]);
  },
  subSteps(_n, phase) {
    if (phase === 'forward')
      return [
        { formula: "x̂ = (x − μ) / √(σ² + ε), μ and σ² over each sample's features", keys: ['x', 'xhat'] },
        { formula: 'a = γ·x̂ + β', keys: ['xhat', 'W', 'b', 'a'] },
      ];
    if (phase !== 'backward') return [];
    return [
      { formula: '∂L/∂a (from the layer above)', keys: ['dA'] },
      { formula: '∂γ = Σ_batch ∂L/∂a ⊙ x̂, ∂β = Σ_batch ∂L/∂a', keys: ['dA', 'xhat', 'gradW', 'gradb'] },
      { formula: '∂x = (g − mean_j g − x̂·mean_j(g⊙x̂))/σ, g = γ⊙∂L/∂a', keys: ['dA', 'xhat', 'W', 'dX'] },
    ];
  },
};
