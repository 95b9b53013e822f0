// What a layer kind declares to the rest of the house: its keyword, options and docs (parser, checker, hover,
// completion, outline, reference docs), its parameters, buffers and forward/backward (model, gradient check), the
// tensors a stop shows and its Step Into formulas (debugger). One object per kind; engine/nn/layers/index.ts lists them.

import { ACTIVATIONS, type Activation } from '../activations';
import type { FloatArray } from '../tensor';
import type { Prng } from '../prng';
import type { ForwardMode, Model, ModelNode } from '../model';
import type { Completion } from '../../language/completion';
import type { Line, ParseContext } from '../../language/context';
import type { Token } from '../../language/lexer';
import type { LayerBase } from '../../language/spec';
import type { NamedTensor } from '../../runtime/snapshot';
import type { Phase } from '../../runtime/trainer';

/** One Step Into sub-step: a formula and the snapshot keys (see engine/runtime/snapshot.ts) of its operands and result. */
export interface SubStepDef {
  readonly formula: string;
  /** TensorKey values, or `dphi` for φ′(z) computed for display. */
  readonly keys: readonly string[];
}

/** The role of a tensor within its node: what every view and the stop logic agree on. */
export type TensorKey =
  'x' | 'z' | 'a' | 'dA' | 'dX' | 'delta' | 'W' | 'b' | 'gradW' | 'gradb' | 'mask' | 'xhat' | 'skip' | 'dSkip';

/** Makes a named view of `[B × …]` or parameter memory of the node being described (see snapshot.ts). */
export type TensorView = (label: string, path: string, shape: number[], buf: FloatArray, off?: number) => NamedTensor;

/**
 * Per-node memory a kind keeps beyond the shared buffers (batch statistics, say), owned by the kind. What its
 * `carried` names is saved and restored with the trainer's state, so rewinding restores it; anything else is
 * recomputed by the next forward pass.
 */
export type NodeState = object;

/**
 * What a node of the flattened network does. Layer kinds implement it for their one node; a residual block
 * implements it for its begin and end nodes. Forward and backward receive the model and the node's index, so the
 * hot loops read the model's arrays directly (no per-call objects, no per-element indirection).
 */
export interface NodeOps {
  /** Widths of the node's own [B × width] buffers: zs (the kind's intermediate), deltas (δ = ∂L/∂z), dSkips. */
  buffers(n: ModelNode): { readonly z?: number; readonly delta?: number; readonly skip?: number };
  /** Extra per-node memory; `shared` is the training model's state when this model is its evaluation twin. */
  state?<Arr extends FloatArray>(
    n: ModelNode,
    maxBatch: number,
    array: new (n: number) => Arr,
    shared: NodeState | null,
  ): NodeState;
  /**
   * The arrays of its state that training carries from step to step (batch norm's running mean and variance): the
   * trainer saves and restores them with its state, so rewinding restores them.
   */
  carried?(state: NodeState): readonly FloatArray[];
  /**
   * Names of the `carried` arrays (each [outWidth]) in a weights file, `<layer>.<name>`: PyTorch's buffer names,
   * e.g. batch norm's `running_mean` and `running_var` (engine/io/weights.ts).
   */
  readonly carriedNames?: readonly string[];
  /** Initialises the node's parameters. */
  init?<Arr extends FloatArray>(m: Model<Arr>, i: number, rng: Prng): void;
  /** Reads acts[i], writes acts[i+1] and the node's own buffers. */
  forward<Arr extends FloatArray>(m: Model<Arr>, i: number, B: number, mode: ForwardMode, rng: Prng): void;
  /**
   * Reads dOuts[i] (or, for a fused output, δ already written by the loss), accumulates parameter gradients with
   * +=, and assigns ∂L/∂(input) into dOuts[i−1] (absent for node 0). `fresh`: the node's parameter gradients are
   * zeros that nothing reads first (a step's first micro-batch), so a kind may write them instead of adding to them,
   * with the same bits (dense does: its kernels then skip copying them in).
   */
  backward<Arr extends FloatArray>(m: Model<Arr>, i: number, B: number, fused: boolean, fresh?: boolean): void;
  /** The logits when this node is the output (default: its input, acts[i]). */
  logits?<Arr extends FloatArray>(m: Model<Arr>, i: number): Arr;
  /** True when training draws random numbers into zs (dropout's mask), which a gradient check must hold fixed. */
  readonly draws?: boolean;
  /** Display and expression names of the parameter tensors: [label, path] for W-like and b-like. */
  readonly paramNames?: {
    readonly w: readonly [string, string];
    readonly b: readonly [string, string];
    readonly wIsVector?: boolean;
  };
  /** Adds the kind's own tensors (z, δ, x̂, mask, …) to the node's tensor list. */
  tensors?(
    n: ModelNode,
    i: number,
    m: Model<FloatArray>,
    B: number,
    view: TensorView,
    out: Partial<Record<TensorKey, NamedTensor>>,
  ): void;
  /** Step Into: the sub-steps of a forward or backward event of this node (none: not worth stepping into). */
  subSteps?(n: ModelNode, phase: Phase, fusedOutput: boolean, isLast: boolean): SubStepDef[];
  /** Layer Inspector title after the name, e.g. `dense 2→4 tanh` (default: the kind). */
  title?(n: ModelNode): string;
  /**
   * Where a fused loss (softmax + cross_entropy, sigmoid + bce) writes δ = (a − y)/N when this node is the output
   * and applies the loss's activation: the buffer its backward reads instead of ∂L/∂a. Absent: never fused (the
   * loss then goes through the node's own backward).
   */
  fusedDelta?<Arr extends FloatArray>(m: Model<Arr>, i: number): Arr | null;
  /**
   * φ′(z) of the activation the node applies to its own pre-activation z, written into `out` ([B × outWidth]) for
   * display: the backward pass multiplies by it without storing it. False when φ′ is not elementwise (softmax).
   * Present on kinds whose δ = ∂L/∂a ⊙ φ′(z) the views decompose (Step Into's `dphi`, the Layer Inspector).
   */
  phiPrime?(m: Model<FloatArray>, i: number, B: number, out: FloatArray): boolean;
  /** How stops and the Call Stack name the node (default: its name), e.g. `block (sum)`. */
  label?(n: ModelNode): string;
  /** The name of its parameters in gradient statistics and gradient checks (default: its name), e.g. `block.proj`. */
  paramsLabel?(n: ModelNode): string;
}

/** The tokens of one layer statement after its keyword and optional name. */
export interface LayerStatement {
  readonly ctx: ParseContext;
  readonly line: Line;
  /** Tokens without `=`. */
  readonly words: readonly Token[];
  /** `key=value` tokens. */
  readonly options: readonly Token[];
}

/** A layer as the hover sees it: where it sits, its widths and how many copies a `repeat` made. */
export interface LayerHoverContext {
  readonly inWidth: number;
  readonly outWidth: number;
  /** The batch size as written (`B` when unknown). */
  readonly B: string;
  readonly isOutput: boolean;
  readonly loss: string | null;
}

/** A layer statement kind (`dense`, `batchnorm`, …): the language side and the node it becomes. */
export interface LayerKind<
  S extends LayerBase & { readonly kind: string } = LayerBase & { readonly kind: string },
> extends NodeOps {
  readonly keyword: S['kind'];
  /** A statement of this kind that trains in a small network (registry.test.ts checks every kind with it). */
  readonly example: string;
  /** How to write it, e.g. `batchnorm [NAME] [momentum=0.1] [eps=1e-5]`. */
  readonly syntax: string;
  /** One paragraph: what it computes. */
  readonly doc: string;
  /** Its `key=value` options with their docs (defaults in the text). */
  readonly options: Readonly<Record<string, string>>;
  /** The EBNF production after `NAME =`, for docs/language.md. */
  readonly ebnf: string;
  /** Its row of the reference table in docs/language.md: meaning and defaults. */
  readonly reference: { readonly meaning: string; readonly defaults: string };
  /** Parses the statement's words and options (reporting through ctx); null when it is wrong. */
  parse(st: LayerStatement): Omit<S, 'kind' | 'name' | 'range'> | null;
  /** For specs built by hand (not by the parser): why it cannot be trained, or null. */
  validate?(s: S): string | null;
  /** Output width given the input width (default: unchanged). */
  outWidth?(s: S, inWidth: number): number;
  /** What is wrong with the layer on an input of `inWidth` (values written for another shape), or null. */
  checkInput?(s: S, inWidth: number): string | null;
  /** Entries of its W-like and b-like parameter tensors (adjacent in the parameter buffer; b has outWidth entries). */
  params?(s: S, inWidth: number): { readonly w: number; readonly b: number };
  /** The activation the node applies (dense, activation), which a fused loss may take over. */
  activation?(s: S): { readonly activation: Activation; readonly slope: number };
  /** A warning when a batch can hold a single sample, given how (`' at the end of each epoch (…)'` or ''). */
  singleSampleWarning?(where: string): string;
  /** Hover: the formula lines after the header, and an optional note below them. */
  hover(s: S, h: LayerHoverContext): { readonly lines: readonly string[]; readonly note?: string };
  /** Completion after the keyword: `words` are the whole words before the cursor (keyword first). */
  complete?(words: readonly string[], used: ReadonlySet<string>): Completion[];
}

/** A completion proposal. */
export function proposal(label: string, kind: Completion['kind'], detail: string, documentation: string): Completion {
  return { label, kind, detail, documentation };
}

/** `key=` proposals for the options not written yet. */
export function optionProposals(
  options: Readonly<Record<string, string>>,
  used: ReadonlySet<string>,
  keep: (k: string) => boolean = () => true,
): Completion[] {
  return Object.entries(options)
    .filter(([k]) => !used.has(k) && keep(k))
    .map(([k, d]) => proposal(`${k}=`, 'option', `${k}=…`, d));
}

/** The message for a word that is not an activation. */
export function unknownActivation(word: string): string {
  return `unknown activation '${word}'; expected one of ${ACTIVATIONS.join(', ')}`;
}

/** True for a known activation name. */
export function isActivation(word: string): word is Activation {
  return (ACTIVATIONS as readonly string[]).includes(word);
}

/** Identifiers: layer names, option keys. */
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
