// The one protocol between the extension host and the Layer Inspector panel. Both sides import this file.
// Messages are JSON on the way: non-finite values travel as null and are read back as NaN.

/** One tensor of the paused layer, with its values (row-major) as plain numbers. */
export interface InspectorTensor {
  /** Display name, e.g. `W.grad`, `δ = ∂L/∂z`. */
  readonly name: string;
  /** Expression path, e.g. `h1.W.grad`. */
  readonly path: string;
  readonly shape: readonly number[];
  /** Row-major values; may hold fewer than the shape's count when `truncated`. */
  readonly values: readonly number[];
  /** True when only the first rows were fetched (very large tensors). */
  readonly truncated: boolean;
}

/** A named scalar shown beside the tensors (loss, gradient norms, clip coefficient, lr), as the debugger formats it. */
export interface InspectorScalar {
  readonly name: string;
  readonly value: string;
}

export type HostToInspector =
  /** The layer the debugger is paused on. */
  | { kind: 'layer'; title: string; where: string; tensors: readonly InspectorTensor[]; scalars: readonly InspectorScalar[] }
  /** Nothing to show (no paused nnet debug session); `text` says why. */
  | { kind: 'empty'; text: string };

export type InspectorToHost =
  | { kind: 'ready' }
  /** The user asked to re-read the paused layer. */
  | { kind: 'refresh' };

/** Validates a message posted by the inspector webview (untrusted). */
export function isInspectorToHost(m: unknown): m is InspectorToHost {
  if (typeof m !== 'object' || m === null) return false;
  const kind = (m as Record<string, unknown>).kind;
  return kind === 'ready' || kind === 'refresh';
}

/** Caps that keep a buggy sender from making the panel allocate without bound. */
export const MAX_TENSORS = 32;
export const MAX_VALUES = 1 << 21;
const MAX_TEXT = 500;

type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const text = (x: unknown): string | undefined => (typeof x === 'string' ? x.slice(0, MAX_TEXT) : undefined);

function tensor(x: unknown): InspectorTensor | undefined {
  if (!isRec(x)) return undefined;
  const name = text(x.name), path = text(x.path);
  if (name === undefined || path === undefined || !Array.isArray(x.shape) || !Array.isArray(x.values)) return undefined;
  if (x.shape.length < 1 || x.shape.length > 4) return undefined;
  if (!x.shape.every((d) => Number.isInteger(d) && d >= 0)) return undefined;
  const count = (x.shape as number[]).reduce((a, b) => a * b, 1);
  if (x.values.length > count || x.values.length > MAX_VALUES) return undefined;
  const values: number[] = new Array(x.values.length);
  for (let i = 0; i < x.values.length; i++) {
    const v = x.values[i];
    if (v === null) values[i] = NaN;
    else if (typeof v === 'number') values[i] = v;
    else return undefined;
  }
  return { name, path, shape: x.shape as number[], values, truncated: x.truncated === true || values.length < count };
}

/** Returns the message if it is a well-formed HostToInspector, else undefined. */
export function parseHostToInspector(data: unknown): HostToInspector | undefined {
  if (!isRec(data)) return undefined;
  if (data.kind === 'empty') {
    const t = text(data.text);
    return t === undefined ? undefined : { kind: 'empty', text: t };
  }
  if (data.kind !== 'layer') return undefined;
  const title = text(data.title), where = text(data.where);
  if (title === undefined || where === undefined || !Array.isArray(data.tensors) || !Array.isArray(data.scalars)) return undefined;
  if (data.tensors.length > MAX_TENSORS || data.scalars.length > 100) return undefined;
  const tensors: InspectorTensor[] = [];
  for (const t of data.tensors) {
    const v = tensor(t);
    if (!v) return undefined;
    tensors.push(v);
  }
  const scalars: InspectorScalar[] = [];
  for (const s of data.scalars) {
    const name = isRec(s) ? text(s.name) : undefined, value = isRec(s) ? text(s.value) : undefined;
    if (name === undefined || value === undefined) return undefined;
    scalars.push({ name, value });
  }
  return { kind: 'layer', title, where, tensors, scalars };
}
