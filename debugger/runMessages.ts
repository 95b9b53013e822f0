// The messages a run sends the host at its turning points: the log lines of its start, a stop with everything it
// shows, and the error that ends a run (a refused file, a non-finite loss, an internal error).

import type { Diagnostic } from '../engine/language/spec';
import { EventState } from '../engine/runtime/eventState';
import { NonFiniteError, type Trainer, type TrainerEvent } from '../engine/runtime/trainer';
import type { History } from '../engine/runtime/history';
import type { LogLevel } from './log';
import type { HostToWorker, Progress, StopReason, WorkerToHost } from './protocol';
import type { SubStepPosition } from './rewind';
import { locate, nodeLocation } from './runLocation';
import type { ExceptionHit } from './stopRules';
import { networkSummary, stopTensors, trainingScalars } from './stopView';

type Stopped = Extract<WorkerToHost, { kind: 'stopped' }>;
type Failed = Extract<WorkerToHost, { kind: 'error' }>;

/** The log lines of a run's start: what it trains, its rewind history, its exception filters (built only if wanted). */
export function startLog(
  msg: Extract<HostToWorker, { kind: 'start' }>,
  t: Trainer,
  h: History | null,
): [LogLevel, () => string][] {
  const spec = t.spec;
  const lines: [LogLevel, () => string][] = [
    [
      'info',
      () =>
        `${msg.debug ? 'debugging' : 'training'} ${msg.fileName}: ${t.model.nodes.length} nodes, ${t.model.params.length} parameters, ${spec.train.epochs} epochs of batch ${spec.train.batch}`,
    ],
  ];
  if (h)
    lines.push([
      'debug',
      () =>
        `rewind history: ${h.capacity} checkpoints within ${(msg.historyBytes / 1048576).toFixed(0)} MB, one every ${h.interval} steps`,
    ]);
  if (msg.exceptionFilters.length)
    lines.push([
      'debug',
      () =>
        `exception filters: ${msg.exceptionFilters.map((f) => `${f.id} ${f.threshold}${f.floor !== undefined ? ` (floor ${f.floor})` : ''}`).join(', ')}`,
    ]);
  return lines;
}

/** What a stop may carry besides where it is: the breakpoints hit, a notice, the exception it stopped on. */
export interface StopExtra {
  readonly ids?: readonly number[];
  readonly notice?: string;
  readonly exception?: ExceptionHit;
}

/** The stop at event `ev` (null: entry), at sub-step `sub` of it when stepping inside. */
export function stoppedMessage(
  t: Trainer,
  reason: StopReason,
  ev: TrainerEvent | null,
  sub: SubStepPosition | null,
  progress: Progress,
  extra: StopExtra,
): Stopped {
  const def = sub ? sub.defs[sub.index] : null;
  const state = new EventState(t, ev);
  // An exception points at the layer it is about, whatever event revealed it.
  const x = extra.exception;
  const location = x ? { ...locate(t, ev), ...(x.node >= 0 ? nodeLocation(t, x.node) : (x.at ?? {})) } : locate(t, ev);
  return {
    kind: 'stopped',
    reason,
    location,
    progress,
    tensors: stopTensors(t, ev, def),
    scalars: trainingScalars(t, state),
    network: networkSummary(t, state),
    batchPending: { x: state.scalarPending('x'), y: state.scalarPending('y'), yhat: state.scalarPending('yhat') },
    subStep: sub && def ? { index: sub.index, count: sub.defs.length, formula: def.formula } : null,
    exception: extra.exception ? { filter: extra.exception.filter, description: extra.exception.description } : null,
    hitBreakpointIds: extra.ids ?? [],
    notice: extra.notice ?? null,
  };
}

/** Why a file cannot be trained: its first error, with its line. */
export function refusedMessage(diagnostics: readonly Diagnostic[]): Failed {
  const first = diagnostics.find((d) => d.severity === 'error');
  return {
    kind: 'error',
    message: first ? `line ${first.range.line + 1}: ${first.message}` : 'the file has errors',
    line: (first?.range.line ?? -1) + 1,
    step: null,
    layerName: null,
  };
}

/** The error that ends a run: a non-finite loss at its layer, or anything else as an internal error. */
export function failedMessage(t: Trainer, e: unknown): Failed {
  if (e instanceof NonFiniteError) {
    const node = t.model.nodes[e.layer];
    return {
      kind: 'error',
      message: e.message,
      line: node ? node.line + 1 : 0,
      step: e.step,
      layerName: node?.name ?? null,
    };
  }
  return {
    kind: 'error',
    message: `internal error: ${e instanceof Error ? e.message : String(e)}`,
    line: 0,
    step: t.step,
    layerName: null,
  };
}
