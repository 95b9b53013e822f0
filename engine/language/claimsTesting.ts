// Helpers of the examples' claims tests: a shipped example (or a variation of its text) trained for a few steps or
// to the end, and the numbers its comment promises read off the trainer.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nodeReadFile } from '../data/files';
import type { EpochMetrics } from '../runtime/trainer';
import { Trainer } from '../runtime/trainer';
import type { TensorKey } from '../nn/layers/kind';
import type { FloatArray } from '../nn/tensor';
import { nodeTensors } from '../runtime/snapshot';
import { parseNnet } from './parser';

/** The shipped examples' folder. */
export const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

/** The text of `examples/<name>`. */
export const readExample = (name: string): string => fs.readFileSync(path.join(EXAMPLES, name), 'utf8');

/** A trainer of `source` (CSV paths resolve in examples/), before its first event. */
export function trainerOf(source: string): Trainer {
  const { spec, diagnostics } = parseNnet(source, { readFile: nodeReadFile(path.join(EXAMPLES, 'x.nnet')) });
  assert.ok(spec, diagnostics.map((d) => d.message).join('\n'));
  return new Trainer(spec);
}

/** `source` trained for `steps` optimizer steps (all of its schedule when omitted); the gradients of the last stay. */
export function trained(source: string, steps = Infinity): Trainer {
  const t = trainerOf(source);
  while (t.step < steps && t.advance());
  return t;
}

/** The metrics of epoch `n` (1-based; −1 is the last) of a run, as its log keeps them. */
export function epoch(t: Trainer, n: number): EpochMetrics {
  const m = t.epochs.at(n < 0 ? n : n - 1);
  assert.ok(m, `epoch ${n} is kept`);
  return m;
}

/** Mean |∂L/∂W| of the layer `name` in the latest backward pass. */
export function meanGrad(t: Trainer, name: string): number {
  const g = t.gradStats().find((s) => s.name === name);
  assert.ok(g, `a weighted layer '${name}'`);
  return g.meanAbsGrad;
}

/** The values of tensor `key` (W, gradW, a, z, delta, …) of the node `name` as the trainer holds them now. */
export function valuesOf(t: Trainer, name: string, key: TensorKey): FloatArray {
  const i = t.model.nodes.findIndex((n) => n.name === name);
  assert.ok(i >= 0, `a node '${name}'`);
  const tensor = nodeTensors(t, i)[key];
  assert.ok(tensor, `'${name}' has a tensor ${key}`);
  return tensor.values;
}

/** The part of a file after its network (loss, data, train), to show two files differ only in their layers. */
export const afterNetwork = (source: string): string => source.slice(source.search(/^loss /m));
