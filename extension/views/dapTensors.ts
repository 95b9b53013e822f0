// Reads the paused layer's tensors through plain DAP requests (threads → stackTrace → scopes → variables), so the
// Layer Inspector works with the adapter inline or standalone and needs nothing beyond the standard protocol.
// Free of `vscode`: it takes the request function (`DebugSession.customRequest`), which makes it testable.

import type { InspectorScalar, InspectorTensor } from '../../webview/inspector/protocol';

/** Sends one DAP request and resolves with its response body. */
export type DapRequest = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

/** What the inspector shows of one stop. */
export interface PausedLayer {
  readonly title: string;
  readonly where: string;
  readonly tensors: InspectorTensor[];
  readonly scalars: InspectorScalar[];
}

interface Variable { name: string; value: string; type?: string; variablesReference: number; evaluateName?: string }

/** Values fetched per tensor at most; larger tensors show their first rows (flagged as truncated). */
export const MAX_FETCH = 1 << 16;
/** Row requests in flight at once. */
const PARALLEL = 16;

function vars(body: unknown): Variable[] {
  const v = (body as { variables?: unknown } | undefined)?.variables;
  return Array.isArray(v) ? (v as Variable[]) : [];
}

/** `Float32[32×4]` → [32, 4]; undefined for non-tensor variables. */
export function shapeOfType(type: string | undefined): number[] | undefined {
  const m = /^Float(?:32|64)\[([0-9×x, ]*)\]$/.exec(type ?? '');
  if (!m) return undefined;
  const dims = m[1].split(/[×x,]/).map((s) => s.trim()).filter(Boolean).map(Number);
  return dims.length > 0 && dims.every((d) => Number.isInteger(d) && d >= 0) ? dims : undefined;
}

/** A value as the adapter prints it (`String(float)`): exact, including NaN and ±Infinity. */
function num(s: string): number {
  const v = Number(s);
  return Number.isNaN(v) && s.trim() !== 'NaN' ? NaN : v;
}

async function inChunks<T, R>(items: readonly T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL) out.push(...await Promise.all(items.slice(i, i + PARALLEL).map(f)));
  return out;
}

async function readTensor(req: DapRequest, v: Variable, shape: number[], maxValues: number): Promise<InspectorTensor> {
  const count = shape.reduce((a, b) => a * b, 1);
  const path = v.evaluateName ?? v.name;
  if (shape.length === 2) {
    const [rows, cols] = shape;
    const take = Math.min(rows, Math.max(1, Math.floor(maxValues / Math.max(1, cols))));
    const rowVars = vars(await req('variables', { variablesReference: v.variablesReference, filter: 'indexed', start: 0, count: take }));
    const chunks = await inChunks(rowVars, async (r) => vars(await req('variables', { variablesReference: r.variablesReference, filter: 'indexed', start: 0, count: cols })).map((x) => num(x.value)));
    const values = chunks.flat();
    return { name: v.name, path, shape, values, truncated: values.length < count };
  }
  const take = Math.min(count, maxValues);
  const values = vars(await req('variables', { variablesReference: v.variablesReference, filter: 'indexed', start: 0, count: take })).map((x) => num(x.value));
  return { name: v.name, path, shape, values, truncated: values.length < count };
}

/** Reads the top frame's first scope (the paused layer) and the Training scope. Undefined when nothing is paused. */
export async function readPausedLayer(req: DapRequest, maxValues = MAX_FETCH): Promise<PausedLayer | undefined> {
  const threads = ((await req('threads')) as { threads?: { id: number }[] } | undefined)?.threads ?? [];
  if (threads.length === 0) return undefined;
  const frames = ((await req('stackTrace', { threadId: threads[0].id, startFrame: 0, levels: 20 })) as { stackFrames?: { id: number; name: string }[] } | undefined)?.stackFrames ?? [];
  if (frames.length === 0) return undefined;
  // The outermost frame names the event (`backward h1 · step 3 · epoch 1`); a sub-step frame sits above it.
  const frame = frames[frames.length - 1];
  const scopes = ((await req('scopes', { frameId: frames[0].id })) as { scopes?: { name: string; variablesReference: number }[] } | undefined)?.scopes ?? [];
  if (scopes.length === 0) return undefined;
  const layerVars = vars(await req('variables', { variablesReference: scopes[0].variablesReference }));
  const tensors: InspectorTensor[] = [];
  for (const v of layerVars) {
    const shape = shapeOfType(v.type);
    if (shape && v.variablesReference > 0) tensors.push(await readTensor(req, v, shape, maxValues));
  }
  const training = scopes.find((s) => s.name === 'Training');
  const scalars = training ? vars(await req('variables', { variablesReference: training.variablesReference })).map((v) => ({ name: v.name, value: v.value })) : [];
  return { title: scopes[0].name, where: frame.name, tensors, scalars };
}
