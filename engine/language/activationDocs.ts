// What each activation computes, forward φ and derivative φ′: shared by the layer kinds that apply one (dense,
// activation) and by hover, completion and the docs test through vocabulary.ts.

/** Activations: forward φ and derivative φ′ (the factor the backward pass multiplies by). */
export const ACTIVATION_DOCS: Readonly<
  Record<string, { readonly forward: string; readonly derivative: string; readonly doc: string }>
> = {
  identity: {
    forward: 'a = z',
    derivative: 'φ′(z) = 1',
    doc: 'No non-linearity (linear output, e.g. for regression).',
  },
  relu: {
    forward: 'a = max(0, z)',
    derivative: 'φ′(z) = 1 if z > 0 else 0',
    doc: 'Rectified linear unit. A unit whose z stays negative gets no gradient (dying ReLU).',
  },
  leaky_relu: {
    forward: 'a = z if z > 0 else slope·z',
    derivative: 'φ′(z) = 1 if z > 0 else slope',
    doc: 'ReLU with a small slope (default 0.01, `slope=`) for z < 0, so no unit dies.',
  },
  sigmoid: {
    forward: 'a = σ(z) = 1/(1 + e^−z)',
    derivative: 'φ′(z) = a·(1 − a) ≤ 0.25',
    doc: 'Squashes to (0, 1). Its derivative is at most 0.25, so deep sigmoid stacks shrink gradients (vanishing).',
  },
  tanh: {
    forward: 'a = tanh(z)',
    derivative: 'φ′(z) = 1 − a²',
    doc: 'Squashes to (−1, 1), zero-centred. Saturates for large |z|.',
  },
  gelu: {
    forward: 'a = z·Φ(z)',
    derivative: 'φ′(z) = Φ(z) + z·ϕ(z)',
    doc: 'Gaussian error linear unit (exact, with the normal CDF Φ).',
  },
  softmax: {
    forward: 'a_k = e^{z_k} / Σ_j e^{z_j}',
    derivative: '∂a_i/∂z_j = a_i(δ_ij − a_j)',
    doc: 'Probabilities over classes; pair it with `loss cross_entropy`, which fuses them so δ = (a − y)/B: the per-sample a − y, averaged over the batch of B.',
  },
};
