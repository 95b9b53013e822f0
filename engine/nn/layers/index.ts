// The layer-kind registry: every layer statement kind, in the order the docs and completion list them, and the
// behaviour of every node kind of the flattened network. Adding a kind = one file in this folder + one line here.

import { activation } from './activation';
import { batchnorm } from './batchnorm';
import { dense } from './dense';
import { dropout } from './dropout';
import type { LayerKind, NodeOps } from './kind';
import { layernorm } from './layernorm';
import { residualBegin, residualEnd } from './residual';

/** Every layer statement kind. */
export const LAYER_KINDS = [dense, activation, dropout, batchnorm, layernorm] as const;

/** The spec type a kind parses into. */
type SpecOf<K> = K extends LayerKind<infer S> ? S : never;
/** A layer statement (every kind but the `residual` block). */
export type LeafSpec = SpecOf<(typeof LAYER_KINDS)[number]>;
/** The keyword of a layer statement kind. */
export type LeafKind = LeafSpec['kind'];

const byKeyword = new Map<string, LayerKind>(LAYER_KINDS.map((k) => [k.keyword, k as unknown as LayerKind]));

/** The kind of a layer statement keyword, or undefined for any other word. */
export function layerKind(keyword: string): LayerKind | undefined {
  return byKeyword.get(keyword);
}

/** The kind of a leaf spec (typed loosely: each kind's functions take its own spec). */
export function kindOf(spec: { readonly kind: string }): LayerKind {
  const k = byKeyword.get(spec.kind);
  if (!k) throw new Error(`no layer kind '${spec.kind}'`);
  return k;
}

/**
 * The node behaviours with one property layout for all, so the model's per-event `ops.forward(…)` is a monomorphic
 * property load whatever the kind (the kinds' own objects each have their own shape).
 */
function uniform(o: NodeOps): NodeOps {
  return {
    buffers: o.buffers,
    state: o.state,
    carried: o.carried,
    carriedNames: o.carriedNames,
    init: o.init,
    forward: o.forward,
    backward: o.backward,
    logits: o.logits,
    draws: o.draws,
    paramNames: o.paramNames,
    tensors: o.tensors,
    subSteps: o.subSteps,
    title: o.title,
    fusedDelta: o.fusedDelta,
    phiPrime: o.phiPrime,
    label: o.label,
    paramsLabel: o.paramsLabel,
  };
}

const NODE_OPS = new Map<string, NodeOps>(
  [...byKeyword, ['residual_begin', residualBegin], ['residual_end', residualEnd]].map(([k, o]) => [
    k as string,
    uniform(o as NodeOps),
  ]),
);

/** What a node kind of the flattened network does. */
export function nodeOps(kind: string): NodeOps {
  return NODE_OPS.get(kind)!;
}
