// Step Into: the sub-steps of one node event — each chain-rule factor with its formula and the tensors it shows.
// A node's forward or backward is computed as one event; its layer kind (engine/nn/layers/) declares the parts.

import { nodeOps } from '../engine/nn/layers';
import type { SubStepDef } from '../engine/nn/layers/kind';
import type { ModelNode } from '../engine/nn/model';
import type { Phase } from '../engine/runtime/trainer';

export type { SubStepDef } from '../engine/nn/layers/kind';

/** The sub-steps of a node event; empty when the event has no inner structure worth stepping through. */
export function subStepsOf(node: ModelNode | null, phase: Phase, fusedOutput: boolean, isLast: boolean): SubStepDef[] {
  if (!node || (phase !== 'forward' && phase !== 'backward')) return [];
  return nodeOps(node.kind).subSteps?.(node, phase, fusedOutput, isLast) ?? [];
}
