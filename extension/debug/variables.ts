// Turns tensor snapshots into DAP variables: a one-line summary per tensor, expandable to rows and values.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { describeTensor, formatFloat32, formatShape } from '../../engine/nn/tensor';
import type { TensorSnapshot } from '../../debugger/protocol';

/** What a variables reference points at: a whole tensor, or one row of a 2-D tensor. */
export type TensorRef = { readonly tensor: TensorSnapshot; readonly row: number | null };

/** Longest row preview shown inline before "…". */
const PREVIEW = 8;

/** The top-level variable for a tensor. */
export function tensorVariable(t: TensorSnapshot, ref: number): DebugProtocol.Variable {
  const count = t.shape.length === 2 ? t.shape[0] : t.values.length;
  return {
    name: t.name,
    value: describeTensor(t.shape, t.values),
    type: `Float32[${formatShape(t.shape)}]`,
    evaluateName: t.path,
    variablesReference: ref,
    indexedVariables: count,
  };
}

/** Children of a tensor (rows of a matrix, or values) or of one matrix row, from `start` for `count`. */
export function tensorChildren(
  r: TensorRef,
  makeRef: (r: TensorRef) => number,
  start = 0,
  count?: number,
): DebugProtocol.Variable[] {
  const { tensor: t, row } = r;
  const isMatrix = t.shape.length === 2 && row === null;
  const width = t.shape.length === 2 ? t.shape[1] : t.values.length;
  const total = isMatrix ? t.shape[0] : width;
  const end = Math.min(total, start + (count ?? total));
  const out: DebugProtocol.Variable[] = [];
  for (let i = start; i < end; i++) {
    if (isMatrix) {
      const values = t.values.subarray(i * width, (i + 1) * width);
      const preview =
        Array.from(values.subarray(0, PREVIEW), formatFloat32).join(', ') + (width > PREVIEW ? ', …' : '');
      out.push({
        name: `[${i}]`,
        value: `[${preview}]`,
        evaluateName: `${t.path}[${i}]`,
        variablesReference: makeRef({ tensor: t, row: i }),
        indexedVariables: width,
      });
    } else {
      const v = t.values[(row ?? 0) * width + i];
      out.push({
        name: `[${i}]`,
        value: formatFloat32(v),
        type: 'float32',
        evaluateName: row === null ? `${t.path}[${i}]` : `${t.path}[${row}][${i}]`,
        variablesReference: 0,
      });
    }
  }
  return out;
}
