// What the Debug Console, Set Value and the exception widget read: an evaluation's result (a tensor expandable in
// place), the worker path a Set Value writes to, completion targets, and the exception of a stop.

import type { Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS, type CompletionTarget, type Requests } from '../../debugger/protocol';
import type { Stopped, VarRef } from './variables';

/** The worker path a Set Value on variable `name` under `ref` writes (lr, or one entry of a tensor); null if none. */
export function setValueTarget(ref: VarRef | undefined, name: string): string | null {
  if (ref?.kind === 'training' && name === 'lr') return 'lr';
  if (ref?.kind !== 'tensor') return null;
  const { tensor, row } = ref.ref;
  return `${tensor.path}${row !== null ? `[${row}]` : ''}${name}`;
}

/** An evaluation's result: its text, and a tensor result expandable to rows and values. */
export function evaluateBody(
  r: Requests['evaluate']['reply'],
  refs: Handles<VarRef>,
): DebugProtocol.EvaluateResponse['body'] {
  const t = r.tensor;
  return t
    ? {
        result: r.text,
        variablesReference: refs.create({ kind: 'tensor', ref: { tensor: t, row: null } }),
        indexedVariables: t.shape.length === 2 ? t.shape[0] : t.values.length,
      }
    : { result: r.text, variablesReference: 0 };
}

/** The worker's completions as DAP targets; DAP columns are 1-based here (columnsStartAt1), so `start` converts back. */
export function completionTargets(items: readonly CompletionTarget[]): DebugProtocol.CompletionItem[] {
  return items.map((c) => ({ label: c.label, text: c.label, start: c.start + 1, length: c.length, type: c.type }));
}

/** The exception widget's content at stop `s`. */
export function exceptionInfo(s: Stopped | null): DebugProtocol.ExceptionInfoResponse['body'] {
  const e = s?.exception;
  return e
    ? // VS Code titles the exception widget "Exception has occurred: <exceptionId>", so the id is the readable label.
      {
        exceptionId: EXCEPTION_FILTERS[e.filter].label,
        description: e.description,
        breakMode: 'always',
        details: { message: e.description, typeName: e.filter },
      }
    : { exceptionId: 'none', description: 'Not stopped on an exception', breakMode: 'never' };
}
