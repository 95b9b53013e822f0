// `activation`: a = φ(x) as a layer of its own (after batch norm, say); no parameters.

import { ACTIVATION_DOCS } from '../../language/activationDocs';
import { at, readOptions } from '../../language/context';
import type { LayerBase } from '../../language/spec';
import { activationBackward, activationForward, LEAKY_SLOPE, type Activation } from '../activations';
import { activationProposals } from './dense';
import { isActivation, unknownActivation, type LayerKind } from './kind';

/** a = φ(x), a layer of its own (e.g. after batch norm). */
export interface ActivationSpec extends LayerBase {
  readonly kind: 'activation';
  readonly activation: Activation;
  readonly slope: number;
}

/** The `activation` kind. */
export const activation: LayerKind<ActivationSpec> = {
  keyword: 'activation',
  example: 'activation tanh',
  syntax: 'activation [NAME] ACTIVATION [slope=…]',
  doc: 'An activation on its own line, a = φ(x), e.g. after batchnorm.',
  options: { slope: 'Negative slope of leaky_relu (default 0.01).' },
  ebnf: '"activation" [ NAME ] ACTIVATION [ "slope=" NUMBER ] NEWLINE ;',
  reference: { meaning: 'a = φ(x) as its own layer', defaults: '`slope=0.01`' },

  parse({ ctx, line, words, options }) {
    const t = words[0];
    if (!t || !isActivation(t.text)) {
      ctx.error(
        t ? at(line, t) : line.whole,
        t ? unknownActivation(t.text) : `expected an activation, e.g. 'activation relu'`,
      );
      return null;
    }
    ctx.extra({ ...line, toks: words }, 1);
    const o = readOptions(ctx, line, options, t.text === 'leaky_relu' ? { slope: { min: 0 } } : {}, 'activation');
    if (!o || words.length > 1) return null;
    return { activation: t.text, slope: o.slope ?? LEAKY_SLOPE };
  },
  activation: (s) => ({ activation: s.activation, slope: s.slope }),

  hover(s) {
    const act = ACTIVATION_DOCS[s.activation];
    return {
      lines: [
        'Forward',
        `  ${act.forward.replace(/z/g, 'x')}`,
        'Backward',
        `  ∂x = ∂L/∂a ⊙ φ′(x),  ${act.derivative.replace(/z/g, 'x')}`,
      ],
    };
  },
  complete: (words) =>
    words.length === 1 || (words.length === 2 && !isActivation(words[1])) ? activationProposals() : [],

  buffers: () => ({}),
  forward(m, i, B) {
    const n = m.nodes[i];
    activationForward(n.activation, m.acts[i + 1], m.acts[i], B, n.outWidth, n.slope); // a [B, w]
  },
  backward(m, i, B, fused) {
    const n = m.nodes[i];
    // With a fused output the loss already wrote δ = ∂L/∂(input) into dOuts[i−1].
    if (i > 0 && !fused)
      activationBackward(n.activation, m.dOuts[i - 1], m.dOuts[i], m.acts[i], m.acts[i + 1], B, n.outWidth, n.slope);
  },
  // Fused, the loss writes δ = ∂L/∂(input) where the node's backward would have: straight into the layer below.
  fusedDelta: (m, i) => m.dOuts[i - 1] ?? null,
  title: (n) => `activation ${n.activation}`,
};
