// Host messages for the Layer Inspector's tests: a paused layer, its sections, and malformed variants.

import { type HostToInspector } from '../../webview/inspector/protocol';

/** A paused backward step of a 8→16 tanh layer: W, W.grad, z, a, δ. */
export function layerMessage(): HostToInspector {
  const W = Array.from({ length: 16 * 8 }, (_, i) => Math.sin(i * 0.7) * 0.8);
  const G = Array.from({ length: 16 * 8 }, (_, i) => (i % 16 === 3 ? 0 : Math.cos(i * 1.3) * 0.02 * (i % 5)));
  const z = Array.from({ length: 4 * 16 }, (_, i) => (i - 32) / 10);
  return {
    kind: 'layer',
    title: 'Layer h1 (backward)',
    where: 'backward h1 · step 12 · epoch 3',
    tensors: [
      { name: 'W', path: 'h1.W', shape: [16, 8], values: W, truncated: false },
      { name: 'W.grad', path: 'h1.W.grad', shape: [16, 8], values: G, truncated: false },
      { name: 'z', path: 'h1.z', shape: [4, 16], values: z, truncated: false },
      {
        name: 'b',
        path: 'h1.b',
        shape: [16],
        values: Array.from({ length: 16 }, (_, i) => (i === 5 ? NaN : i / 100)),
        truncated: false,
      },
    ],
    scalars: [
      { name: 'loss', value: '0.4321' },
      { name: 'grad norm (before clip)', value: '3.2' },
      { name: 'clip coefficient', value: '0.3125' },
    ],
  };
}

export const clipPart = () => ({
  normBefore: 3.2,
  normAfter: 1,
  coefficient: 0.3125,
  threshold: 1,
  layerNorm: 1.6,
  share: 0.25,
});
export const decompPart = () => ({
  upstreamFrom: 'Wᵀδ′ from h2',
  upstreamNorm: 0.52,
  activation: 'tanh',
  phiPrimeMean: 0.04,
  phiPrimeMax: 0.2,
  deltaNorm: 0.0156,
});

/** The same paused step with all four sections: clipped by norm, Adam state, a saturated tanh, 10 steps of history. */
export function sectionsMessage() {
  const base = layerMessage();
  if (base.kind !== 'layer') throw new Error();
  const state = (name: string, f: (i: number) => number) => ({
    name,
    path: `h1.W.${name}`,
    shape: [16, 8],
    values: Array.from({ length: 128 }, (_, i) => f(i)),
    truncated: false,
  });
  return {
    ...base,
    layer: 'h1',
    clip: clipPart(),
    decomposition: decompPart(),
    optimizer: {
      kind: 'adam',
      lr: 0.001,
      t: 12,
      tensors: [
        state('m̂', (i) => Math.sin(i) * 0.01),
        state('v̂', (i) => (i % 8) * 1e-5),
        state('effective step', (i) => (i % 4 === 0 ? 0 : Math.cos(i) * 1e-3)),
      ],
    },
    history: { first: 3, last: 12, step: 7, live: true },
  };
}

/** Messages whose only fault is in one of the new optional fields. */
export function malformedSections(): [string, unknown][] {
  const m = sectionsMessage();
  return [
    ['clip.share a string', { ...m, clip: { ...clipPart(), share: '0.25' } }],
    ['clip.threshold missing', { ...m, clip: { ...clipPart(), threshold: undefined } }],
    ['clip an array', { ...m, clip: [1, 2] }],
    ['history.step not a number', { ...m, history: { ...m.history, step: '7' } }],
    ['history.step outside [first, last]', { ...m, history: { ...m.history, step: 13 } }],
    ['history.first after last', { ...m, history: { first: 5, last: 4, step: 5, live: true } }],
    ['history.live not a boolean', { ...m, history: { ...m.history, live: 1 } }],
    ['history.step 0', { ...m, history: { first: 0, last: 4, step: 0, live: true } }],
    ['optimizer.tensors not an array', { ...m, optimizer: { ...m.optimizer, tensors: {} } }],
    [
      'optimizer tensor malformed',
      { ...m, optimizer: { ...m.optimizer, tensors: [{ name: 'm̂', path: 'p', shape: [2], values: [1, 2, 3] }] } },
    ],
    ['optimizer.t fractional', { ...m, optimizer: { ...m.optimizer, t: 1.5 } }],
    ['decomposition.deltaNorm missing', { ...m, decomposition: { ...decompPart(), deltaNorm: undefined } }],
    ['decomposition.activation a number', { ...m, decomposition: { ...decompPart(), activation: 3 } }],
    ['layer not a string', { ...m, layer: 7 }],
  ];
}
