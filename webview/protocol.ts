// The one protocol between the extension host and the Gradient Flow webview. Both sides import this file.
// Messages from the webview are untrusted input: the host validates them with `isWebviewToHost` before use.

/** One bar group of the gradient-flow chart. */
export interface GradFlowLayer {
  readonly name: string;
  readonly meanAbsGrad: number;
  readonly maxAbsGrad: number;
}

/** Training state shown in the view's header. */
export type ViewState = 'idle' | 'training' | 'paused' | 'finished' | 'error';

export type HostToWebview =
  /** A new run begins: clears the charts. */
  | { kind: 'reset'; title: string; layerNames: readonly string[] }
  /** Latest per-layer gradient magnitudes, in network order. */
  | { kind: 'gradFlow'; layers: readonly GradFlowLayer[]; step: number }
  /** Loss points to append to the curve. */
  | { kind: 'loss'; points: readonly { readonly epoch: number; readonly loss: number }[] }
  | { kind: 'state'; state: ViewState; text: string };

export type WebviewToHost =
  | { kind: 'ready' }
  | { kind: 'command'; command: 'train' | 'stop' };

/** Validates a message posted by the webview (untrusted). */
export function isWebviewToHost(m: unknown): m is WebviewToHost {
  if (typeof m !== 'object' || m === null) return false;
  const msg = m as Record<string, unknown>;
  switch (msg.kind) {
    case 'ready':
      return true;
    case 'command':
      return msg.command === 'train' || msg.command === 'stop';
    default:
      return false;
  }
}
