// nan: a NaN or ±Inf stopped the run. The trainer throws where it first sees one; the doctor records the throw
// (Doctor.observeError) as the hit made here, so this rule has no hooks of its own. The NaN origin (the sub-step that
// produced it) plugs in here.

import type { NonFiniteError } from '../../runtime/trainer';
import type { Hit, Rule } from '../types';

/** The nan rule. */
export function nonFinite(): Rule {
  return { id: 'nan' };
}

/**
 * The hit of a non-finite value that stopped the run (a network of `nodes` nodes), on the layer where it appeared, or
 * where `origin` (the replay of debugger/nanOrigin.ts) says it first appeared.
 */
export function nonFiniteHit(
  e: NonFiniteError,
  nodes: number,
  origin?: { readonly node: number; readonly text: string },
): Hit {
  return {
    anchor: {
      kind: 'layer',
      node: Math.max(0, Math.min(origin?.node ?? e.layer, nodes - 1)),
    },
    step: e.step,
    measured: NaN,
    threshold: 0,
    excess: 1,
    message: () => (origin ? `non-finite value: ${origin.text} (${e.message})` : `non-finite value: ${e.message}`),
  };
}
