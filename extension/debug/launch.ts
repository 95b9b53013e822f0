// The `launch` request's arguments and the reading it needs: the .nnet file (without blocking, bounded in size)
// parsed with its data files, for launching and for placing breakpoints; and the worker's `start` message.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { readTextFileAsync } from '../../engine/data/filesAsync';
import { LIMITS, type NetworkSpec } from '../../engine/language/spec';
import type { LogLevel } from '../../debugger/log';
import type { BreakpointSpec, HostToWorker, ParseLimits } from '../../debugger/protocol';
import type { SessionSettings } from '../settings';
import { DataFileCache } from '../language/dataFileCache';
import { parseWithDataFiles } from '../language/parseCache';
import { doctorThresholds, exceptionFilters, type RequestedFilter } from './exceptionFilters';

/** Arguments of a `launch` request of type `nnet`. */
export interface NnetLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** Absolute path of the .nnet file. */
  program: string;
  stopOnEntry?: boolean;
  /** Memory for Step Back history, in megabytes (default 256). */
  historyMB?: number;
  /** Folder CSV data files must lie in (default: the .nnet file's folder; the extension passes the workspace folder). */
  dataRoot?: string;
  /** Log DAP traffic at trace level. */
  trace?: boolean;
  /** Per-session overrides of the settings of the same name (the extension fills in the rest from the settings). */
  vanishingRatio?: number;
  vanishingFloor?: number;
  explodingNorm?: number;
  deadReluShare?: number;
  maxCsvMB?: number;
  memoryBudgetMB?: number;
}

/** CSV files the sessions read, by stamp: a breakpoint change does not read the data again. */
const dataFiles = new DataFileCache();

/** The program unreadable, or its text and what parsing it gave: a spec, or null and the first error. */
export type ReadProgram =
  | { readonly readError: string }
  | { readonly source: string; readonly spec: NetworkSpec | null; readonly parseError: string };

/**
 * Reads and parses the program to launch. Only a regular file of bounded size: a FIFO would block the adapter
 * forever. Read without blocking: inline, the adapter runs on the extension host's thread.
 */
export async function readProgram(
  program: string,
  dataRoot: string | undefined,
  limits: ParseLimits,
  name: string,
): Promise<ReadProgram> {
  const read = await readTextFileAsync(program, LIMITS.maxSourceBytes);
  if ('error' in read) return { readError: `Cannot start training: ${read.error}` };
  const source = read.text;
  const { spec, diagnostics } = (
    await parseWithDataFiles(source, { kind: 'disk', id: '', file: program, root: dataRoot }, dataFiles, [], limits)
  ).result;
  const first = diagnostics.find((d) => d.severity === 'error');
  const where = first ? `${name}:${first.range.line + 1}: ${first.message}` : 'the file has errors';
  return { source, spec, parseError: `Cannot start training: ${where}` };
}

/** Parses the file at `file` for breakpoint placement, without blocking; never throws. */
export async function readSpec(
  file: string,
  limits: ParseLimits,
): Promise<{ spec: NetworkSpec | null; firstError?: string }> {
  const read = await readTextFileAsync(file, LIMITS.maxSourceBytes);
  if ('error' in read) return { spec: null, firstError: read.error };
  const r = (await parseWithDataFiles(read.text, { kind: 'disk', id: '', file }, dataFiles, [], limits)).result;
  const e = r.diagnostics.find((d) => d.severity === 'error');
  return { spec: r.spec, firstError: e ? `line ${e.range.line + 1}: ${e.message}` : undefined };
}

/** What a launch starts the worker with, besides the program's text. */
export interface StartOptions {
  readonly args: NnetLaunchArguments;
  /** The program's absolute path and its text. */
  readonly program: string;
  readonly source: string;
  /** Every breakpoint and exception filter the client has set so far. */
  readonly breakpoints: readonly BreakpointSpec[];
  readonly filters: readonly RequestedFilter[];
  /** The settings, overridden by the launch attributes. */
  readonly settings: SessionSettings;
  readonly limits: ParseLimits;
  readonly logLevel: LogLevel | 'off';
}

/** The worker's `start`: without debugging (noDebug), no breakpoint, filter or stop on entry; the doctor always. */
export function startMessage(o: StartOptions): Extract<HostToWorker, { kind: 'start' }> {
  const debug = !o.args.noDebug;
  return {
    kind: 'start',
    source: o.source,
    fileName: o.program,
    dataRoot: o.args.dataRoot,
    debug,
    stopOnEntry: debug && !!o.args.stopOnEntry,
    breakpoints: debug ? o.breakpoints : [],
    exceptionFilters: debug ? exceptionFilters(o.filters, o.settings) : [],
    // The doctor watches every session; its findings reach the editor when it ends (like Train's).
    doctor: true,
    thresholds: doctorThresholds(o.filters, o.settings),
    historyBytes: o.settings.historyMB * 1024 * 1024,
    limits: o.limits,
    logLevel: o.logLevel,
  };
}

/** The log's line for a launch: the program, and the memory and data it may use. */
export function launchLogLine(program: string, debug: boolean, s: SessionSettings): string {
  return `launch ${program}${debug ? '' : ' (no debugging)'}: history ${s.historyMB} MB, CSV up to ${s.maxCsvMB} MB, memory budget ${s.memoryBudgetMB} MB`;
}
