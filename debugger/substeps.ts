// Step Into: the sub-steps of one node event — each chain-rule factor with its formula and the tensors it shows.
// A node's forward or backward is computed as one event; the sub-steps present its parts in order.

import type { ModelNode } from '../engine/nn/model';
import type { Phase } from '../engine/runtime/trainer';

/** One sub-step: a formula and the snapshot keys (see engine/runtime/snapshot.ts) of its operands and result. */
export interface SubStepDef {
  readonly formula: string;
  readonly keys: readonly string[];
}

/** The sub-steps of a node event; empty when the event has no inner structure worth stepping through. */
export function subStepsOf(node: ModelNode | null, phase: Phase, fusedOutput: boolean, isLast: boolean): SubStepDef[] {
  if (!node) return [];
  const φ = node.activation === 'identity' ? 'z' : `${node.activation}(z)`;
  if (phase === 'forward') {
    switch (node.kind) {
      case 'dense': return [{ formula: 'z = x·Wᵀ + b', keys: ['x', 'W', 'b', 'z'] }, { formula: `a = ${φ}`, keys: ['z', 'a'] }];
      case 'batchnorm': return [{ formula: 'x̂ = (x − μ_B) / √(σ²_B + ε)', keys: ['x', 'xhat'] }, { formula: 'a = γ·x̂ + β', keys: ['xhat', 'W', 'b', 'a'] }];
      case 'residual_end': return [{ formula: node.wOff >= 0 ? 'skip = x₀·Pᵀ + c' : 'skip = x₀', keys: ['skip'] }, { formula: 'a = F(x) + skip', keys: ['x', 'skip', 'a'] }];
      default: return [];
    }
  }
  if (phase !== 'backward') return [];
  switch (node.kind) {
    case 'dense': {
      const fused = fusedOutput && isLast;
      return [
        { formula: fused ? '∂L/∂a (fused with the loss)' : '∂L/∂a = Wᵀ′·δ′ (from the layer above)', keys: ['dA'] },
        { formula: fused ? 'δ = (a − y)/N (fused softmax/sigmoid + loss)' : `δ = ∂L/∂a ⊙ ${node.activation}′(z)`, keys: fused ? ['a', 'delta'] : ['dA', 'z', 'dphi', 'delta'] },
        { formula: '∂W = δᵀ·x', keys: ['delta', 'x', 'gradW'] },
        { formula: '∂b = Σ_batch δ', keys: ['delta', 'gradb'] },
        { formula: '∂x = δ·W', keys: ['delta', 'W', 'dX'] },
      ];
    }
    case 'batchnorm': return [
      { formula: '∂L/∂a (from the layer above)', keys: ['dA'] },
      { formula: '∂γ = Σ ∂L/∂a ⊙ x̂, ∂β = Σ ∂L/∂a', keys: ['dA', 'xhat', 'gradW', 'gradb'] },
      { formula: '∂x = γ/(B·σ) · (B·∂a − Σ∂a − x̂·Σ(∂a⊙x̂))', keys: ['dA', 'xhat', 'dX'] },
    ];
    default: return [];
  }
}
