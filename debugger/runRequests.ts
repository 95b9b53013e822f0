// The host's questions to a paused run, answered from the trainer: expressions and tensors, a layer's detail (now
// or at an earlier step of the history), completions; and which breakpoint expressions cannot work in a network.

import { completionItems } from '../engine/expr/completions';
import { checkNames, evaluate } from '../engine/expr/evaluate';
import { formatValue } from '../engine/expr/format';
import { isTensor, type ExprScope } from '../engine/expr/values';
import { RewindError, type History } from '../engine/runtime/history';
import type { Trainer, TrainerEvent } from '../engine/runtime/trainer';
import { findNode, layerDetail } from './layerDetail';
import type { BreakpointSpec, CompletionTarget, RequestKind, Requests, WorkerToHost } from './protocol';
import type { LayerDetail } from '../wire/types';

/** Largest tensor sent whole in a reply (entries). */
const MAX_REPLY_TENSOR = 1 << 20;

/**
 * Posts the reply to request `id` of kind `_kind`: `f`'s payload (typed by `Requests`), or the message of what it
 * threw.
 */
export function reply<K extends RequestKind>(
  post: (msg: WorkerToHost) => void,
  _kind: K,
  id: number,
  f: () => Requests[K]['reply'],
): void {
  try {
    post({ kind: 'reply', id, ok: true, ...f() } as WorkerToHost);
  } catch (e) {
    post({ kind: 'reply', id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
}

/** An expression's value as text, with the tensor's values when it is one and not too large. */
export function evaluateExpression(scope: ExprScope, expression: string): Requests['evaluate']['reply'] {
  const v = evaluate(expression, scope);
  if (!isTensor(v)) return { text: formatValue(v) };
  const n = v.shape.reduce((a, b) => a * b, 1);
  const tensor =
    n <= MAX_REPLY_TENSOR
      ? { name: expression, path: expression, shape: v.shape, values: Float32Array.from(v.data.subarray(0, n)) }
      : undefined;
  return { text: formatValue(v), tensor };
}

/** Completion targets for the Debug Console at `offset` of `text`. */
export function completions(scope: ExprScope, text: string, offset: number): CompletionTarget[] {
  return completionItems(text, offset, scope).map(({ label, start, length, type }) => ({ label, start, length, type }));
}

/**
 * A layer as the inspector shows it, now or at an earlier step of the history. An earlier step is replayed from a
 * checkpoint and the run is then put back exactly where it was (replays are bit-identical).
 */
export function layerDetailAt(
  t: Trainer,
  h: History | null,
  ev: TrainerEvent | null,
  layer: string | null,
  step: number | null,
  maxValues: number,
): LayerDetail {
  const node = layer !== null ? findNode(t, layer) : ev && ev.layer >= 0 ? ev.layer : 0;
  if (node < 0) throw new Error(`there is no layer named '${layer}'`);
  const liveStep = ev ? ev.step + 1 : t.step + 1;
  const range = h ? { first: h.earliestStep + 1, last: liveStep } : null;
  if (!h || step === null || step >= liveStep)
    return layerDetail(t, node, ev, range && { ...range, step: liveStep, live: true }, maxValues);
  const back = t.eventIndex - 1;
  try {
    // The same moment of the earlier step: this event's phase and layer, or this layer's forward pass from entry.
    const phase = ev?.phase ?? 'forward',
      at = ev ? ev.layer : node;
    const found = h.seekStep(Math.max(step, range!.first) - 1, (e) => e.phase === phase && e.layer === at);
    if (!found) throw new Error(`step ${step} has no ${phase} event to show`);
    return layerDetail(t, node, found, { ...range!, step: found.step + 1, live: false }, maxValues);
  } catch (e) {
    if (e instanceof RewindError) throw new Error(e.message, { cause: e });
    throw e;
  } finally {
    h.goTo(back);
  }
}

/** Why a breakpoint's condition or log message cannot work in a network with these names; undefined if it can. */
export function unknownNames(b: BreakpointSpec, names: readonly string[]): string | undefined {
  const holes = b.logMessage ? [...b.logMessage.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]) : [];
  for (const [what, expr] of [['Condition', b.condition], ...holes.map((h) => [`Log message {${h}}`, h])] as const) {
    if (!expr) continue;
    const error = checkNames(expr, names);
    if (error) return `${what}: ${error.message}`;
  }
  return undefined;
}
