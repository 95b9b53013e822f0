// Starting a network from trained weights (`weights "FILE.npz"` in the train block): which arrays a network's
// weights file holds, `<layer>.<param>` as `nnet inspect --json` names them, checking a file against them, and
// writing the values into a model after the seed's initialisation. No file system here: the parser gets the arrays.

import type { LayerSpec } from '../language/spec';
import { flattenLayers, type Model } from '../nn/model';
import { nodeOps } from '../nn/layers';
import type { NpzArrays } from './npy';

/** One array a weights file holds for a network. */
export interface WeightSlot {
  /** `<layer>.<param>`: `h1.W` [out, in], `h1.b` [out], `bn.W`/`bn.b` (γ/β), `bn.running_mean`, a projection's `res.W`. */
  readonly key: string;
  /** Index of its node in the flattened network. */
  readonly node: number;
  readonly shape: readonly number[];
  /** Where it goes: an offset into the parameters, or the index of the node's carried state array. */
  readonly target: { readonly params: number } | { readonly carried: number };
  /** Carried state (batch norm's running statistics) may be absent: it then starts as without a file. */
  readonly optional: boolean;
}

/** Values to write over the seed's initialisation, checked against the network they were loaded for. */
export interface InitialWeights {
  /** The path as written in the .nnet file. */
  readonly path: string;
  readonly tensors: readonly { readonly slot: WeightSlot; readonly values: Float32Array }[];
}

/** The arrays a weights file for this network holds, in the order of the network. */
export function weightSlots(inputSize: number, layers: readonly LayerSpec[]): WeightSlot[] {
  const { nodes } = flattenLayers(inputSize, layers);
  const slots: WeightSlot[] = [];
  nodes.forEach((n, i) => {
    const ops = nodeOps(n.kind);
    if (n.wSize > 0) {
      const wShape = ops.paramNames?.wIsVector ? [n.wSize] : [n.outWidth, n.wSize / n.outWidth];
      slots.push({ key: `${n.name}.W`, node: i, shape: wShape, target: { params: n.wOff }, optional: false });
      slots.push({ key: `${n.name}.b`, node: i, shape: [n.outWidth], target: { params: n.bOff }, optional: false });
    }
    (ops.carriedNames ?? []).forEach((name, c) =>
      slots.push({ key: `${n.name}.${name}`, node: i, shape: [n.outWidth], target: { carried: c }, optional: true }),
    );
  });
  return slots;
}

/** What checking a file against a network found: errors make the file unusable; warnings do not. */
export interface WeightsCheck {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly weights: InitialWeights | null;
}

const shape = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Checks the arrays of `file` against the network's slots: every parameter present with its exact shape (a
 * missing one, an array no layer has, a wrong shape are errors naming the array), every value finite in float32.
 * Absent running statistics are a warning. At most `maxErrors` errors are listed.
 */
export function checkWeights(
  arrays: NpzArrays,
  slots: readonly WeightSlot[],
  file: string,
  maxErrors = 8,
): WeightsCheck {
  const errors: string[] = [],
    warnings: string[] = [];
  const tensors: { slot: WeightSlot; values: Float32Array }[] = [];
  const known = new Set(slots.map((s) => s.key));
  const missingOptional: string[] = [];
  for (const slot of slots) {
    const a = arrays.get(slot.key);
    if (!a) {
      if (slot.optional) missingOptional.push(slot.key);
      else errors.push(`'${file}' has no '${slot.key}' ${shape(slot.shape)}`);
      continue;
    }
    if (a.shape.length !== slot.shape.length || a.shape.some((d, i) => d !== slot.shape[i])) {
      errors.push(`'${slot.key}' in '${file}' has shape ${shape(a.shape)}; the network's is ${shape(slot.shape)}`);
      continue;
    }
    // float32 arrays are the reader's own copies, used as they are; float64 converts natively, not element by element.
    const values = a.data instanceof Float32Array ? a.data : new Float32Array(a.data);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const v = a.data[bad];
      errors.push(
        `'${slot.key}' in '${file}' holds ${Number.isFinite(v) ? `${v}, too large for float32` : String(v)} at [${unflat(bad, slot.shape).join(', ')}]; weights must be finite`,
      );
      continue;
    }
    tensors.push({ slot, values });
  }
  for (const key of arrays.keys())
    if (!known.has(key)) {
      const layer = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : key;
      const hasLayer = slots.some((s) => s.key.startsWith(`${layer}.`));
      errors.push(
        hasLayer
          ? `'${file}' holds '${key}', which layer '${layer}' does not have (it has ${slots
              .filter((s) => s.key.startsWith(`${layer}.`))
              .map((s) => s.key.slice(layer.length + 1))
              .join(', ')})`
          : `'${file}' holds '${key}', but the network has no layer '${layer}' with parameters`,
      );
    }
  if (missingOptional.length)
    warnings.push(
      `'${file}' has no ${missingOptional.map((k) => `'${k}'`).join(', ')}: running statistics start at mean 0, variance 1`,
    );
  const shown =
    errors.length > maxErrors ? [...errors.slice(0, maxErrors), `… and ${errors.length - maxErrors} more`] : errors;
  return { errors: shown, warnings, weights: errors.length ? null : { path: file, tensors } };
}

function unflat(i: number, dims: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = dims.length - 1; d >= 0; d--) {
    out.unshift(i % dims[d]);
    i = Math.floor(i / dims[d]);
  }
  return out;
}

/** Writes checked weights into a model (after `initialize`, which they replace). */
export function applyWeights(model: Model<Float32Array>, weights: InitialWeights): void {
  for (const { slot, values } of weights.tensors) {
    const t = slot.target;
    if ('params' in t) model.params.set(values, t.params);
    else model.carriedState(slot.node)![t.carried].set(values);
  }
}
