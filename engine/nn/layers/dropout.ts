// `dropout`: inverted dropout. Training zeroes each value with probability p and scales the rest by 1/(1 − p);
// evaluation is the identity. The mask (0 or 1/(1 − p)) is kept in zs, so backward and gradient checks reuse it.

import { at, readOptions } from '../../language/context';
import { parseNumber } from '../../language/lexer';
import type { LayerBase } from '../../language/spec';
import type { LayerKind } from './kind';

/** Inverted dropout: in training, zero each value with probability p and scale the rest by 1/(1 − p). */
export interface DropoutSpec extends LayerBase {
  readonly kind: 'dropout';
  readonly p: number;
}

/** The `dropout` kind. */
export const dropout: LayerKind<DropoutSpec> = {
  keyword: 'dropout',
  example: 'dropout 0.5',
  syntax: 'dropout [NAME] P',
  doc: 'Inverted dropout: while training, zero each value with probability P and scale the rest by 1/(1 − P); the identity when evaluating.',
  options: {},
  ebnf: '"dropout" [ NAME ] NUMBER NEWLINE ;',
  reference: { meaning: 'inverted dropout, 0 ≤ P < 1', defaults: '—' },

  parse({ ctx, line, words, options }) {
    const t = words[0];
    const p = t ? parseNumber(t.text) : null;
    if (p === null || p < 0 || p >= 1) {
      ctx.error(t ? at(line, t) : line.whole, "expected the drop probability p, 0 ≤ p < 1, e.g. 'dropout 0.5'");
      return null;
    }
    ctx.extra({ ...line, toks: words }, 1);
    return readOptions(ctx, line, options, {}, 'dropout') && words.length === 1 ? { p } : null;
  },
  validate: (s) => (s.p >= 0 && s.p < 1 ? null : `dropout '${s.name}' has p = ${s.p}; it needs 0 ≤ p < 1`),

  hover: (s) => ({
    lines: [
      'Forward (training)',
      `  a = x ⊙ m / (1 − ${s.p}),  m ~ Bernoulli(${+(1 - s.p).toFixed(6)})`,
      'Forward (evaluation)',
      '  a = x',
      'Backward',
      `  ∂x = ∂L/∂a ⊙ m / (1 − ${s.p})`,
    ],
  }),

  buffers: (n) => ({ z: n.outWidth }),
  draws: true,
  forward(m, i, B, mode, rng) {
    const n = m.nodes[i],
      x = m.acts[i],
      out = m.acts[i + 1],
      len = B * n.outWidth;
    const p = (n.spec as DropoutSpec).p,
      mask = m.zs[i],
      keep = 1 / (1 - p); // mask [B, w]
    for (let k = 0; k < len; k++) {
      if (mode === 'eval' || p === 0) mask[k] = 1;
      else if (mode === 'train') mask[k] = rng.next() < p ? 0 : keep;
      out[k] = x[k] * mask[k];
    }
  },
  backward(m, i, B) {
    if (i === 0) return;
    const dIn = m.dOuts[i - 1],
      dOut = m.dOuts[i],
      mask = m.zs[i],
      len = B * m.nodes[i].outWidth;
    for (let k = 0; k < len; k++) dIn[k] = dOut[k] * mask[k];
  },
  tensors(n, i, m, B, view, out) {
    out.mask = view('mask', 'mask', [B, n.outWidth], m.zs[i]);
  },
};
