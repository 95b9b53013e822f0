// Reads a layer for the Layer Inspector through the adapter's `nnet.layerDetail` custom request and turns the
// response into the inspector's protocol. Free of `vscode`: it takes the request function
// (`DebugSession.customRequest`), so it works with the adapter inline or standalone and is testable.

import { notComputed } from '../../engine/runtime/eventState';
import { formatSummary } from '../../engine/nn/tensor';
import type { NnetCustomRequests, TensorJson } from '../debug/customEvents';
import type { InspectorLayer, InspectorTensor } from '../../webview/inspector/protocol';

/** Sends one DAP request and resolves with its response body. */
export type DapRequest = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

type Body = NnetCustomRequests['nnet.layerDetail']['body'];

/** Over JSON, NaN and ±Infinity arrive as null; the inspector reads null as NaN. */
const num = (x: number | null | undefined): number => (typeof x === 'number' ? x : NaN);

/** Passes the base64 values through untouched (the webview decodes them): no 5M-number arrays in the host. */
function tensor(t: TensorJson): InspectorTensor {
  const count = t.shape.reduce((a, b) => a * b, 1);
  const pad = t.data.endsWith('==') ? 2 : t.data.endsWith('=') ? 1 : 0;
  const length = ((t.data.length / 4) * 3 - pad) / 4;
  return { name: t.name, path: t.path, shape: t.shape, values: [], data: t.data, truncated: length < count };
}

/**
 * The layer `layer` (null: the paused event's layer) at 1-based `step` (null: the paused step), as the inspector
 * shows it. Rejects with the adapter's message (e.g. not paused, no such layer, a step older than the history).
 */
export async function readLayer(
  req: DapRequest,
  layer: string | null,
  step: number | null,
  maxValues?: number,
): Promise<InspectorLayer> {
  const args: NnetCustomRequests['nnet.layerDetail']['args'] =
    maxValues === undefined ? { layer, step } : { layer, step, maxValues };
  const d = (await req('nnet.layerDetail', args)) as Body | undefined;
  if (!d || !Array.isArray(d.tensors)) throw new Error('the debug adapter sent no layer');
  return {
    kind: 'layer',
    title: d.title,
    where: d.where,
    layer: d.layer,
    tensors: d.tensors.map(tensor),
    scalars: d.scalars.map((s) => ({
      name: s.name,
      value: s.pending ? notComputed(s.pending) : formatSummary(num(s.value)),
    })),
    clip: d.clip && {
      normBefore: num(d.clip.normBefore),
      normAfter: num(d.clip.normAfter),
      coefficient: num(d.clip.coefficient),
      threshold: d.clip.threshold,
      layerNorm: num(d.clip.layerNorm),
      share: num(d.clip.share),
    },
    optimizer: d.optimizer && {
      kind: d.optimizer.kind,
      lr: num(d.optimizer.lr),
      t: d.optimizer.t,
      tensors: d.optimizer.tensors.map(tensor),
    },
    decomposition: d.decomposition && {
      ...d.decomposition,
      upstreamNorm: num(d.decomposition.upstreamNorm),
      phiPrimeMean: num(d.decomposition.phiPrimeMean),
      phiPrimeMax: num(d.decomposition.phiPrimeMax),
      deltaNorm: num(d.decomposition.deltaNorm),
    },
    history: d.history,
  };
}
