// Weight and bias initialisers, all drawn from the one seeded PRNG.

import type { Prng } from './prng';
import type { FloatArray } from './tensor';

/**
 * How to fill a tensor. Fan-based schemes use fan_in = inputs and fan_out = outputs of the layer:
 * xavier_uniform U(±√(6/(fan_in+fan_out))), xavier_normal N(0, 2/(fan_in+fan_out)), he_uniform U(±√(6/fan_in)),
 * he_normal N(0, 2/fan_in), lecun_uniform U(±√(3/fan_in)), lecun_normal N(0, 1/fan_in).
 */
export type InitSpec =
  | { readonly kind: 'zeros' }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'normal'; readonly std: number }
  /** Written in the file (`W=[[…]]`, `b=[…]`): row-major values, `shape` as written; draws nothing from the PRNG. */
  | { readonly kind: 'values'; readonly values: readonly number[]; readonly shape: readonly number[] }
  | {
      readonly kind: 'xavier_uniform' | 'xavier_normal' | 'he_uniform' | 'he_normal' | 'lecun_uniform' | 'lecun_normal';
    };

/** Names accepted in `init=` and `bias_init=`, with aliases resolved to their scheme. */
export const INIT_NAMES: Readonly<Record<string, Exclude<InitSpec['kind'], 'values'>>> = {
  zeros: 'zeros',
  constant: 'constant',
  uniform: 'uniform',
  normal: 'normal',
  xavier: 'xavier_uniform',
  glorot: 'xavier_uniform',
  xavier_uniform: 'xavier_uniform',
  glorot_uniform: 'xavier_uniform',
  xavier_normal: 'xavier_normal',
  glorot_normal: 'xavier_normal',
  he: 'he_normal',
  kaiming: 'he_normal',
  he_normal: 'he_normal',
  kaiming_normal: 'he_normal',
  he_uniform: 'he_uniform',
  kaiming_uniform: 'he_uniform',
  lecun: 'lecun_normal',
  lecun_normal: 'lecun_normal',
  lecun_uniform: 'lecun_uniform',
};

/** Fills `n` entries of `buf` from `off` according to `init`. */
export function fillInit(
  init: InitSpec,
  buf: FloatArray,
  off: number,
  n: number,
  fanIn: number,
  fanOut: number,
  rng: Prng,
): void {
  const uniform = (limit: number) => {
    for (let i = 0; i < n; i++) buf[off + i] = rng.uniform(-limit, limit);
  };
  const normal = (std: number) => {
    for (let i = 0; i < n; i++) buf[off + i] = std * rng.normal();
  };
  switch (init.kind) {
    case 'zeros':
      buf.fill(0, off, off + n);
      return;
    case 'constant':
      buf.fill(init.value, off, off + n);
      return;
    case 'values':
      // The checker matched the shape to the layer; a hand-built spec that did not is a programming error.
      if (init.values.length !== n) throw new Error(`${init.values.length} values written for ${n} entries`);
      for (let i = 0; i < n; i++) buf[off + i] = init.values[i];
      return;
    case 'uniform':
      for (let i = 0; i < n; i++) buf[off + i] = rng.uniform(init.low, init.high);
      return;
    case 'normal':
      normal(init.std);
      return;
    case 'xavier_uniform':
      uniform(Math.sqrt(6 / (fanIn + fanOut)));
      return;
    case 'xavier_normal':
      normal(Math.sqrt(2 / (fanIn + fanOut)));
      return;
    case 'he_uniform':
      uniform(Math.sqrt(6 / fanIn));
      return;
    case 'he_normal':
      normal(Math.sqrt(2 / fanIn));
      return;
    case 'lecun_uniform':
      uniform(Math.sqrt(3 / fanIn));
      return;
    case 'lecun_normal':
      normal(Math.sqrt(1 / fanIn));
      return;
    default: {
      const never: never = init;
      throw new Error(`unknown init ${JSON.stringify(never)}`);
    }
  }
}
