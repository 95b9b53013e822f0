// Custom DAP events the nnet adapter sends beside the standard ones, so the extension's views can follow a debug
// session whether the adapter runs inline or as the standalone dist/debugAdapter.js. Imported by both sides.

import type { NodeSummary, Progress, RuntimeLocation } from '../worker/protocol';

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
