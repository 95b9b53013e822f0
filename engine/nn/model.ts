// A network's memory and per-node forward/backward: the layer stack flattened into nodes (a residual block becomes
// a begin node, its body, and an end node where the sum happens), all parameters in one buffer so zeroing grads is
// one fill, and per-node activation buffers sized for the largest batch.

import { LIMITS } from '../language/limits';
import type { LayerSpec } from '../language/spec';
import type { Activation } from './activations';
import { kindOf, nodeOps, type LeafKind } from './layers';
import type { NodeOps, NodeState } from './layers/kind';
import { fusedActivation, type Loss } from './losses';
import type { Prng } from './prng';
import { allocateKernelFloats } from './kernelMemory';
import { isShared, type FloatArray } from './tensor';

export type { BatchNormState } from './layers/batchnorm';

/** A node of the flattened network: a layer statement's kind, or a residual block's begin and end. */
export type NodeKind = LeafKind | 'residual_begin' | 'residual_end';

/** One step of the flattened network. */
export interface ModelNode {
  readonly kind: NodeKind;
  /** Layer name (a residual's begin and end share the block's name). */
  readonly name: string;
  readonly spec: LayerSpec;
  /** 0-based source line: the layer's statement, or the `end` line for residual_end. */
  readonly line: number;
  readonly inWidth: number;
  readonly outWidth: number;
  /** Offset of W [out, in] (dense, projection) or γ [w] (batchnorm) in params/grads; -1 if none. */
  readonly wOff: number;
  /** Offset of b [out] (dense, projection) or β [w] (batchnorm); -1 if none. */
  readonly bOff: number;
  /** Entries of W (or γ); 0 if none. */
  readonly wSize: number;
  readonly activation: Activation;
  readonly slope: number;
  /** For residual_end: index of its begin node; for residual_begin: index of its end node; else -1. */
  readonly partner: number;
}

/**
 * How a forward pass treats dropout and batch norm: `train` draws new dropout masks and uses batch statistics;
 * `replay` is the same but keeps the current masks (for gradient checks); `eval` uses no dropout and running
 * statistics.
 */
export type ForwardMode = 'train' | 'replay' | 'eval';

/** The buffers one training step writes: all but the parameters and the state nodes carry between steps. */
export interface StepBuffers<Arr extends FloatArray = Float32Array> {
  grads: Arr;
  readonly acts: Arr[];
  readonly zs: Arr[];
  readonly deltas: Arr[];
  readonly dOuts: Arr[];
  readonly dSkips: Arr[];
}

/** Bytes a set of step buffers takes. */
export function stepBufferBytes(b: StepBuffers<FloatArray>): number {
  const lists = [b.acts, b.zs, b.deltas, b.dOuts, b.dSkips];
  return b.grads.byteLength + lists.reduce((sum, list) => sum + list.reduce((s, a) => s + a.byteLength, 0), 0);
}

/**
 * Parameters, gradients and activation buffers of a network for batches of up to `maxBatch` samples.
 * Float32 for training; Float64 (`Float64Array` as `Arr`) for gradient checks.
 */
export class Model<Arr extends FloatArray = Float32Array> {
  readonly nodes: readonly ModelNode[];
  /** All parameters, [P]. */
  readonly params: Arr;
  /** ∂L/∂params, [P], same layout (not readonly: swapStepBuffers exchanges it with another set's). */
  grads: Arr;
  /** acts[0] = batch input [B, inputSize]; acts[i+1] = output of node i [B, out_i]. */
  readonly acts: Arr[];
  /** Per node [B, width] as its kind declares: dense z; batchnorm x̂; dropout mask (0 or 1/(1−p)); residual_end the skip term. */
  readonly zs: Arr[];
  /** δ = ∂L/∂z of dense nodes, [B, out_i] (empty for other kinds). */
  readonly deltas: Arr[];
  /** ∂L/∂(output of node i), [B, out_i]; the loss writes the last one. */
  readonly dOuts: Arr[];
  /** Gradient arriving through the skip path of a residual_begin node, [B, in_i] (empty for other kinds). */
  readonly dSkips: Arr[];
  /** Per-node memory of kinds that keep some (batch norm's statistics), else null. */
  readonly states: (NodeState | null)[];
  /** Each node's behaviour, looked up once: forward and backward run between every two events. */
  private readonly ops: readonly NodeOps[];

  /**
   * @param evaluatesFor when given, this model is that model's evaluation twin: it reads the same parameters and
   *   running batch-norm statistics but has its own activation buffers (and none for the backward pass), so
   *   measuring validation loss leaves every value of the training step as it was.
   * @param shared params, grads and the batch buffers over shared memory (where the runtime has one): inside the
   *   dense kernels' memory where it has room, so that the kernels use them in place (kernelMemory.ts), and the
   *   dense helper thread can update its share of params (denseThreads.ts); states stay the thread's own.
   */
  constructor(
    readonly inputSize: number,
    layers: readonly LayerSpec[],
    readonly maxBatch: number,
    array: new (n: number) => Arr = Float32Array as unknown as new (n: number) => Arr,
    evaluatesFor?: Model<Arr>,
    shared = false,
  ) {
    const { nodes, parameterCount } = flattenLayers(inputSize, layers);
    this.nodes = nodes;
    this.ops = nodes.map((n) => nodeOps(n.kind));
    const paramArray = shared ? sharedArray(array) : array;
    this.params = evaluatesFor ? evaluatesFor.params : new paramArray(parameterCount);
    this.grads = evaluatesFor ? new array(0) : new paramArray(parameterCount);
    // A trainer's batch buffers in the kernels' memory too (see sharedArray): its products then copy nothing.
    const bufArray = shared && !evaluatesFor && (array as unknown) === Float32Array ? paramArray : array;
    const buf = (w: number) => new bufArray(maxBatch * w);
    const backBuf = (w: number) => buf(evaluatesFor ? 0 : w);
    this.acts = [buf(inputSize), ...nodes.map((n) => buf(n.outWidth))];
    const widths = nodes.map(nodeBuffers);
    this.zs = widths.map((b) => buf(b.z ?? 0));
    this.deltas = widths.map((b) => backBuf(b.delta ?? 0));
    this.dOuts = nodes.map((n) => backBuf(n.outWidth));
    this.dSkips = widths.map((b) => backBuf(b.skip ?? 0));
    this.states = nodes.map((n, i) => this.ops[i].state?.(n, maxBatch, array, evaluatesFor?.states[i] ?? null) ?? null);
  }

  /** Initialises every parameter, node by node as its kind says: W and b by their initialisers, γ = 1, β = 0, projections Xavier/zeros. */
  initialize(rng: Prng): void {
    for (let i = 0; i < this.nodes.length; i++) this.ops[i].init?.(this, i, rng);
  }

  /** The logits of the output: z of a final dense node, or the input of a final activation node. */
  logits(): Arr {
    const i = this.nodes.length - 1,
      ops = this.ops[i];
    return ops.logits ? ops.logits(this, i) : this.acts[i];
  }

  /**
   * True when the output node applies the activation `loss` fuses with (sigmoid for bce, softmax for cross_entropy)
   * and its kind takes δ = (a − y)/N from the loss (see NodeOps.fusedDelta).
   */
  fusesWith(loss: Loss): boolean {
    const i = this.nodes.length - 1,
      act = fusedActivation(loss);
    return act !== null && this.nodes[i].activation === act && this.ops[i].fusedDelta !== undefined;
  }

  /** Where the loss writes a fused output's δ: the buffer the output node's backward reads it from (see fusesWith). */
  fusedDelta(): Arr | null {
    const i = this.nodes.length - 1;
    return this.ops[i].fusedDelta?.(this, i) ?? null;
  }

  /**
   * Forward pass of node i over B samples: reads acts[i], writes acts[i+1] (and the node's own buffers).
   * `mode` selects dropout masks and batch statistics; `rng` draws the dropout masks in `train` mode.
   */
  forwardNode(i: number, B: number, mode: ForwardMode, rng: Prng): void {
    this.ops[i].forward(this, i, B, mode, rng);
  }

  /**
   * Backward pass of node i: reads dOuts[i] (or, for a fused output, deltas already written by the loss),
   * accumulates parameter gradients with +=, and assigns ∂L/∂(input) into dOuts[i−1] (not for node 0). `fresh`: node
   * i's parameter gradients hold zeros that nothing reads first (see NodeOps.backward).
   */
  backwardNode(i: number, B: number, fusedOutput: boolean, fresh = false): void {
    this.ops[i].backward(this, i, B, fusedOutput && i === this.nodes.length - 1, fresh);
  }

  /** A second set of the buffers a step writes, of the same sizes, for swapStepBuffers (its values are zeros). */
  newStepBuffers(): StepBuffers<Arr> {
    const g = this.grads,
      array = g.constructor as new (n: number) => Arr;
    // Shared like the model's: swapping must not leave the helper thread a set it cannot reach, nor the kernels a
    // set to copy.
    const like = (a: Arr) => (isShared(a) ? new (sharedArray(array))(a.length) : new array(a.length));
    return {
      grads: like(g),
      acts: this.acts.map(like),
      zs: this.zs.map(like),
      deltas: this.deltas.map(like),
      dOuts: this.dOuts.map(like),
      dSkips: this.dSkips.map(like),
    };
  }

  /**
   * Exchanges the buffers a step writes with `other`'s (the arrays themselves, nothing is copied): the model then
   * reads and writes what `other` held, and `other` keeps what the model held. Anything holding one of these arrays
   * (a generated whole step, a view) still refers to the one it was given.
   */
  swapStepBuffers(other: StepBuffers<Arr>): void {
    const g = this.grads;
    this.grads = other.grads;
    other.grads = g;
    const lists = [this.acts, this.zs, this.deltas, this.dOuts, this.dSkips],
      others = [other.acts, other.zs, other.deltas, other.dOuts, other.dSkips];
    lists.forEach((list, k) => {
      const o = others[k];
      for (let i = 0; i < list.length; i++) [list[i], o[i]] = [o[i], list[i]];
    });
  }

  /** The arrays of node i's state that training carries from step to step (see NodeOps.carried), or null. */
  carriedState(i: number): readonly FloatArray[] | null {
    const s = this.states[i],
      carried = this.ops[i].carried;
    return s && carried ? carried(s) : null;
  }
}

/**
 * A constructor like `array` whose arrays lie in a SharedArrayBuffer, or `array` itself where there is none: float32
 * arrays inside the dense kernels' shared memory where it has room (kernelMemory.ts: the kernels then use them in
 * place), else each over a SharedArrayBuffer of its own.
 */
function sharedArray<Arr extends FloatArray>(array: new (n: number) => Arr): new (n: number) => Arr {
  if (typeof SharedArrayBuffer !== 'function') return array;
  const over = array as unknown as { new (b: SharedArrayBuffer): Arr; readonly BYTES_PER_ELEMENT: number };
  const kernels = (array as unknown) === Float32Array;
  return function (n: number) {
    const a = kernels ? allocateKernelFloats(n) : null;
    return (a as Arr | null) ?? new over(new SharedArrayBuffer(n * over.BYTES_PER_ELEMENT));
  } as unknown as new (n: number) => Arr;
}

/**
 * The nodes of a layer stack in execution order, with their parameter offsets: a residual block becomes a begin
 * node, its body and an end node (with a projection when the body changes the width).
 */
export function flattenLayers(
  inputSize: number,
  layers: readonly LayerSpec[],
): { nodes: ModelNode[]; parameterCount: number } {
  const nodes: ModelNode[] = [];
  let off = 0;
  const base = { wOff: -1, bOff: -1, wSize: 0, activation: 'identity' as Activation, slope: 0, partner: -1 };
  const flatten = (specs: readonly LayerSpec[], inWidth: number, depth: number): number => {
    // The parser never nests deeper; a spec built elsewhere gets a clear error instead of a stack overflow.
    if (depth > LIMITS.maxNesting) throw new RangeError(`residual blocks nest more than ${LIMITS.maxNesting} deep`);
    let w = inWidth;
    for (const s of specs) {
      if (s.kind === 'residual') {
        const begin = nodes.length;
        nodes.push({
          ...base,
          kind: 'residual_begin',
          name: s.name,
          spec: s,
          line: s.range.line,
          inWidth: w,
          outWidth: w,
        });
        const out = flatten(s.body, w, depth + 1);
        const proj = out !== w;
        nodes.push({
          ...base,
          kind: 'residual_end',
          name: s.name,
          spec: s,
          line: s.endRange.line,
          inWidth: out,
          outWidth: out,
          partner: begin,
          ...(proj ? { wOff: off, bOff: off + out * w, wSize: out * w } : {}),
        });
        if (proj) off += out * w + out;
        nodes[begin] = { ...nodes[begin], partner: nodes.length - 1 };
        w = out;
        continue;
      }
      const k = kindOf(s),
        outWidth = k.outWidth ? k.outWidth(s, w) : w,
        p = k.params?.(s, w),
        act = k.activation?.(s);
      nodes.push({
        ...base,
        kind: s.kind,
        name: s.name,
        spec: s,
        line: s.range.line,
        inWidth: w,
        outWidth,
        ...(p ? { wOff: off, bOff: off + p.w, wSize: p.w } : {}),
        ...act,
      });
      if (p) off += p.w + p.b;
      w = outWidth;
    }
    return w;
  };
  flatten(layers, inputSize, 0);
  return { nodes, parameterCount: off };
}

/** Widths of a node's own [B × width] buffers (zs, deltas, dSkips), as its kind declares; Model and the memory estimate use it. */
export function nodeBuffers(n: ModelNode): { readonly z?: number; readonly delta?: number; readonly skip?: number } {
  return nodeOps(n.kind).buffers(n);
}
