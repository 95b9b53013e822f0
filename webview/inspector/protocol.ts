// The one protocol between the extension host and the Layer Inspector panel. Both sides import this file.
// Messages are JSON on the way: the host encodes numbers JSON would lose (wire/json.ts, null for NaN) and tensors as
// base64 float32 (wire/float32.ts); `parseHostToInspector` is the decoder.

import { decodeFloat32 } from '../../wire/float32';
import { decodeNumber } from '../../wire/json';
import type { LayerClip, LayerDecomposition, LayerHistory, LayerOptimizer, Tensor } from '../../wire/types';
import { MAX_LOG_TEXT, type WebviewLogLevel } from '../log';

/**
 * One tensor of the shown layer. `values` may hold fewer than the shape's count when `truncated`. On the wire the
 * values are base64 float32 in `data` (exact and about a third of the size of JSON numbers, which matters for a
 * 1024×1024 layer) with `values` empty, or a number array (null for NaN); the parser decodes `data` and drops it.
 */
export type InspectorTensor = Tensor<ArrayLike<number>> & {
  readonly data?: string;
  /** True when only the first rows were fetched (very large tensors). */
  readonly truncated: boolean;
};

/** A named scalar shown beside the tensors (loss, gradient norms, clip coefficient, lr), as the debugger formats it. */
export interface InspectorScalar {
  readonly name: string;
  readonly value: string;
}

/** Check Gradients Here's report of the layer shown: the worst relative error of each gradient against finite differences. */
export interface InspectorGradCheck {
  /** 1-based step whose batch and parameters were checked. */
  readonly step: number;
  readonly tolerance: number;
  readonly rows: readonly {
    /** E.g. `h1.W.grad`. */
    readonly path: string;
    readonly maxRelError: number;
    readonly checked: number;
    readonly total: number;
    readonly ok: boolean;
  }[];
}

/** A layer as the inspector shows it. The four sections are optional (absent: the host has nothing for them). */
export interface InspectorLayer {
  readonly kind: 'layer';
  /** E.g. `h1 · dense 2→4 tanh`. */
  readonly title: string;
  /** E.g. `backward h1 · step 3 · epoch 1`. */
  readonly where: string;
  /** The layer's name (what `scrub` and `inspect` refer to); empty when unknown. */
  readonly layer?: string;
  readonly tensors: readonly InspectorTensor[];
  readonly scalars: readonly InspectorScalar[];
  readonly clip?: LayerClip | null;
  readonly optimizer?: LayerOptimizer<InspectorTensor> | null;
  readonly decomposition?: LayerDecomposition | null;
  readonly history?: LayerHistory | null;
  readonly gradCheck?: InspectorGradCheck | null;
  /** Cells per side a heat map draws at most (the nnet.inspector.heatmapCells setting); absent: the default. */
  readonly heatmapCells?: number;
}

export type HostToInspector =
  /** The layer the debugger is paused on (or asked for), at the step shown. */
  | InspectorLayer
  /** Nothing to show (no paused nnet debug session); `text` says why. */
  | { kind: 'empty'; text: string };

export type InspectorToHost =
  | { kind: 'ready' }
  /** The user asked to re-read the paused layer. */
  | { kind: 'refresh' }
  /** Show the same layer and event at another (1-based) step of the history; the debugger itself does not move. */
  | { kind: 'scrub'; step: number }
  /** Go back to following the debugger's current stop. */
  | { kind: 'follow' }
  /** Something for the nnet log (the panel's own failures). */
  | { kind: 'log'; level: WebviewLogLevel; message: string };

/** Validates a message posted by the inspector webview (untrusted). */
export function isInspectorToHost(m: unknown): m is InspectorToHost {
  if (typeof m !== 'object' || m === null) return false;
  const msg = m as Record<string, unknown>;
  switch (msg.kind) {
    case 'ready':
    case 'refresh':
    case 'follow':
      return true;
    case 'log':
      return (
        (msg.level === 'warn' || msg.level === 'error') &&
        typeof msg.message === 'string' &&
        msg.message.length <= MAX_LOG_TEXT
      );
    case 'scrub':
      return typeof msg.step === 'number' && Number.isInteger(msg.step) && msg.step >= 1 && msg.step <= 1e9;
    default:
      return false;
  }
}

/** Heat-map sizes (cells per side) the panel accepts: the range of the nnet.inspector.heatmapCells setting. */
export const MIN_HEATMAP_CELLS = 16;
export const MAX_HEATMAP_CELLS = 1024;
export const DEFAULT_HEATMAP_CELLS = 256;

/** Caps that keep a buggy sender from making the panel allocate without bound. */
export const MAX_TENSORS = 32;
export const MAX_VALUES = 1 << 21;
const MAX_TEXT = 500;

type Rec = Record<string, unknown>;
const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const text = (x: unknown): string | undefined => (typeof x === 'string' ? x.slice(0, MAX_TEXT) : undefined);

function tensor(x: unknown): InspectorTensor | undefined {
  if (!isRec(x)) return undefined;
  const name = text(x.name),
    path = text(x.path);
  if (name === undefined || path === undefined || !Array.isArray(x.shape) || !Array.isArray(x.values)) return undefined;
  if (x.shape.length < 1 || x.shape.length > 4) return undefined;
  if (!x.shape.every((d) => Number.isInteger(d) && d >= 0)) return undefined;
  const count = (x.shape as number[]).reduce((a, b) => a * b, 1);
  let values: ArrayLike<number>;
  if (x.data !== undefined) {
    // Base64 float32: the length is checked before decoding, so a huge string is refused without allocating.
    if (
      typeof x.data !== 'string' ||
      x.values.length !== 0 ||
      (x.data.length * 3) / 4 > 4 * Math.min(count, MAX_VALUES) + 3
    )
      return undefined;
    const decoded = decodeFloat32(x.data);
    if (!decoded || decoded.length > count) return undefined;
    values = decoded;
  } else {
    if (x.values.length > count || x.values.length > MAX_VALUES) return undefined;
    const parsed: number[] = new Array(x.values.length);
    for (let i = 0; i < x.values.length; i++) {
      const v = x.values[i];
      const n = decodeNumber(v);
      if (n === undefined) return undefined;
      parsed[i] = n;
    }
    values = parsed;
  }
  return { name, path, shape: x.shape as number[], values, truncated: x.truncated === true || values.length < count };
}

/** A number as `encodeNumber` writes it (null → NaN); anything else is malformed. */
const num = decodeNumber;

/** A 1-based step index, bounded like `scrub` so the slider's range stays sane. */
const stepIndex = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 1e9 ? x : undefined;

function clip(x: Rec): LayerClip | undefined {
  const normBefore = num(x.normBefore),
    normAfter = num(x.normAfter),
    coefficient = num(x.coefficient);
  const layerNorm = num(x.layerNorm),
    share = num(x.share);
  // null here means "no clip norm", not NaN: a NaN threshold would be meaningless.
  const threshold = x.threshold === null ? null : typeof x.threshold === 'number' ? x.threshold : undefined;
  if (
    normBefore === undefined ||
    normAfter === undefined ||
    coefficient === undefined ||
    layerNorm === undefined ||
    share === undefined ||
    threshold === undefined
  )
    return undefined;
  return { normBefore, normAfter, coefficient, threshold, layerNorm, share };
}

function optimizer(x: Rec, room: number): LayerOptimizer<InspectorTensor> | undefined {
  const kind = text(x.kind),
    lr = num(x.lr),
    t = num(x.t);
  if (kind === undefined || lr === undefined || t === undefined || !Array.isArray(x.tensors)) return undefined;
  if (!Number.isNaN(t) && !(Number.isInteger(t) && t >= 0)) return undefined;
  if (x.tensors.length > room) return undefined;
  const tensors: InspectorTensor[] = [];
  for (const raw of x.tensors) {
    const v = tensor(raw);
    if (!v) return undefined;
    tensors.push(v);
  }
  return { kind, lr, t, tensors };
}

function decomposition(x: Rec): LayerDecomposition | undefined {
  const upstreamFrom = text(x.upstreamFrom),
    activation = text(x.activation);
  const upstreamNorm = num(x.upstreamNorm),
    phiPrimeMean = num(x.phiPrimeMean),
    phiPrimeMax = num(x.phiPrimeMax),
    deltaNorm = num(x.deltaNorm);
  if (
    upstreamFrom === undefined ||
    activation === undefined ||
    upstreamNorm === undefined ||
    phiPrimeMean === undefined ||
    phiPrimeMax === undefined ||
    deltaNorm === undefined
  )
    return undefined;
  return { upstreamFrom, upstreamNorm, activation, phiPrimeMean, phiPrimeMax, deltaNorm };
}

function history(x: Rec): LayerHistory | undefined {
  const first = stepIndex(x.first),
    last = stepIndex(x.last),
    step = stepIndex(x.step);
  if (first === undefined || last === undefined || step === undefined || typeof x.live !== 'boolean') return undefined;
  if (first > last || step < first || step > last) return undefined;
  return { first, last, step, live: x.live };
}

function gradCheck(x: Rec): InspectorGradCheck | undefined {
  const step = stepIndex(x.step),
    tolerance = num(x.tolerance);
  if (step === undefined || tolerance === undefined || !Array.isArray(x.rows) || x.rows.length > 8) return undefined;
  const rows: InspectorGradCheck['rows'][number][] = [];
  for (const r of x.rows as unknown[]) {
    if (!isRec(r)) return undefined;
    const path = text(r.path),
      maxRelError = num(r.maxRelError),
      checked = stepIndex(r.checked),
      total = stepIndex(r.total);
    if (path === undefined || maxRelError === undefined || checked === undefined || total === undefined)
      return undefined;
    if (typeof r.ok !== 'boolean') return undefined;
    rows.push({ path, maxRelError, checked, total, ok: r.ok });
  }
  return { step, tolerance, rows };
}

/**
 * An optional section: absent stays absent, null stays null, anything else must parse (`bad` when it does not, so
 * the caller drops the whole message rather than show a layer with a silently missing section).
 */
const bad = Symbol('malformed');
function optional<T>(x: unknown, parse: (r: Rec) => T | undefined): T | null | undefined | typeof bad {
  if (x === undefined || x === null) return x;
  if (!isRec(x)) return bad;
  return parse(x) ?? bad;
}

/** Returns the message if it is a well-formed HostToInspector, else undefined. */
export function parseHostToInspector(data: unknown): HostToInspector | undefined {
  if (!isRec(data)) return undefined;
  if (data.kind === 'empty') {
    const t = text(data.text);
    return t === undefined ? undefined : { kind: 'empty', text: t };
  }
  if (data.kind !== 'layer') return undefined;
  const title = text(data.title),
    where = text(data.where);
  if (title === undefined || where === undefined || !Array.isArray(data.tensors) || !Array.isArray(data.scalars))
    return undefined;
  if (data.tensors.length > MAX_TENSORS || data.scalars.length > 100) return undefined;
  const tensors: InspectorTensor[] = [];
  for (const t of data.tensors) {
    const v = tensor(t);
    if (!v) return undefined;
    tensors.push(v);
  }
  const scalars: InspectorScalar[] = [];
  for (const s of data.scalars) {
    const name = isRec(s) ? text(s.name) : undefined,
      value = isRec(s) ? text(s.value) : undefined;
    if (name === undefined || value === undefined) return undefined;
    scalars.push({ name, value });
  }
  const layer = data.layer === undefined ? undefined : text(data.layer);
  if (data.layer !== undefined && layer === undefined) return undefined;
  // The tensor cap covers the layer's and the optimizer's tensors together: both are drawn.
  const c = optional(data.clip, clip),
    o = optional(data.optimizer, (r) => optimizer(r, MAX_TENSORS - tensors.length));
  const d = optional(data.decomposition, decomposition),
    h = optional(data.history, history),
    g = optional(data.gradCheck, gradCheck);
  if (c === bad || o === bad || d === bad || h === bad || g === bad) return undefined;
  const msg: { -readonly [K in keyof InspectorLayer]: InspectorLayer[K] } = {
    kind: 'layer',
    title,
    where,
    tensors,
    scalars,
  };
  if (layer !== undefined) msg.layer = layer;
  if (c !== undefined) msg.clip = c;
  if (o !== undefined) msg.optimizer = o;
  if (d !== undefined) msg.decomposition = d;
  if (h !== undefined) msg.history = h;
  if (g !== undefined) msg.gradCheck = g;
  const cells = data.heatmapCells;
  if (cells !== undefined) {
    if (typeof cells !== 'number' || !Number.isInteger(cells) || cells < MIN_HEATMAP_CELLS || cells > MAX_HEATMAP_CELLS)
      return undefined;
    msg.heatmapCells = cells;
  }
  return msg;
}
