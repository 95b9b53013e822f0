// nan: a NaN or ±Inf stopped the run. The trainer throws where it first sees one; the doctor records the throw
// (Doctor.observeError), so this rule has no hooks of its own. The NaN origin (the sub-step that produced it) plugs in here.

import type { Rule } from '../types';

/** The nan rule. */
export function nonFinite(): Rule {
  return { id: 'nan' };
}
