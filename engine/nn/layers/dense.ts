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
  W: 'The weights written out, one row per unit: W=[[w11,w12],[w21,w22]] (no spaces), [units × inputs].',
  b: 'The biases written out: b=[b1,b2] (no spaces), one per unit.',
  slope: 'Negative slope of leaky_relu (default 0.01).',
};

/** The `dense` kind. */
export const dense: LayerKind<DenseSpec> = {
  keyword: 'dense',
  example: 'dense h 4 tanh',
  syntax: 'dense [NAME] UNITS [ACTIVATION] [init=… or W=…] [bias_init=… or b=…] [slope=…]',
  doc: 'Fully connected layer: z = x·Wᵀ + b, a = φ(z). W is [UNITS × inputs] (PyTorch nn.Linear layout). Activation defaults to identity, init to xavier, bias_init to zeros.',
  options: OPTIONS,
  ebnf: '"dense" [ NAME ] INT [ ACTIVATION ] { dense-option } NEWLINE ;\ndense-option = "init=" INIT | "bias_init=" INIT | "W=" MATRIX | "b=" VECTOR | "slope=" NUMBER ;',
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
    const opts = denseOptions({ ctx, line, words, options }, activation, units);
    if (!ok || units === null || !opts) return null;
    return { units, activation, ...opts };
  },
  validate: (s) =>
    Number.isInteger(s.units) && s.units >= 1 ? null : `layer '${s.name}' has ${s.units} units; it needs at least 1`,
  outWidth: (s) => s.units,
  checkInput: (s, inWidth) =>
    s.init.kind === 'values' && s.init.shape[1] !== inWidth
      ? `W has ${s.init.shape[1]} column${s.init.shape[1] === 1 ? '' : 's'} but the layer's input is ${inWidth} wide: one column per input, [${s.units} × ${inWidth}]`
      : null,
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
      note: `${s.init.kind === 'values' ? 'W as written' : `init ${s.init.kind}`}, ${s.biasInit.kind === 'values' ? 'b as written' : `bias ${s.biasInit.kind}`}${s.activation === 'leaky_relu' ? `, slope ${s.slope}` : ''}`,
    };
  },
  complete(words, used) {
    if (words.length < 2) return [];
    const hasAct = words.slice(1).some(isActivation);
    return [
      ...(hasAct ? [] : activationProposals()),
      ...optionProposals(OPTIONS, used, (k) => {
        if (k === 'slope') return words.includes('leaky_relu');
        // Written values and an initialiser are two ways to say the same thing: offer the other only when unused.
        const rival = { W: 'init', init: 'W', b: 'bias_init', bias_init: 'b' }[k];
        return rival === undefined || !used.has(rival);
      }),
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
  backward(m, i, B, fused, fresh = false) {
    const n = m.nodes[i],
      dIn = i > 0 ? m.dOuts[i - 1] : null;
    // A fused output's δ was written by the loss; otherwise δ = ∂L/∂a ⊙ φ′(z).
    if (!fused)
      activationBackward(n.activation, m.deltas[i], m.dOuts[i], m.zs[i], m.acts[i + 1], B, n.outWidth, n.slope);
    // dx [B, in] is accumulated by the kernel from zeros: placed there, or (fresh) in the kernel's own memory.
    if (dIn && !fresh) dIn.fill(0, 0, B * n.inWidth);
    denseBackward(dIn, m.grads, m.deltas[i], m.acts[i], m.params, n.wOff, n.bOff, B, n.inWidth, n.outWidth, fresh);
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
  units: number | null,
): { init: InitSpec; biasInit: InitSpec; slope: number } | null {
  let init: InitSpec = { kind: 'xavier_uniform' },
    biasInit: InitSpec = { kind: 'zeros' },
    slope = LEAKY_SLOPE,
    ok = true;
  const seen = new Set<string>();
  for (const t of options as readonly Token[]) {
    const [key, value] = [t.text.slice(0, t.text.indexOf('=')), t.text.slice(t.text.indexOf('=') + 1)];
    const rival = { W: 'init', init: 'W', b: 'bias_init', bias_init: 'b' }[key];
    seen.add(key);
    if (rival && seen.has(rival)) {
      ctx.error(
        at(line, t),
        `write either ${rival}=… or ${key}=…, not both: they both set the layer's starting values`,
      );
      ok = false;
    } else if (key === 'W' || key === 'b') {
      const r = parseValues(value, key === 'W' ? 2 : 1);
      if (typeof r === 'string') {
        ctx.error(at(line, t), `${key}=…: ${r}`);
        ok = false;
      } else if (units !== null && r.shape[0] !== units) {
        const n = r.shape[0];
        ctx.error(
          at(line, t),
          key === 'W'
            ? `W has ${n} row${n === 1 ? '' : 's'} but the layer has ${units} unit${units === 1 ? '' : 's'}: one row per unit, [${units} × inputs]`
            : `b has ${n} value${n === 1 ? '' : 's'} but the layer has ${units} unit${units === 1 ? '' : 's'}: one per unit`,
        );
        ok = false;
      } else if (key === 'W') init = r;
      else biasInit = r;
    } else if (key === 'init' || key === 'bias_init') {
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
        `unknown dense parameter '${key}'; expected init=…, bias_init=…, W=[[…]], b=[…]${activation === 'leaky_relu' ? ', slope=…' : ''}`,
      );
      ok = false;
    }
  }
  return ok ? { init, biasInit, slope } : null;
}

/** Entries a written W or b may hold: enough for any lesson, small enough to stay readable in a source line. */
export const MAX_WRITTEN_VALUES = 4096;

/**
 * Parses a written tensor, `[[0.1,0.2],[0.3,0.4]]` (rank 2) or `[0,0]` (rank 1): finite numbers in rectangular
 * brackets. Returns the values row-major with their shape, or an error message.
 */
export function parseValues(text: string, rank: 1 | 2): Extract<InitSpec, { kind: 'values' }> | string {
  const example = rank === 2 ? '[[0.1,0.2],[0.3,0.4]]' : '[0,0]';
  if (text.length > MAX_WRITTEN_VALUES * 24) return `too long; write at most ${MAX_WRITTEN_VALUES} values`;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return `write numbers in brackets with no spaces, e.g. ${example}`;
  }
  const isNums = (a: unknown): a is number[] =>
    Array.isArray(a) && a.length > 0 && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (rank === 1) return isNums(v) ? { kind: 'values', values: v, shape: [v.length] } : `expected ${example}`;
  if (!Array.isArray(v) || v.length === 0 || !v.every(isNums)) return `expected rows of numbers, e.g. ${example}`;
  const rows = v as number[][];
  const bad = rows.findIndex((r) => r.length !== rows[0].length);
  if (bad >= 0)
    return `row ${bad + 1} has ${rows[bad].length} value${rows[bad].length === 1 ? '' : 's'}, row 1 has ${rows[0].length}`;
  if (rows.length * rows[0].length > MAX_WRITTEN_VALUES) return `more than ${MAX_WRITTEN_VALUES} values`;
  return { kind: 'values', values: rows.flat(), shape: [rows.length, rows[0].length] };
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
