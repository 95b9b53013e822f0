// What a PyTorch stop shows in Variables: the module's tensors (input, output, ∂L/∂output, ∂L/∂input, parameters and
// their .grad) as one-line summaries in the `.nnet` sessions' form, expandable to rows and values fetched from the
// probe page by page; a Run scope (step, loss, rank, global gradient norms); and what an evaluated expression shows.

import { Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { formatExact, formatFloat32, formatShape, formatSummary } from '../../../engine/nn/tensor';
import type { ProbeSummary } from '../../../debugger/pytorch/probeProtocol';
import type { RunStop } from '../../../debugger/pytorch/probeRun';
import { formatValue } from '../../../engine/expr/format';
import { isTensor, type Value } from '../../../engine/expr/values';
import type { TensorRef } from '../variables';

/** What a PyTorch variables reference stands for. */
export type PtVarRef =
  | { readonly kind: 'module' }
  | { readonly kind: 'run' }
  /** A probe tensor, whole (`row` null) or one row of its first dimension. */
  | {
      readonly kind: 'tensor';
      readonly module: string;
      readonly tensor: string;
      readonly shape: readonly number[];
      readonly row: number | null;
    };

/** Reads a page of a tensor's values at the stop (flattened row-major). */
export type ReadValues = (module: string, tensor: string, offset: number, count: number) => Promise<Float32Array>;

/** The order tensors are listed in; others follow by name. */
const ORDER = ['input', 'output', 'grad_output', 'grad_input', 'weight', 'weight.grad', 'bias', 'bias.grad'];
/** What the rows' names say. */
const LABELS: Readonly<Record<string, string>> = {
  grad_output: 'grad_output (∂L/∂output)',
  grad_input: 'grad_input (∂L/∂input)',
};
/** Values previewed on a row's line. */
const PREVIEW = 8;
/** Most values fetched to preview a page of rows (beyond it rows show their length only). */
const PREVIEW_BUDGET = 1 << 16;

/** `Float32[32×8] mean … min … max … ‖·‖ …`: the `.nnet` sessions' summary line, from the probe's statistics. */
export function describeSummary(s: ProbeSummary): string {
  const nf = s.nonFinite ? ` non-finite ${s.nonFinite}` : '';
  const dtype = s.dtype.replace(/^torch\./, '');
  const name = dtype === 'float32' ? 'Float32' : dtype;
  return `${name}[${formatShape(s.shape)}] mean ${formatSummary(s.mean)} min ${formatSummary(s.min)} max ${formatSummary(s.max)} ‖·‖ ${formatSummary(s.norm)}${nf}`;
}

/** The scopes of a stop: the module's tensors, and the run's scalars. */
export function ptScopes(s: RunStop, ref: (r: PtVarRef) => number): DebugProtocol.Scope[] {
  const title = s.module ? `${s.phase === 'stepEnd' ? 'Module' : s.phase} ${s.module}` : 'Module';
  return [new Scope(title, ref({ kind: 'module' }), false), new Scope('Run', ref({ kind: 'run' }), false)];
}

const widthOf = (shape: readonly number[]) => shape.slice(1).reduce((a, b) => a * b, 1);
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** How many children a tensor (or a row) has: rows of a ≥2-D tensor, values of a 1-D one or of a row. */
function childCount(shape: readonly number[], row: number | null): number {
  if (row !== null) return widthOf(shape);
  return shape.length >= 2 ? shape[0] : shape.length === 1 ? shape[0] : 0;
}

/** The module scope's rows: one per tensor of the stop. */
export function moduleVariables(s: RunStop, ref: (r: PtVarRef) => number): DebugProtocol.Variable[] {
  const names = Object.keys(s.tensors).sort((a, b) => rankOf(a) - rankOf(b) || a.localeCompare(b));
  return names.map((name) => {
    const sum = s.tensors[name];
    const count = childCount(sum.shape, null);
    return {
      name: LABELS[name] ?? name,
      value: describeSummary(sum),
      type: `${sum.dtype}[${formatShape(sum.shape)}]`,
      evaluateName: `${s.module}.${name}`,
      variablesReference: count
        ? ref({ kind: 'tensor', module: s.module, tensor: name, shape: sum.shape, row: null })
        : 0,
      ...(count ? { indexedVariables: count } : {}),
    };
  });
}

function rankOf(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

/** The Run scope's rows. */
export function runVariables(s: RunStop): DebugProtocol.Variable[] {
  const row = (name: string, value: string, evaluateName?: string): DebugProtocol.Variable => ({
    name,
    value,
    variablesReference: 0,
    ...(evaluateName ? { evaluateName } : {}),
  });
  return [
    row('step', String(s.step), 'step'),
    row('loss', s.loss === null ? '— (backward() not called yet)' : formatExact(s.loss), 'loss'),
    row('rank', String(s.rank), 'rank'),
    row('call', `${s.call} (this module's call in the step)`),
    row('grad norm before clip', formatSummary(s.gradNormBefore)),
    row('grad norm after clip', formatSummary(s.gradNormAfter)),
  ];
}

/** Children of a tensor reference from `start` for `count`, their values read from the probe. */
export async function tensorVariables(
  r: Extract<PtVarRef, { kind: 'tensor' }>,
  ref: (r: PtVarRef) => number,
  read: ReadValues,
  start = 0,
  count?: number,
): Promise<DebugProtocol.Variable[]> {
  const total = childCount(r.shape, r.row);
  const from = Math.min(Math.max(0, start), total);
  const end = Math.min(total, from + (count && count > 0 ? count : total));
  if (end <= from) return [];
  const path = `${r.module}.${r.tensor}`;
  if (r.row === null && r.shape.length >= 2) {
    const width = widthOf(r.shape);
    // One read previews the page of rows when it is small; a page of wide rows shows their length only.
    const block =
      (end - from) * width <= PREVIEW_BUDGET
        ? await read(r.module, r.tensor, from * width, (end - from) * width)
        : null;
    return Array.from({ length: end - from }, (_, k) => {
      const i = from + k;
      const head = block?.subarray(k * width, k * width + Math.min(width, PREVIEW));
      const value = head
        ? `[${Array.from(head, formatFloat32).join(', ')}${width > PREVIEW ? ', …' : ''}]`
        : `[${width} values]`;
      return {
        name: `[${i}]`,
        value,
        evaluateName: `${path}[${i}]`,
        variablesReference: ref({ ...r, row: i }),
        indexedVariables: width,
      };
    });
  }
  const base = r.row === null ? 0 : r.row * widthOf(r.shape);
  const values = await read(r.module, r.tensor, base + from, end - from);
  return Array.from(values, (v, k) => ({
    name: `[${from + k}]`,
    value: formatFloat32(v),
    type: 'float32',
    evaluateName: r.row === null ? `${path}[${from + k}]` : `${path}[${r.row}][${from + k}]`,
    variablesReference: 0,
  }));
}

/** Number of values of a summary (for messages). */
export function valueCount(s: ProbeSummary): number {
  return sizeOf(s.shape);
}

/** The evaluate body of value `v` of `expression`: a tensor expandable through a reference `hold` makes, or a line. */
export function ptEvaluateBody(
  v: Value,
  expression: string,
  hold: (ref: TensorRef) => number,
): DebugProtocol.EvaluateResponse['body'] {
  if (!isTensor(v)) return { result: formatValue(v), variablesReference: 0 };
  const tensor = { name: expression, path: expression, shape: v.shape, values: Float32Array.from(v.data) };
  return {
    result: formatValue(v),
    variablesReference: hold({ tensor, row: null }),
    indexedVariables: v.shape.length === 2 ? v.shape[0] : tensor.values.length,
  };
}
