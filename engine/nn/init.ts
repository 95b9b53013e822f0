// Weight initialisers drawn from the seeded PRNG.

import type { Prng } from './prng';
import type { FloatArray } from './tensor';

/** Initialisers the engine knows. xavier = Glorot uniform; he = Kaiming normal (fan-in, for ReLU). */
export const INITS = ['xavier', 'he', 'zeros'] as const;
export type Init = (typeof INITS)[number];

/** Fills W [fanOut, fanIn] at `off` in place. */
export function initWeights(kind: Init, params: FloatArray, off: number, fanIn: number, fanOut: number, rng: Prng): void {
  const n = fanIn * fanOut;
  switch (kind) {
    case 'xavier': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) params[off + i] = rng.uniform(-limit, limit);
      return;
    }
    case 'he': {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) params[off + i] = std * rng.normal();
      return;
    }
    case 'zeros':
      params.fill(0, off, off + n);
      return;
    default: {
      const never: never = kind;
      throw new Error(`unknown init ${String(never)}`);
    }
  }
}
