// Reads a layer for the Layer Inspector through the adapter's `nnet.layerDetail` custom request and turns the
// response into the inspector's protocol. Free of `vscode`: it takes the request function
// (`DebugSession.customRequest`), so it works with the adapter inline or standalone and is testable.

import { notComputed } from '../../engine/runtime/eventState';
import { formatSummary } from '../../engine/nn/tensor';
import { float32Count } from '../../wire/float32';
import type { Encoded } from '../../wire/json';
import type { EncodedTensor, LayerDetail } from '../../wire/types';
import { decodeLayerDetail, type NnetCustomRequests } from '../debug/customEvents';
import type { InspectorLayer, InspectorTensor } from '../../webview/inspector/protocol';

/** Sends one DAP request and resolves with its response body. */
export type DapRequest = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

/** Passes the base64 values through untouched (the webview decodes them): no 5M-number arrays in the host. */
function tensor(t: EncodedTensor): InspectorTensor {
  const count = t.shape.reduce((a, b) => a * b, 1);
  return {
    name: t.name,
    path: t.path,
    shape: t.shape,
    values: [],
    data: t.data,
    truncated: float32Count(t.data) < count,
  };
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
  const body = (await req('nnet.layerDetail', args)) as Encoded<LayerDetail<EncodedTensor>> | undefined;
  if (!body || !Array.isArray(body.tensors)) throw new Error('the debug adapter sent no layer');
  const d = decodeLayerDetail(body);
  return {
    kind: 'layer',
    title: d.title,
    where: d.where,
    layer: d.layer,
    tensors: d.tensors.map(tensor),
    scalars: d.scalars.map((s) => ({
      name: s.name,
      value: s.pending ? notComputed(s.pending) : formatSummary(s.value),
    })),
    clip: d.clip,
    optimizer: d.optimizer && { ...d.optimizer, tensors: d.optimizer.tensors.map(tensor) },
    decomposition: d.decomposition,
    history: d.history,
  };
}
