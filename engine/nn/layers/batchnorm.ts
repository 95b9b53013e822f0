// `batchnorm`: normalisation over the batch dimension with learnable γ (init 1) and β (init 0), and running
// statistics (PyTorch's, momentum-blended, unbiased variance) that evaluation uses instead of the batch's.

import { readOptions } from '../../language/context';
import type { LayerBase } from '../../language/spec';
import type { FloatArray } from '../tensor';
import { optionProposals, type LayerKind } from './kind';

/** Batch norm over the batch dimension, learnable γ (init 1) and β (init 0), running statistics for evaluation. */
export interface BatchNormSpec extends LayerBase {
  readonly kind: 'batchnorm';
  /** Weight of the new batch statistic in the running average (PyTorch's momentum, default 0.1). */
  readonly momentum: number;
  readonly eps: number;
}

/** Running statistics and per-batch values of one batch-norm node, each [w]. */
export interface BatchNormState {
  readonly mean: FloatArray;
  readonly invStd: FloatArray;
  readonly runningMean: FloatArray;
  readonly runningVar: FloatArray;
}

const OPTIONS = {
  momentum: 'Weight of the new batch statistic in the running averages (default 0.1).',
  eps: 'Added to the variance (default 1e-5).',
};

/** The `batchnorm` kind. */
export const batchnorm: LayerKind<BatchNormSpec> = {
  keyword: 'batchnorm',
  example: 'batchnorm bn',
  syntax: 'batchnorm [NAME] [momentum=0.1] [eps=1e-5]',
  doc: 'Batch normalisation: x̂ = (x − μ_B)/√(σ²_B + ε), a = γ·x̂ + β, with learnable γ (init 1) and β (init 0) and running statistics for evaluation.',
  options: OPTIONS,
  ebnf: '"batchnorm" [ NAME ] [ "momentum=" NUMBER ] [ "eps=" NUMBER ] NEWLINE ;',
  reference: { meaning: 'x̂ = (x − μ)/√(σ² + ε), a = γx̂ + β', defaults: '`momentum=0.1`, `eps=1e-5`' },

  parse({ ctx, line, words, options }) {
    ctx.extra({ ...line, toks: words }, 0);
    const o = readOptions(
      ctx,
      line,
      options,
      { momentum: { min: 0, max: 1 }, eps: { min: 0, minExclusive: true } },
      'batchnorm',
    );
    return o && !words.length ? { momentum: o.momentum ?? 0.1, eps: o.eps ?? 1e-5 } : null;
  },
  params: (_s, w) => ({ w, b: w }),
  singleSampleWarning: (where) =>
    `batch norm sees a batch of 1 sample${where}: its output is then β whatever the input, and no gradient reaches the layers before it`,

  hover: (s, { inWidth, B }) => ({
    lines: [
      'Forward',
      '  x̂ = (x − μ_B) / √(σ²_B + ε)',
      '  a = γ ⊙ x̂ + β',
      'Backward',
      '  ∂γ = Σ_batch ∂L/∂a ⊙ x̂     ∂β = Σ_batch ∂L/∂a',
      `  ∂x = γ/(${B}·√(σ²_B + ε)) ⊙ (${B}·∂L/∂a − Σ∂L/∂a − x̂ ⊙ Σ(∂L/∂a ⊙ x̂))`,
    ],
    note: `momentum ${s.momentum}, eps ${s.eps}; γ [${inWidth}] (init 1), β [${inWidth}] (init 0)`,
  }),
  complete: (_words, used) => optionProposals(OPTIONS, used),

  buffers: (n) => ({ z: n.outWidth }),
  state(n, _maxBatch, array, sharedState): BatchNormState {
    const w = n.outWidth,
      shared = sharedState as BatchNormState | null;
    return {
      mean: new array(w),
      invStd: new array(w),
      runningMean: shared?.runningMean ?? new array(w),
      runningVar: shared?.runningVar ?? new array(w).fill(1),
    };
  },
  carried: (st) => [(st as BatchNormState).runningMean, (st as BatchNormState).runningVar],
  carriedNames: ['running_mean', 'running_var'],
  init(m, i) {
    const n = m.nodes[i];
    m.params.fill(1, n.wOff, n.wOff + n.outWidth); // γ
    m.params.fill(0, n.bOff, n.bOff + n.outWidth); // β
  },
  forward(m, i, B, mode) {
    const n = m.nodes[i],
      st = m.states[i] as unknown as BatchNormState,
      w = n.outWidth,
      spec = n.spec as BatchNormSpec;
    const x = m.acts[i],
      xh = m.zs[i],
      out = m.acts[i + 1]; // x, x̂, a: [B, w]
    const training = mode !== 'eval',
      updateRunning = mode === 'train';
    for (let j = 0; j < w; j++) {
      let mean: number, variance: number;
      if (training) {
        let s = 0;
        for (let r = 0; r < B; r++) s += x[r * w + j];
        mean = s / B;
        let v = 0;
        for (let r = 0; r < B; r++) {
          const d = x[r * w + j] - mean;
          v += d * d;
        }
        variance = v / B;
        // Running statistics as PyTorch keeps them: the unbiased variance, blended with `momentum`.
        if (updateRunning) st.runningMean[j] = (1 - spec.momentum) * st.runningMean[j] + spec.momentum * mean;
        if (updateRunning)
          st.runningVar[j] = (1 - spec.momentum) * st.runningVar[j] + spec.momentum * (B > 1 ? v / (B - 1) : variance);
      } else {
        mean = st.runningMean[j];
        variance = st.runningVar[j];
      }
      const inv = 1 / Math.sqrt(variance + spec.eps);
      st.mean[j] = mean;
      st.invStd[j] = inv;
      const g = m.params[n.wOff + j],
        b = m.params[n.bOff + j];
      for (let r = 0; r < B; r++) {
        const k = r * w + j;
        xh[k] = (x[k] - mean) * inv;
        out[k] = g * xh[k] + b;
      }
    }
  },
  backward(m, i, B) {
    const n = m.nodes[i],
      st = m.states[i] as unknown as BatchNormState,
      w = n.outWidth,
      xh = m.zs[i],
      dOut = m.dOuts[i];
    const dIn = i > 0 ? m.dOuts[i - 1] : null; // dx [B, w]
    for (let j = 0; j < w; j++) {
      let sumD = 0,
        sumDX = 0;
      for (let r = 0; r < B; r++) {
        const k = r * w + j;
        sumD += dOut[k];
        sumDX += dOut[k] * xh[k];
      }
      m.grads[n.wOff + j] += sumDX; // dγ [w]
      m.grads[n.bOff + j] += sumD; // dβ [w]
      if (!dIn) continue;
      // dx = γ·invStd/B · (B·dy − Σdy − x̂·Σ(dy·x̂))
      const scale = (m.params[n.wOff + j] * st.invStd[j]) / B;
      for (let r = 0; r < B; r++) {
        const k = r * w + j;
        dIn[k] = scale * (B * dOut[k] - sumD - xh[k] * sumDX);
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
        { formula: 'x̂ = (x − μ_B) / √(σ²_B + ε)', keys: ['x', 'xhat'] },
        { formula: 'a = γ·x̂ + β', keys: ['xhat', 'W', 'b', 'a'] },
      ];
    if (phase !== 'backward') return [];
    return [
      { formula: '∂L/∂a (from the layer above)', keys: ['dA'] },
      { formula: '∂γ = Σ ∂L/∂a ⊙ x̂, ∂β = Σ ∂L/∂a', keys: ['dA', 'xhat', 'gradW', 'gradb'] },
      { formula: '∂x = γ/(B·σ) · (B·∂a − Σ∂a − x̂·Σ(∂a⊙x̂))', keys: ['dA', 'xhat', 'dX'] },
    ];
  },
};
