// Custom DAP events (and the one custom request) the nnet adapter sends beside the standard ones, so the extension's views can follow a debug
// session whether the adapter runs inline or as the standalone dist/debugAdapter.js. Imported by both sides.

import type {
  GradCheckReport,
  LayerDetail,
  NodeSummary,
  Progress,
  RuntimeLocation,
  TensorSnapshot,
} from '../../debugger/protocol';

/** Body of each custom event, by event name. */
export interface NnetCustomEvents {
  /** Training started: names of the layers in network order. */
  'nnet.started': { layerNames: readonly string[]; program: string };
  /** Live progress while running, and the state at each stop (with `paused` set). */
  'nnet.progress': { progress: Progress; paused: RuntimeLocation | null };
  /** Paused: per-node summaries for inline values in the editor. */
  'nnet.stopped': { network: readonly NodeSummary[]; location: RuntimeLocation };
  /** Training ended: normally, by Stop, or by an error. */
  'nnet.ended': { summary: string; error: string | null; line: number };
}

export type NnetCustomEventName = keyof NnetCustomEvents;

/** True if `name` is one of the nnet custom events. */
export function isNnetCustomEvent(name: string): name is NnetCustomEventName {
  return name === 'nnet.started' || name === 'nnet.progress' || name === 'nnet.stopped' || name === 'nnet.ended';
}

/** A tensor in a JSON response body: its float32 values as base64 (exact, NaN-safe, compact; see encodeFloat32). */
export type TensorJson = Omit<TensorSnapshot, 'values'> & { readonly data: string };

/** Custom requests the adapter answers (`DebugSession.customRequest`), by command: arguments and response body. */
export interface NnetCustomRequests {
  /**
   * The Layer Inspector's view of a layer while paused: `layer` null for the paused event's layer; `step` (1-based)
   * null for the paused step, or an earlier step of the rewind history (the debugger does not move).
   */
  'nnet.layerDetail': {
    /** `maxValues`: values per tensor at most (the nnet.inspector.maxTensorValues setting). */
    args: { layer?: string | null; step?: number | null; maxValues?: number };
    body: Omit<LayerDetail, 'tensors' | 'optimizer'> & {
      readonly tensors: readonly TensorJson[];
      readonly optimizer:
        (Omit<NonNullable<LayerDetail['optimizer']>, 'tensors'> & { readonly tensors: readonly TensorJson[] }) | null;
    };
  };
  /**
   * Check Gradients Here: the layer's analytic W, b and δ against float64 finite differences on the current batch
   * (`layer` null for the paused event's layer); the report is also written to the Debug Console.
   */
  'nnet.checkGradients': {
    args: { layer?: string | null };
    body: GradCheckReport;
  };
}

/** Float32 values as base64 of their little-endian bytes (`InspectorTensor.data`); Buffer does 5M values in ~5 ms. */
export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** Converts a tensor for a JSON response body. */
export function tensorJson(t: TensorSnapshot): TensorJson {
  return { name: t.name, path: t.path, shape: t.shape, data: encodeFloat32(t.values) };
}
