// `dense`: the fully connected layer z = x·Wᵀ + b, a = φ(z), PyTorch nn.Linear layout (W is [units, in]). The
// products run in the kernels of engine/nn/dense.ts; this file is everything else the house knows about the kind.

import { ACTIVATION_DOCS } from '../../language/activationDocs';
import { at } from '../../language/context';
import { parseInteger, parseNumber, type Token } from '../../language/lexer';
import { LIMITS } from '../../language/limits';
import type { LayerBase } from '../../language/spec';
import {
  activationBackward,
  activationDerivative,
  activationForward,
  LEAKY_SLOPE,
  ACTIVATIONS,
  type Activation,
} from '../activations';
import { denseBackward, denseForward } from '../dense';
import { fillInit, INIT_NAMES, type InitSpec } from '../init';
import { fusedActivation } from '../losses';
import {
  IDENT,
  isActivation,
  optionProposals,
  proposal,
  unknownActivation,
  type LayerKind,
  type LayerStatement,
} from './kind';

/** z = x·Wᵀ + b, a = φ(z). */
export interface DenseSpec extends LayerBase {
  readonly kind: 'dense';
  readonly units: number;
  readonly activation: Activation;
  /** Negative slope when activation is leaky_relu. */
  readonly slope: number;
  readonly init: InitSpec;
  readonly biasInit: InitSpec;
}

const OPTIONS = {
  init: 'Weight initialiser (default xavier).',
  bias_init: 'Bias initialiser (default zeros).',
  slope: 'Negative slope of leaky_relu (default 0.01).',
};

/** The `dense` kind. */
export const dense: LayerKind<DenseSpec> = {
  keyword: 'dense',
  example: 'dense h 4 tanh',
  syntax: 'dense [NAME] UNITS [ACTIVATION] [init=…] [bias_init=…] [slope=…]',
  doc: 'Fully connected layer: z = x·Wᵀ + b, a = φ(z). W is [UNITS × inputs] (PyTorch nn.Linear layout). Activation defaults to identity, init to xavier, bias_init to zeros.',
  options: OPTIONS,
  ebnf: '"dense" [ NAME ] INT [ ACTIVATION ] { dense-option } NEWLINE ;\ndense-option = "init=" INIT | "bias_init=" INIT | "slope=" NUMBER ;',
  reference: {
    meaning: 'z = x·Wᵀ + b, a = φ(z); W is [UNITS × in]',
    defaults: '`identity`, `init=xavier`, `bias_init=zeros`, `slope=0.01` (leaky_relu)',
  },

  parse({ ctx, line, words, options }) {
    let units: number | null = null,
      activation: Activation = 'identity',
      ok = true;
    for (const t of words) {
      const n = parseInteger(t.text);
      if (isActivation(t.text)) activation = t.text;
      else if (/^[-+.\d]/.test(t.text) && units === null) {
        if (n === null || n < 1) {
          ctx.error(at(line, t), `the layer width must be a positive integer, not '${t.text}'`);
          ok = false;
        } else if (n > LIMITS.maxUnits) {
          ctx.error(at(line, t), `width ${n} is larger than the limit of ${LIMITS.maxUnits}`);
          ok = false;
        } else units = n;
      } else if (units === null && IDENT.test(t.text)) {
        ctx.error(at(line, t), `expected the layer width (a positive integer) here, not '${t.text}'`);
        ok = false;
      } else {
        ctx.error(at(line, t), IDENT.test(t.text) ? unknownActivation(t.text) : `unexpected '${t.text}'`);
        ok = false;
      }
    }
    if (units === null && ok) {
      ctx.error(line.whole, "expected the layer width, e.g. 'dense h1 4 tanh'");
      ok = false;
    }
    const opts = denseOptions({ ctx, line, words, options }, activation);
    if (!ok || units === null || !opts) return null;
    return { units, activation, ...opts };
  },
  validate: (s) =>
    Number.isInteger(s.units) && s.units >= 1 ? null : `layer '${s.name}' has ${s.units} units; it needs at least 1`,
  outWidth: (s) => s.units,
  params: (s, inWidth) => ({ w: s.units * inWidth, b: s.units }),
  activation: (s) => ({ activation: s.activation, slope: s.slope }),

  hover(s, { inWidth, B, isOutput, loss }) {
    const shape = (b: string, w: number) => `[${b}×${w}]`;
    const act = ACTIVATION_DOCS[s.activation];
    const fused = isOutput && loss !== null && fusedActivation(loss as never) === s.activation;
    const lines = [
      'Forward',
      `  z = x·Wᵀ + b        ${shape(B, s.units)}   W [${s.units}×${inWidth}], b [${s.units}]`,
      `  ${act.forward}`,
    ];
    lines.push(
      'Backward',
      fused
        ? `  δ = (a − y)/${loss === 'bce' && s.units > 1 ? `(${B}·${s.units})` : B}      (fused with ${loss}: the per-sample a − y, averaged over the ${loss === 'bce' ? 'batch and outputs' : 'batch'})`
        : s.activation === 'softmax'
          ? '  δ = Jᵀ·∂L/∂a,  J = diag(a) − a·aᵀ per row'
          : `  δ = ∂L/∂a ⊙ φ′(z),  ${act.derivative}`,
    );
    lines.push(
      `  ∂W = δᵀ·x          [${s.units}×${inWidth}]`,
      `  ∂b = Σ_batch δ      [${s.units}]`,
      `  ∂x = δ·W            ${shape(B, inWidth)}`,
    );
    return {
      lines,
      note: `init ${s.init.kind}, bias ${s.biasInit.kind}${s.activation === 'leaky_relu' ? `, slope ${s.slope}` : ''}`,
    };
  },
  complete(words, used) {
    if (words.length < 2) return [];
    const hasAct = words.slice(1).some(isActivation);
    return [
      ...(hasAct ? [] : activationProposals()),
      ...optionProposals(OPTIONS, used, (k) => k !== 'slope' || words.includes('leaky_relu')),
    ];
  },

  buffers: (n) => ({ z: n.outWidth, delta: n.outWidth }),
  init(m, i, rng) {
    const n = m.nodes[i],
      s = n.spec as DenseSpec;
    fillInit(s.init, m.params, n.wOff, n.wSize, n.inWidth, n.outWidth, rng);
    fillInit(s.biasInit, m.params, n.bOff, n.outWidth, n.inWidth, n.outWidth, rng);
  },
  forward(m, i, B) {
    const n = m.nodes[i];
    denseForward(m.zs[i], m.acts[i], m.params, n.wOff, n.bOff, B, n.inWidth, n.outWidth); // z [B, out]
    activationForward(n.activation, m.acts[i + 1], m.zs[i], B, n.outWidth, n.slope); // a [B, out]
  },
  backward(m, i, B, fused) {
    const n = m.nodes[i],
      dIn = i > 0 ? m.dOuts[i - 1] : null;
    // A fused output's δ was written by the loss; otherwise δ = ∂L/∂a ⊙ φ′(z).
    if (!fused)
      activationBackward(n.activation, m.deltas[i], m.dOuts[i], m.zs[i], m.acts[i + 1], B, n.outWidth, n.slope);
    if (dIn) dIn.fill(0, 0, B * n.inWidth); // dx [B, in], accumulated by the kernel
    denseBackward(dIn, m.grads, m.deltas[i], m.acts[i], m.params, n.wOff, n.bOff, B, n.inWidth, n.outWidth);
  },
  logits: (m, i) => m.zs[i],
  fusedDelta: (m, i) => m.deltas[i],
  phiPrime(m, i, B, out) {
    const n = m.nodes[i];
    return activationDerivative(n.activation, out, m.zs[i], m.acts[i + 1], B * n.outWidth, n.slope);
  },
  paramNames: { w: ['W', 'W'], b: ['b', 'b'] },
  tensors(n, i, m, B, view, out) {
    out.z = view('z', 'z', [B, n.outWidth], m.zs[i]);
    out.delta = view('δ = ∂L/∂z', 'delta', [B, n.outWidth], m.deltas[i]);
  },
  subSteps(n, phase, fusedOutput, isLast) {
    if (phase === 'forward')
      return [
        { formula: 'z = x·Wᵀ + b', keys: ['x', 'W', 'b', 'z'] },
        { formula: `a = ${n.activation === 'identity' ? 'z' : `${n.activation}(z)`}`, keys: ['z', 'a'] },
      ];
    if (phase !== 'backward') return [];
    const fused = fusedOutput && isLast;
    return [
      { formula: fused ? '∂L/∂a (fused with the loss)' : '∂L/∂a = Wᵀ′·δ′ (from the layer above)', keys: ['dA'] },
      {
        formula: fused ? 'δ = (a − y)/N (fused softmax/sigmoid + loss)' : `δ = ∂L/∂a ⊙ ${n.activation}′(z)`,
        keys: fused ? ['a', 'delta'] : ['dA', 'z', 'dphi', 'delta'],
      },
      { formula: '∂W = δᵀ·x', keys: ['delta', 'x', 'gradW'] },
      { formula: '∂b = Σ_batch δ', keys: ['delta', 'gradb'] },
      { formula: '∂x = δ·W', keys: ['delta', 'W', 'dX'] },
    ];
  },
  title: (n) => `dense ${n.inWidth}→${n.outWidth} ${n.activation}`,
};

/** Every activation as a completion proposal. */
export function activationProposals() {
  return ACTIVATIONS.map((a) => proposal(a, 'activation', ACTIVATION_DOCS[a].forward, ACTIVATION_DOCS[a].doc));
}

function denseOptions(
  { ctx, line, options }: LayerStatement,
  activation: Activation,
): { init: InitSpec; biasInit: InitSpec; slope: number } | null {
  let init: InitSpec = { kind: 'xavier_uniform' },
    biasInit: InitSpec = { kind: 'zeros' },
    slope = LEAKY_SLOPE,
    ok = true;
  for (const t of options as readonly Token[]) {
    const [key, value] = [t.text.slice(0, t.text.indexOf('=')), t.text.slice(t.text.indexOf('=') + 1)];
    if (key === 'init' || key === 'bias_init') {
      const r = parseInit(value);
      if (typeof r === 'string') {
        ctx.error(at(line, t), r);
        ok = false;
      } else if (key === 'init') init = r;
      else biasInit = r;
    } else if (key === 'slope' && activation === 'leaky_relu') {
      const v = parseNumber(value);
      if (v === null || v < 0) {
        ctx.error(at(line, t), `invalid slope '${value}'; expected a number ≥ 0`);
        ok = false;
      } else slope = v;
    } else {
      ctx.error(
        at(line, t),
        `unknown dense parameter '${key}'; expected init=…, bias_init=…${activation === 'leaky_relu' ? ', slope=…' : ''}`,
      );
      ok = false;
    }
  }
  return ok ? { init, biasInit, slope } : null;
}

/** Parses `xavier`, `constant(0.1)`, `uniform(-0.1,0.1)`, `normal(0.02)`…; returns an error message on failure. */
export function parseInit(text: string): InitSpec | string {
  const m = /^([a-z_]+)(?:\(([^)]*)\))?$/.exec(text);
  const kind = m && Object.prototype.hasOwnProperty.call(INIT_NAMES, m[1]) ? INIT_NAMES[m[1]] : undefined;
  if (!m || !kind) return `unknown initialiser '${text}'; expected one of ${Object.keys(INIT_NAMES).join(', ')}`;
  const args = m[2] === undefined ? [] : m[2].split(',').map((s) => parseNumber(s.trim()));
  if (args.some((a) => a === null)) return `the arguments of '${text}' must be numbers`;
  const nums = args as number[];
  switch (kind) {
    case 'constant':
      return nums.length === 1 ? { kind, value: nums[0] } : `write constant(VALUE), e.g. constant(0.1)`;
    case 'uniform':
      return nums.length === 2 && nums[0] < nums[1]
        ? { kind, low: nums[0], high: nums[1] }
        : `write uniform(LOW,HIGH) with LOW < HIGH, e.g. uniform(-0.1,0.1)`;
    case 'normal':
      return nums.length === 1 && nums[0] > 0
        ? { kind, std: nums[0] }
        : `write normal(STD) with STD > 0, e.g. normal(0.02)`;
    default:
      return nums.length === 0 ? { kind } : `'${m[1]}' takes no arguments`;
  }
}
